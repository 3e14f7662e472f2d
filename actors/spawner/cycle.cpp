#include "actors/spawner/cycle.hpp"

#include "sources/cron.hpp"
#include "sources/duration.hpp"
#include "sources/spawn_template.hpp"
#include "sources/task_naming.hpp"
#include "sources/template.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace kelos::spawner {
namespace {

using k8s::json;
using k8s::spawner_condition;
using k8s::task_spawner_status;

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty())
      out += sep;
    out += p;
  }
  return out;
}

bool owns(const k8s::task_spawner& s, const owned_task& t) {
  return t.controller_uid.empty() || t.controller_uid == s.meta.uid;
}

int64_t limit_of(const std::optional<int32_t>& v) { return v && *v > 0 ? *v : 0; }

void set(task_spawner_status& st, const k8s::task_spawner& s, std::string_view type, bool status,
         std::string_view reason, std::string message, k8s::time_point now) {
  k8s::set_condition(st.conditions,
                     spawner_condition{std::string{type}, status ? "True" : "False", std::string{reason},
                                       std::move(message), s.meta.generation, std::nullopt},
                     now);
}

/// Totals, activeTasks, message and the budget condition of a running spawner.
void finish_running(const cycle_input& in, task_spawner_status& st, int64_t total, int64_t active,
                    const std::vector<skipped_item>& skipped) {
  const auto& s = *in.spawner;
  st.total_tasks_created = total;
  st.active_tasks = active;
  if (in.discovery_error) {
    st.message = "Discovery failed: " + in.discovery_error->message;
  } else {
    st.message = "Discovered " + std::to_string(st.total_discovered) + " items, created " + std::to_string(total)
                 + " tasks total";
    if (!skipped.empty())
      st.message += "; " + std::to_string(skipped.size()) + (skipped.size() == 1 ? " item" : " items")
                    + " skipped (" + skipped.front().item_id + ": " + skipped.front().reason + ")";
  }
  int64_t max_total = limit_of(s.spec.max_total_tasks);
  if (max_total > 0 && total >= max_total)
    set(st, s, cond::budget_exhausted, true, "BudgetReached",
        "Total tasks created (" + std::to_string(total) + ") has reached maxTotalTasks (" + std::to_string(max_total)
            + ")",
        in.now);
  else
    set(st, s, cond::budget_exhausted, false, "BudgetAvailable", "Task budget has not been exhausted", in.now);
}

} // namespace

bool owned_task::terminal() const {
  return phase == k8s::task_phase::succeeded || phase == k8s::task_phase::failed;
}

owned_task owned_task_of(const json& task) {
  owned_task t;
  auto meta = k8s::parse_object_meta(task);
  t.name = meta.name;
  t.creation_timestamp = meta.creation_timestamp;
  t.deleting = meta.is_deleting();
  if (auto* owner = meta.controller_owner())
    t.controller_uid = owner->uid;
  if (auto* status = k8s::find_path(task, "status"); status && status->is_object()) {
    t.phase = k8s::get_string(*status, "phase");
    if (auto text = k8s::get_string(*status, "completionTime"); !text.empty())
      t.completion_time = k8s::parse_time(text);
  }
  return t;
}

std::vector<std::string> runtime_spec_errors(const k8s::task_spawner_spec& spec) {
  auto errors = k8s::validate(spec);
  if (!spec.poll_interval.empty())
    if (auto d = sources::parse_poll_interval(spec.poll_interval); !d)
      errors.push_back("spec.pollInterval: " + d.error().message);
  if (spec.cron && !spec.cron->schedule.empty())
    if (auto c = sources::cron_schedule::parse(spec.cron->schedule); !c)
      errors.push_back("spec.when.cron.schedule: " + c.error().message);
  const auto& t = spec.task_template;
  if (!t.prompt_template.empty())
    if (auto p = sources::text_template::parse("prompt", t.prompt_template); !p)
      errors.push_back("spec.taskTemplate.promptTemplate: " + p.error().message);
  if (!t.spec.branch.empty())
    if (auto b = sources::text_template::parse("branch", t.spec.branch); !b)
      errors.push_back("spec.taskTemplate.branch: " + b.error().message);
  return errors;
}

void sort_by_label_priority(std::vector<sources::work_item>& items, const std::vector<std::string>& priority_labels) {
  if (priority_labels.empty())
    return;
  auto rank = [&](const sources::work_item& item) {
    size_t best = priority_labels.size();
    for (const auto& label : item.labels)
      for (size_t i = 0; i < best; ++i)
        if (priority_labels[i] == label)
          best = i;
    return best;
  };
  std::stable_sort(items.begin(), items.end(),
                   [&](const sources::work_item& a, const sources::work_item& b) { return rank(a) < rank(b); });
}

json build_task(const k8s::task_spawner& spawner, const std::string& name, const std::string& prompt,
                const std::string& branch) {
  k8s::task t;
  t.meta.name = name;
  t.meta.namespace_ = spawner.meta.namespace_;
  t.meta.labels[std::string{k8s::taskspawner_label}] = spawner.meta.name;
  k8s::owner_reference owner;
  owner.api_version = std::string{k8s::kelos_api_version};
  owner.kind = "TaskSpawner";
  owner.name = spawner.meta.name;
  owner.uid = spawner.meta.uid;
  owner.controller = true;
  t.meta.owner_references.push_back(owner);
  t.spec = spawner.spec.task_template.spec;
  t.spec.prompt = prompt;
  t.spec.branch = branch;
  return k8s::encode(t);
}

cycle_plan plan_cycle(const cycle_input& in) {
  const auto& s = *in.spawner;
  cycle_plan plan;
  auto& st = plan.status;
  st = s.status;
  st.active_tasks = in.slots_in_use;
  st.total_tasks_created = std::max(st.total_tasks_created, in.total_created);

  if (!in.spec_errors.empty()) {
    st.phase = k8s::spawner_phase::failed;
    st.message = "Invalid spec: " + join(in.spec_errors, "; ");
    set(st, s, cond::source_ready, false, "InvalidSpec", st.message, in.now);
    return plan;
  }
  if (s.spec.suspend) {
    st.phase = k8s::spawner_phase::suspended;
    st.message = "Suspended by user";
    set(st, s, cond::suspended, true, "UserSuspended", "TaskSpawner is suspended by user", in.now);
    return plan;
  }

  set(st, s, cond::suspended, false, "Running", "TaskSpawner is running", in.now);
  if (in.discovery_error) {
    st.phase = st.last_discovery_time ? k8s::spawner_phase::running : k8s::spawner_phase::pending;
    set(st, s, cond::source_ready, false, "DiscoveryFailed", in.discovery_error->message, in.now);
    finish_running(in, st, st.total_tasks_created, in.slots_in_use, {});
    return plan;
  }
  st.phase = k8s::spawner_phase::running;
  if (in.fresh_discovery) {
    st.last_discovery_time = std::chrono::floor<std::chrono::seconds>(in.now);
    st.total_discovered = int64_t(in.items.size());
    set(st, s, cond::source_ready, true, "DiscoverySucceeded", "The source answered the last discovery", in.now);
  }

  // Dedupe against the Tasks that exist; retrigger finished ones with a newer trigger.
  std::map<std::string, const owned_task*> existing;
  for (const auto& t : in.tasks)
    existing.emplace(t.name, &t);
  const bool retrigger = s.spec.github_issues && !s.spec.github_issues->trigger_comment.empty();
  std::vector<std::pair<sources::work_item, std::string>> fresh;
  std::set<std::string> names;
  for (const auto& item : in.items) {
    auto name = sources::spawned_task_name(s.meta.name, item.id);
    if (!names.insert(name).second)
      continue;
    auto it = existing.find(name);
    if (it == existing.end()) {
      fresh.emplace_back(item, std::move(name));
      continue;
    }
    const auto& t = *it->second;
    if (retrigger && owns(s, t) && t.terminal() && t.completion_time && item.trigger_time
        && *item.trigger_time > *t.completion_time) {
      if (!t.deleting)
        plan.remove.push_back(name);
      plan.pending.push_back(item);
    }
  }

  if (s.spec.github_issues && !s.spec.github_issues->priority_labels.empty()) {
    std::vector<sources::work_item> items;
    for (auto& [item, name] : fresh)
      items.push_back(item);
    sort_by_label_priority(items, s.spec.github_issues->priority_labels);
    std::vector<std::pair<sources::work_item, std::string>> sorted;
    for (auto& item : items)
      sorted.emplace_back(item, sources::spawned_task_name(s.meta.name, item.id));
    fresh = std::move(sorted);
  }

  int64_t slots = in.slots_in_use;
  int64_t total = st.total_tasks_created;
  const int64_t max_concurrency = limit_of(s.spec.max_concurrency);
  const int64_t max_total = limit_of(s.spec.max_total_tasks);
  const auto& tmpl = s.spec.task_template;
  for (auto& [item, name] : fresh) {
    if (max_total > 0 && total >= max_total)
      break;
    if (max_concurrency > 0 && slots >= max_concurrency) {
      plan.pending.push_back(item);
      ++plan.held_by_concurrency;
      continue;
    }
    auto prompt = sources::render_spawn_prompt(tmpl.prompt_template, item);
    if (!prompt) {
      plan.skipped.push_back({item.id, prompt.error().message});
      continue;
    }
    std::string branch;
    if (!tmpl.spec.branch.empty()) {
      auto b = sources::render_spawn_branch(tmpl.spec.branch, item);
      if (!b) {
        plan.skipped.push_back({item.id, b.error().message});
        continue;
      }
      branch = std::move(*b);
    }
    plan.create.push_back(build_task(s, name, *prompt, branch));
    ++slots;
    ++total;
  }
  finish_running(in, st, total, slots, plan.skipped);
  return plan;
}

k8s::task_spawner_status settle_status(const cycle_input& in, const cycle_plan& plan, int64_t created,
                                       const std::vector<skipped_item>& failures) {
  auto st = plan.status;
  if (st.phase != k8s::spawner_phase::running && st.phase != k8s::spawner_phase::pending)
    return st;
  if (in.discovery_error)
    return st;
  auto skipped = plan.skipped;
  skipped.insert(skipped.end(), failures.begin(), failures.end());
  int64_t total = std::max(in.spawner->status.total_tasks_created, in.total_created) + created;
  finish_running(in, st, total, in.slots_in_use + created, skipped);
  return st;
}

} // namespace kelos::spawner
