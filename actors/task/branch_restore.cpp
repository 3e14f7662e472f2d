#include "actors/task/branch_restore.hpp"

#include "k8s/kinds.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <tuple>

namespace kelos::task {
namespace {

bool waiting_for_branch(const k8s::json& task) {
  const k8s::json* msg = k8s::find_path(task, "status.message");
  return msg && msg->is_string() && msg->get_ref<const std::string&>().rfind(branch_queue::waiting_prefix, 0) == 0;
}

} // namespace

branch_restore_plan plan_branch_restore(const std::vector<k8s::json>& tasks, const std::vector<k8s::json>& jobs) {
  // (namespace, name) of each Job -> the uid of the Task that controls it.
  std::map<task_id, std::string> job_owner;
  for (const auto& obj : jobs) {
    auto job = k8s::parse_job(obj);
    const auto* owner = job.meta.controller_owner();
    if (owner && owner->kind == "Task")
      job_owner[task_id{job.meta.namespace_, job.meta.name}] = owner->uid;
  }

  branch_restore_plan plan;
  for (const auto& obj : tasks) {
    auto t = k8s::parse_task(obj);
    if (t.branch.empty() || t.meta.is_deleting() || t.is_terminal())
      continue;
    task_id id{t.meta.namespace_, t.meta.name};
    branch_key key{t.meta.namespace_, t.workspace, t.branch};
    auto job = job_owner.find(id);
    bool has_job = job != job_owner.end() && (t.meta.uid.empty() || job->second == t.meta.uid);
    if (t.phase == "Pending" || t.phase == "Running" || has_job)
      plan.holders.push_back({key, id, t.phase != "Pending" && t.phase != "Running"});
    else if (t.phase == "Waiting" && waiting_for_branch(obj))
      plan.waiters.push_back({key, id, t.meta.creation_timestamp.value_or(k8s::time_point{})});
  }
  std::sort(plan.waiters.begin(), plan.waiters.end(), [](const auto& a, const auto& b) {
    return std::tie(a.created, a.task.name) < std::tie(b.created, b.task.name);
  });
  return plan;
}

} // namespace kelos::task
