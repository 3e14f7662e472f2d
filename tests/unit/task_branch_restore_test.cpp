// plan_branch_restore: who holds and who waits for a branch after a controller restart.

#include "actors/task/branch_restore.hpp"

#include "k8s/time.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

using namespace kelos;
using namespace std::chrono_literals;
using k8s::json;
using task::branch_key;
using task::task_id;

namespace {

const k8s::time_point t0{std::chrono::seconds{1'767'225'600}};

json task_obj(const std::string& name, std::chrono::seconds created, const std::string& phase = {},
          const std::string& message = {}) {
  json t = {{"apiVersion", "kelos.dev/v1alpha1"},
            {"kind", "Task"},
            {"metadata",
             {{"name", name}, {"namespace", "ns"}, {"uid", "uid-" + name},
              {"creationTimestamp", k8s::format_time(t0 + created)}}},
            {"spec", {{"branch", "b"}, {"workspaceRef", {{"name", "ws"}}}}}};
  if (!phase.empty())
    t["status"]["phase"] = phase;
  if (!message.empty())
    t["status"]["message"] = message;
  return t;
}

json job_obj(const std::string& name, const std::string& owner_uid) {
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata",
           {{"name", name},
            {"namespace", "ns"},
            {"labels", {{"kelos.dev/task", name}}},
            {"ownerReferences",
             json::array({{{"apiVersion", "kelos.dev/v1alpha1"}, {"kind", "Task"}, {"name", name},
                           {"uid", owner_uid}, {"controller", true}}})}}}};
}

const branch_key key{"ns", "ws", "b"};
const std::string waiting_for_b = "Waiting for branch \"b\" (locked by x)";

} // namespace

TEST(BranchRestore, StatusPendingOrRunningHolds) {
  auto plan = task::plan_branch_restore({task_obj("p", 1s, "Pending"), task_obj("r", 2s, "Running")}, {});
  EXPECT_EQ(plan.holders, (std::vector<task::branch_restore_plan::holder>{{key, {"ns", "p"}, false},
                                                                          {key, {"ns", "r"}, false}}));
  EXPECT_TRUE(plan.waiters.empty());
}

TEST(BranchRestore, AJobItControlsHoldsWhateverTheStatusSays) {
  auto plan = task::plan_branch_restore(
    {task_obj("no-status", 1s), task_obj("was-waiting", 2s, "Waiting", waiting_for_b), task_obj("older", 0s, "Waiting", waiting_for_b)},
    {job_obj("no-status", "uid-no-status"), job_obj("was-waiting", "uid-was-waiting")});
  EXPECT_EQ(plan.holders, (std::vector<task::branch_restore_plan::holder>{{key, {"ns", "no-status"}, true},
                                                                          {key, {"ns", "was-waiting"}, true}}));
  ASSERT_EQ(plan.waiters.size(), 1u);
  EXPECT_EQ(plan.waiters[0].task.name, "older");
}

TEST(BranchRestore, AJobOfAnEarlierTaskWithTheSameNameDoesNotHold) {
  auto plan = task::plan_branch_restore({task_obj("t", 1s)}, {job_obj("t", "uid-of-the-deleted-one")});
  EXPECT_TRUE(plan.holders.empty());
}

TEST(BranchRestore, TerminalAndDeletingTasksNeitherHoldNorWait) {
  auto deleting = task_obj("deleting", 1s, "Running");
  deleting["metadata"]["deletionTimestamp"] = k8s::format_time(t0);
  auto deleting_waiter = task_obj("deleting-waiter", 2s, "Waiting", waiting_for_b);
  deleting_waiter["metadata"]["deletionTimestamp"] = k8s::format_time(t0);
  auto plan = task::plan_branch_restore({task_obj("done", 0s, "Succeeded"), task_obj("failed", 0s, "Failed"), deleting,
                                         deleting_waiter},
                                        {job_obj("done", "uid-done"), job_obj("failed", "uid-failed"), job_obj("deleting", "uid-deleting")});
  EXPECT_TRUE(plan.holders.empty());
  EXPECT_TRUE(plan.waiters.empty());
}

TEST(BranchRestore, WaitersAreOnlyBranchWaitersOldestFirstThenByName) {
  auto no_branch = task_obj("no-branch", 0s, "Running");
  no_branch["spec"].erase("branch");
  auto plan = task::plan_branch_restore({task_obj("c", 3s, "Waiting", waiting_for_b), task_obj("b2", 1s, "Waiting", waiting_for_b),
                                         task_obj("a2", 1s, "Waiting", waiting_for_b),
                                         task_obj("dep", 0s, "Waiting", "Waiting for dependency \"x\""), no_branch},
                                        {});
  std::vector<std::string> order;
  for (const auto& w : plan.waiters)
    order.push_back(w.task.name);
  EXPECT_EQ(order, (std::vector<std::string>{"a2", "b2", "c"}));
  EXPECT_TRUE(plan.holders.empty()) << "a Task without a branch holds nothing";
}
