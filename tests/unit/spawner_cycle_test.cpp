// The pure TaskSpawner cycle (actors/spawner/cycle.hpp): the seed's runCycleWithSource
// cases (seed §8.1: maxConcurrency and maxTotalTasks variants, suspend and conditions,
// branch template, priority labels, agentConfigRef/podOverrides forwarding, retrigger) plus
// our differences, and the TaskSpawner types (decode/encode/validate).

#include "actors/spawner/cycle.hpp"

#include <gtest/gtest.h>

namespace kelos::spawner {
namespace {

using k8s::json;

k8s::time_point at(const char* text) { return *k8s::parse_time(text); }

const k8s::time_point now = at("2026-11-24T10:00:00Z");

k8s::task_spawner make_spawner(json spec_extra = json::object()) {
  json obj = {{"apiVersion", "kelos.dev/v1alpha1"},
              {"kind", "TaskSpawner"},
              {"metadata", {{"name", "fix-bugs"}, {"namespace", "team"}, {"uid", "uid-1"}, {"generation", 3}}},
              {"spec",
               {{"when", {{"githubIssues", {{"labels", {"bug"}}}}}},
                {"taskTemplate",
                 {{"type", "claude-code"},
                  {"credentials", {{"type", "oauth"}, {"secretRef", {{"name", "creds"}}}}},
                  {"workspaceRef", {{"name", "ws"}}}}}}}};
  obj["spec"].merge_patch(spec_extra);
  auto s = k8s::decode_task_spawner(obj);
  EXPECT_TRUE(s) << s.error().render();
  return *s;
}

sources::work_item item(std::string id, std::vector<std::string> labels = {}) {
  sources::work_item w;
  w.id = id;
  w.number = std::stoll(id);
  w.title = "Issue " + id;
  w.body = "Body of " + id;
  w.url = "https://github.com/o/r/issues/" + id;
  w.labels = std::move(labels);
  return w;
}

std::vector<sources::work_item> items(int n) {
  std::vector<sources::work_item> out;
  for (int i = 1; i <= n; ++i)
    out.push_back(item(std::to_string(i)));
  return out;
}

owned_task task(std::string name, std::string phase, std::string uid = "uid-1") {
  owned_task t;
  t.name = std::move(name);
  t.phase = std::move(phase);
  t.controller_uid = std::move(uid);
  return t;
}

cycle_input input(const k8s::task_spawner& s, std::vector<sources::work_item> found) {
  cycle_input in;
  in.spawner = &s;
  in.fresh_discovery = true;
  in.items = std::move(found);
  in.now = now;
  return in;
}

std::vector<std::string> names(const cycle_plan& p) {
  std::vector<std::string> out;
  for (auto& t : p.create)
    out.push_back(t["metadata"]["name"]);
  return out;
}

const k8s::spawner_condition& condition(const k8s::task_spawner_status& st, std::string_view type) {
  auto* c = st.condition(type);
  EXPECT_NE(c, nullptr) << type;
  static const k8s::spawner_condition none;
  return c ? *c : none;
}

// -- create loop -----------------------------------------------------------------------

TEST(SpawnerCycle, CreatesOneTaskPerNewItemWithLabelOwnerAndRenderedPrompt) {
  auto s = make_spawner({{"taskTemplate", {{"promptTemplate", "Fix #{{.Number}}: {{.Title}}"}, {"model", "opus"}}}});
  auto plan = plan_cycle(input(s, items(2)));
  ASSERT_EQ(names(plan), (std::vector<std::string>{"fix-bugs-1", "fix-bugs-2"}));
  const auto& t = plan.create[0];
  EXPECT_EQ(t["kind"], "Task");
  EXPECT_EQ(t["metadata"]["namespace"], "team");
  EXPECT_EQ(t["metadata"]["labels"]["kelos.dev/taskspawner"], "fix-bugs");
  auto& owner = t["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner["kind"], "TaskSpawner");
  EXPECT_EQ(owner["name"], "fix-bugs");
  EXPECT_EQ(owner["uid"], "uid-1");
  EXPECT_EQ(owner["controller"], true);
  EXPECT_EQ(t["spec"]["prompt"], "Fix #1: Issue 1");
  EXPECT_EQ(t["spec"]["type"], "claude-code");
  EXPECT_EQ(t["spec"]["model"], "opus");
  EXPECT_EQ(t["spec"]["workspaceRef"]["name"], "ws");
  EXPECT_FALSE(t["spec"].contains("promptTemplate"));
  EXPECT_EQ(plan.status.phase, "Running");
  EXPECT_EQ(plan.status.total_discovered, 2);
  EXPECT_EQ(plan.status.total_tasks_created, 2);
  EXPECT_EQ(plan.status.active_tasks, 2);
  EXPECT_EQ(plan.status.message, "Discovered 2 items, created 2 tasks total");
  EXPECT_EQ(plan.status.last_discovery_time, now);
}

TEST(SpawnerCycle, DefaultPromptWhenTemplateEmpty) {
  auto s = make_spawner();
  auto plan = plan_cycle(input(s, items(1)));
  ASSERT_EQ(plan.create.size(), 1u);
  EXPECT_EQ(plan.create[0]["spec"]["prompt"], "Issue #1: Issue 1\n\nBody of 1");
}

TEST(SpawnerCycle, ExistingTasksAreSkipped) {
  auto s = make_spawner();
  auto in = input(s, items(3));
  in.tasks = {task("fix-bugs-2", "Succeeded")};
  auto plan = plan_cycle(in);
  EXPECT_EQ(names(plan), (std::vector<std::string>{"fix-bugs-1", "fix-bugs-3"}));
  EXPECT_EQ(plan.status.total_discovered, 3);
}

TEST(SpawnerCycle, JiraKeysBecomeValidNames) {
  auto s = make_spawner();
  auto w = item("1");
  w.id = "PROJ-42";
  auto plan = plan_cycle(input(s, {w}));
  EXPECT_EQ(names(plan), (std::vector<std::string>{"fix-bugs-proj-42"}));
}

TEST(SpawnerCycle, ItemsMappingToOneNameCreateOnce) {
  auto s = make_spawner();
  auto plan = plan_cycle(input(s, {item("7"), item("7")}));
  EXPECT_EQ(plan.create.size(), 1u);
}

// -- maxConcurrency ----------------------------------------------------------------------

struct concurrency_case {
  const char* what;
  int max_concurrency;
  int64_t slots_in_use;
  int discovered;
  size_t created;
  size_t pending;
};

TEST(SpawnerCycle, MaxConcurrencyTable) {
  const concurrency_case cases[] = {
    {"unlimited (0)", 0, 5, 4, 4, 0},
    {"limit above demand", 10, 0, 4, 4, 0},
    {"limit caps a burst", 3, 0, 5, 3, 2},
    {"slots partly used", 3, 2, 5, 1, 4},
    {"slots all used", 3, 3, 5, 0, 5},
    {"slots over the limit (lowered)", 2, 4, 3, 0, 3},
  };
  for (const auto& c : cases) {
    auto s = make_spawner({{"maxConcurrency", c.max_concurrency}});
    auto in = input(s, items(c.discovered));
    in.slots_in_use = c.slots_in_use;
    auto plan = plan_cycle(in);
    EXPECT_EQ(plan.create.size(), c.created) << c.what;
    EXPECT_EQ(plan.pending.size(), c.pending) << c.what;
    EXPECT_EQ(plan.status.active_tasks, c.slots_in_use + int64_t(c.created)) << c.what;
  }
}

TEST(SpawnerCycle, PendingKeepsPriorityOrder) {
  auto s = make_spawner({{"maxConcurrency", 1}, {"when", {{"githubIssues", {{"priorityLabels", {"p0", "p1"}}}}}}});
  auto plan = plan_cycle(input(s, {item("1", {"p1"}), item("2"), item("3", {"p0"})}));
  EXPECT_EQ(names(plan), (std::vector<std::string>{"fix-bugs-3"}));
  ASSERT_EQ(plan.pending.size(), 2u);
  EXPECT_EQ(plan.pending[0].id, "1");
  EXPECT_EQ(plan.pending[1].id, "2");
}

// -- maxTotalTasks -----------------------------------------------------------------------

struct budget_case {
  const char* what;
  int max_total;
  int64_t persisted;   // status.totalTasksCreated
  int64_t counter;     // the actor's counter (max with existing Tasks)
  int discovered;
  size_t created;
  bool exhausted;
};

TEST(SpawnerCycle, MaxTotalTasksTable) {
  const budget_case cases[] = {
    {"unlimited", 0, 100, 100, 3, 3, false},
    {"room for all", 10, 2, 2, 3, 3, false},
    {"stops at the budget", 4, 2, 2, 5, 2, true},
    {"already reached", 3, 3, 3, 2, 0, true},
    {"persisted counter above actor counter", 3, 3, 0, 2, 0, true},
    {"existing Tasks above a lost counter", 3, 0, 3, 2, 0, true},
    {"exactly reached by this cycle", 3, 1, 1, 2, 2, true},
  };
  for (const auto& c : cases) {
    auto s = make_spawner({{"maxTotalTasks", c.max_total}});
    s.status.total_tasks_created = c.persisted;
    auto in = input(s, items(c.discovered));
    in.total_created = c.counter;
    auto plan = plan_cycle(in);
    EXPECT_EQ(plan.create.size(), c.created) << c.what;
    EXPECT_TRUE(plan.pending.empty()) << c.what;
    const auto& b = condition(plan.status, cond::budget_exhausted);
    EXPECT_EQ(b.status, c.exhausted ? "True" : "False") << c.what;
    EXPECT_EQ(b.reason, c.exhausted ? "BudgetReached" : "BudgetAvailable") << c.what;
    EXPECT_EQ(b.observed_generation, 3) << c.what;
  }
}

TEST(SpawnerCycle, BudgetMessageMatchesSeed) {
  auto s = make_spawner({{"maxTotalTasks", 2}});
  auto plan = plan_cycle(input(s, items(5)));
  EXPECT_EQ(condition(plan.status, cond::budget_exhausted).message,
            "Total tasks created (2) has reached maxTotalTasks (2)");
  auto open = make_spawner({{"maxTotalTasks", 20}});
  EXPECT_EQ(condition(plan_cycle(input(open, items(1))).status, cond::budget_exhausted).message,
            "Task budget has not been exhausted");
}

TEST(SpawnerCycle, BudgetAndConcurrencyTogether) {
  auto s = make_spawner({{"maxTotalTasks", 2}, {"maxConcurrency", 5}});
  auto plan = plan_cycle(input(s, items(4)));
  EXPECT_EQ(plan.create.size(), 2u);
  EXPECT_TRUE(plan.pending.empty()); // budget, not slots: nothing waits
}

// -- suspend and conditions --------------------------------------------------------------

TEST(SpawnerCycle, SuspendedCreatesNothingAndSetsConditions) {
  auto s = make_spawner({{"suspend", true}});
  auto in = input(s, items(3));
  in.slots_in_use = 1;
  auto plan = plan_cycle(in);
  EXPECT_TRUE(plan.create.empty());
  EXPECT_EQ(plan.status.phase, "Suspended");
  EXPECT_EQ(plan.status.message, "Suspended by user");
  EXPECT_EQ(plan.status.active_tasks, 1);
  const auto& c = condition(plan.status, cond::suspended);
  EXPECT_EQ(c.status, "True");
  EXPECT_EQ(c.reason, "UserSuspended");
  EXPECT_EQ(c.message, "TaskSpawner is suspended by user");
  EXPECT_EQ(c.observed_generation, 3);
  EXPECT_EQ(c.last_transition_time, now);
}

TEST(SpawnerCycle, ResumedSetsRunningConditionAndKeepsTransitionTimeWhenUnchanged) {
  auto s = make_spawner();
  s.status.conditions.push_back({"Suspended", "True", "UserSuspended", "x", 2, at("2026-11-01T00:00:00Z")});
  auto plan = plan_cycle(input(s, items(1)));
  const auto& c = condition(plan.status, cond::suspended);
  EXPECT_EQ(c.status, "False");
  EXPECT_EQ(c.reason, "Running");
  EXPECT_EQ(c.message, "TaskSpawner is running");
  EXPECT_EQ(c.last_transition_time, now);
  s.status = plan.status;
  auto later = input(s, items(1));
  later.now = now + std::chrono::minutes{5};
  later.tasks = {task("fix-bugs-1", "Running")};
  auto again = plan_cycle(later);
  EXPECT_EQ(condition(again.status, cond::suspended).last_transition_time, now);
}

// -- errors ------------------------------------------------------------------------------

TEST(SpawnerCycle, DiscoveryErrorGoesToStatusAndCreatesNothing) {
  auto s = make_spawner();
  auto in = input(s, {});
  in.discovery_error = kelos::error{errc::server_unavailable, "GitHub API returned status 502 for /repos/o/r/issues"};
  auto plan = plan_cycle(in);
  EXPECT_TRUE(plan.create.empty());
  EXPECT_EQ(plan.status.phase, "Pending"); // never discovered yet
  EXPECT_EQ(plan.status.message, "Discovery failed: GitHub API returned status 502 for /repos/o/r/issues");
  const auto& c = condition(plan.status, cond::source_ready);
  EXPECT_EQ(c.status, "False");
  EXPECT_EQ(c.reason, "DiscoveryFailed");
  EXPECT_FALSE(plan.status.last_discovery_time);
}

TEST(SpawnerCycle, SpecErrorsFailTheSpawner) {
  auto s = make_spawner({{"pollInterval", "soon"}, {"taskTemplate", {{"promptTemplate", "{{.Title"}}}});
  auto errors = runtime_spec_errors(s.spec);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].rfind("spec.pollInterval: ", 0), 0u) << errors[0];
  EXPECT_EQ(errors[1].rfind("spec.taskTemplate.promptTemplate: ", 0), 0u) << errors[1];
  auto in = input(s, items(2));
  in.spec_errors = errors;
  auto plan = plan_cycle(in);
  EXPECT_TRUE(plan.create.empty());
  EXPECT_EQ(plan.status.phase, "Failed");
  EXPECT_EQ(plan.status.message.rfind("Invalid spec: spec.pollInterval", 0), 0u);
  EXPECT_EQ(condition(plan.status, cond::source_ready).reason, "InvalidSpec");
}

TEST(SpawnerCycle, RuntimeSpecErrorsTable) {
  struct row {
    json spec;
    std::string field; // "" = valid
  } rows[] = {
    {json::object(), ""},
    {{{"pollInterval", "30"}}, ""},
    {{{"pollInterval", "1h30m"}}, ""},
    {{{"pollInterval", "-5m"}}, "spec.pollInterval"},
    {{{"when", {{"githubIssues", nullptr}, {"cron", {{"schedule", "61 * * * *"}}}}}}, "spec.when.cron.schedule"},
    {{{"when", {{"githubIssues", nullptr}, {"cron", {{"schedule", "@daily"}}}}}}, ""},
    {{{"taskTemplate", {{"branch", "kelos-{{.Number"}}}}, "spec.taskTemplate.branch"},
    {{{"when", {{"cron", {{"schedule", "@daily"}}}}}}, "spec.when"},
    {{{"taskTemplate", {{"workspaceRef", nullptr}}}}, "spec"},
    {{{"maxConcurrency", -1}}, "spec.maxConcurrency"},
    {{{"taskTemplate", {{"type", "bard"}}}}, "spec.taskTemplate.type"},
    {{{"when", {{"githubIssues", {{"state", "merged"}}}}}}, "spec.when.githubIssues.state"},
  };
  for (auto& r : rows) {
    auto s = make_spawner(r.spec);
    auto errors = runtime_spec_errors(s.spec);
    if (r.field.empty()) {
      EXPECT_TRUE(errors.empty()) << r.spec.dump() << ": " << (errors.empty() ? "" : errors[0]);
    } else {
      ASSERT_EQ(errors.size(), 1u) << r.spec.dump();
      EXPECT_EQ(errors[0].rfind(r.field + ": ", 0), 0u) << errors[0];
    }
  }
}

TEST(SpawnerCycle, RenderErrorSkipsTheItemAndIsReported) {
  auto s = make_spawner({{"taskTemplate", {{"promptTemplate", "{{.Nope}}"}}}});
  auto plan = plan_cycle(input(s, items(2)));
  EXPECT_TRUE(plan.create.empty());
  ASSERT_EQ(plan.skipped.size(), 2u);
  EXPECT_NE(plan.skipped[0].reason.find("Nope"), std::string::npos);
  EXPECT_NE(plan.status.message.find("2 items skipped (1: promptTemplate:"), std::string::npos) << plan.status.message;
  EXPECT_EQ(plan.status.phase, "Running");
}

TEST(SpawnerCycle, TemplateBracesInIssueBodyAreData) {
  auto s = make_spawner({{"taskTemplate", {{"promptTemplate", "{{.Body}}"}}}});
  auto w = item("1");
  w.body = "{{.Secret}} and {{ template \"x\" }}";
  auto plan = plan_cycle(input(s, {w}));
  ASSERT_EQ(plan.create.size(), 1u);
  EXPECT_EQ(plan.create[0]["spec"]["prompt"], w.body);
}

// -- branch template, priority, forwarding ----------------------------------------------

TEST(SpawnerCycle, BranchTemplateRenderedPerItem) {
  auto s = make_spawner({{"taskTemplate", {{"branch", "kelos-task-{{.Number}}"}}}});
  auto plan = plan_cycle(input(s, items(2)));
  ASSERT_EQ(plan.create.size(), 2u);
  EXPECT_EQ(plan.create[0]["spec"]["branch"], "kelos-task-1");
  EXPECT_EQ(plan.create[1]["spec"]["branch"], "kelos-task-2");
  auto none = make_spawner();
  EXPECT_FALSE(plan_cycle(input(none, items(1))).create[0]["spec"].contains("branch"));
}

TEST(SpawnerCycle, PriorityLabelsOrderNewItems) {
  auto s = make_spawner({{"when", {{"githubIssues", {{"priorityLabels", {"critical", "high", "low"}}}}}}});
  auto plan = plan_cycle(input(s, {item("1", {"low"}), item("2"), item("3", {"high", "critical"}), item("4", {"high"}),
                                   item("5", {"low"})}));
  EXPECT_EQ(names(plan), (std::vector<std::string>{"fix-bugs-3", "fix-bugs-4", "fix-bugs-1", "fix-bugs-5", "fix-bugs-2"}));
}

TEST(SpawnerCycle, NoPriorityLabelsKeepsSourceOrder) {
  auto s = make_spawner();
  auto plan = plan_cycle(input(s, {item("3"), item("1"), item("2")}));
  EXPECT_EQ(names(plan), (std::vector<std::string>{"fix-bugs-3", "fix-bugs-1", "fix-bugs-2"}));
}

TEST(SpawnerCycle, ForwardsAgentConfigRefPodOverridesAndTemplateFields) {
  auto s = make_spawner({{"taskTemplate",
                          {{"agentConfigRef", {{"name", "reviewer"}}},
                           {"image", "my/agent:1"},
                           {"dependsOn", {"setup"}},
                           {"ttlSecondsAfterFinished", 3600},
                           {"podOverrides",
                            {{"activeDeadlineSeconds", 1800},
                             {"env", {{{"name", "LEVEL"}, {"value", "debug"}}}},
                             {"nodeSelector", {{"pool", "agents"}}},
                             {"resources", {{"limits", {{"cpu", "2"}}}}}}}}}});
  auto plan = plan_cycle(input(s, items(1)));
  ASSERT_EQ(plan.create.size(), 1u);
  const auto& spec = plan.create[0]["spec"];
  EXPECT_EQ(spec["agentConfigRef"]["name"], "reviewer");
  EXPECT_EQ(spec["image"], "my/agent:1");
  EXPECT_EQ(spec["dependsOn"], json({"setup"}));
  EXPECT_EQ(spec["ttlSecondsAfterFinished"], 3600);
  EXPECT_EQ(spec["credentials"]["secretRef"]["name"], "creds");
  EXPECT_EQ(spec["podOverrides"]["activeDeadlineSeconds"], 1800);
  EXPECT_EQ(spec["podOverrides"]["env"][0]["value"], "debug");
  EXPECT_EQ(spec["podOverrides"]["nodeSelector"]["pool"], "agents");
  EXPECT_EQ(spec["podOverrides"]["resources"]["limits"]["cpu"], "2");
  EXPECT_TRUE(k8s::decode_task(plan.create[0])) << "a valid Task";
}

// -- retrigger ---------------------------------------------------------------------------

struct retrigger_case {
  const char* what;
  bool trigger_comment;
  std::string phase;
  bool completed;
  std::optional<std::string> trigger_time;
  bool deleted;
};

TEST(SpawnerCycle, RetriggerTable) {
  const retrigger_case cases[] = {
    {"completed Task, newer trigger", true, "Succeeded", true, "2026-11-24T09:00:00Z", true},
    {"failed Task, newer trigger", true, "Failed", true, "2026-11-24T09:00:00Z", true},
    {"trigger before completion", true, "Succeeded", true, "2026-11-24T07:00:00Z", false},
    {"no trigger time", true, "Succeeded", true, std::nullopt, false},
    {"no triggerComment configured", false, "Succeeded", true, "2026-11-24T09:00:00Z", false},
    {"running Task", true, "Running", false, "2026-11-24T09:00:00Z", false},
  };
  for (const auto& c : cases) {
    json gh = {{"labels", {"bug"}}};
    if (c.trigger_comment)
      gh["triggerComment"] = "/kelos pick-up";
    auto s = make_spawner({{"when", {{"githubIssues", gh}}}});
    auto w = item("1");
    if (c.trigger_time)
      w.trigger_time = at(c.trigger_time->c_str());
    auto in = input(s, {w});
    auto t = task("fix-bugs-1", c.phase);
    if (c.completed)
      t.completion_time = at("2026-11-24T08:00:00Z");
    in.tasks = {t};
    auto plan = plan_cycle(in);
    EXPECT_TRUE(plan.create.empty()) << c.what << ": created before the old Task is gone";
    EXPECT_EQ(plan.remove.size(), c.deleted ? 1u : 0u) << c.what;
    EXPECT_EQ(plan.pending.size(), c.deleted ? 1u : 0u) << c.what;
    if (c.deleted) {
      EXPECT_EQ(plan.remove[0], "fix-bugs-1");
    }
  }
}

TEST(SpawnerCycle, RetriggerCreatesOnceTheOldTaskIsGoneAndRespectsConcurrency) {
  auto s = make_spawner({{"maxConcurrency", 1}, {"when", {{"githubIssues", {{"triggerComment", "/go"}}}}}});
  auto w = item("1");
  w.trigger_time = at("2026-11-24T09:00:00Z");
  auto in = input(s, {w, item("2")});
  auto old = task("fix-bugs-1", "Succeeded");
  old.completion_time = at("2026-11-24T08:00:00Z");
  in.tasks = {old};
  in.slots_in_use = 1; // another Task holds the only slot
  auto plan = plan_cycle(in);
  EXPECT_EQ(plan.remove, (std::vector<std::string>{"fix-bugs-1"}));
  EXPECT_TRUE(plan.create.empty());
  EXPECT_EQ(plan.pending.size(), 2u);
  // Deleting (finalizer): not deleted again, still waiting.
  in.tasks[0].deleting = true;
  EXPECT_TRUE(plan_cycle(in).remove.empty());
  // Gone and a slot free: created.
  in.tasks.clear();
  in.slots_in_use = 0;
  in.fresh_discovery = false;
  auto next = plan_cycle(in);
  EXPECT_EQ(names(next), (std::vector<std::string>{"fix-bugs-1"}));
}

TEST(SpawnerCycle, ForeignTasksAreNeverRetriggered) {
  auto s = make_spawner({{"when", {{"githubIssues", {{"triggerComment", "/go"}}}}}});
  auto w = item("1");
  w.trigger_time = at("2026-11-24T09:00:00Z");
  auto in = input(s, {w});
  auto foreign = task("fix-bugs-1", "Succeeded", "other-uid");
  foreign.completion_time = at("2026-11-24T08:00:00Z");
  in.tasks = {foreign};
  auto plan = plan_cycle(in);
  EXPECT_TRUE(plan.remove.empty());
  EXPECT_TRUE(plan.create.empty());
}

// -- settle ------------------------------------------------------------------------------

TEST(SpawnerCycle, SettleCountsOnlySuccessfulCreates) {
  auto s = make_spawner({{"maxTotalTasks", 3}});
  s.status.total_tasks_created = 1;
  auto in = input(s, items(3));
  in.total_created = 1;
  auto plan = plan_cycle(in);
  ASSERT_EQ(plan.create.size(), 2u);
  auto st = settle_status(in, plan, 1, {{"3", "already exists"}});
  EXPECT_EQ(st.total_tasks_created, 2);
  EXPECT_EQ(st.active_tasks, 1);
  EXPECT_EQ(condition(st, cond::budget_exhausted).status, "False");
  EXPECT_NE(st.message.find("1 item skipped (3: already exists)"), std::string::npos) << st.message;
}

TEST(SpawnerCycle, OwnedTaskOfReadsTheObject) {
  json t = {{"metadata",
             {{"name", "x"},
              {"deletionTimestamp", "2026-11-24T09:00:00Z"},
              {"ownerReferences", {{{"apiVersion", "kelos.dev/v1alpha1"}, {"kind", "TaskSpawner"}, {"name", "s"},
                                    {"uid", "u"}, {"controller", true}}}}}},
            {"status", {{"phase", "Succeeded"}, {"completionTime", "2026-11-24T08:00:00Z"}}}};
  auto o = owned_task_of(t);
  EXPECT_EQ(o.name, "x");
  EXPECT_TRUE(o.deleting);
  EXPECT_TRUE(o.terminal());
  EXPECT_EQ(o.controller_uid, "u");
  EXPECT_EQ(o.completion_time, at("2026-11-24T08:00:00Z"));
}

// -- types -------------------------------------------------------------------------------

TEST(TaskSpawnerTypes, RoundTrip) {
  auto s = make_spawner({{"maxConcurrency", 3},
                         {"maxTotalTasks", 10},
                         {"pollInterval", "1m"},
                         {"suspend", true},
                         {"taskTemplate", {{"promptTemplate", "p"}, {"branch", "b-{{.ID}}"}}}});
  s.status.phase = "Running";
  s.status.total_tasks_created = 4;
  s.status.last_discovery_time = now;
  s.status.conditions.push_back({"Suspended", "True", "UserSuspended", "m", 3, now});
  auto back = k8s::decode_task_spawner(k8s::encode(s));
  ASSERT_TRUE(back) << back.error().render();
  EXPECT_EQ(back->spec, s.spec);
  EXPECT_EQ(back->status, s.status);
  EXPECT_EQ(k8s::encode(s)["spec"]["taskTemplate"]["promptTemplate"], "p");
}

TEST(TaskSpawnerTypes, ErrorsNameTheField) {
  struct row {
    json spec;
    std::string prefix;
  } rows[] = {
    {{{"maxConcurrency", "3"}}, "spec.maxConcurrency: expected integer"},
    {{{"suspend", "yes"}}, "spec.suspend: expected boolean"},
    {{{"when", {{"githubIssues", {{"labels", "bug"}}}}}}, "spec.when.githubIssues.labels: expected array"},
    {{{"taskTemplate", {{"podOverrides", {{"env", {{{"name", 1}}}}}}}}}, "spec.taskTemplate.podOverrides.env[0].name"},
    {{{"taskTemplate", {{"promptTemplate", 5}}}}, "spec.taskTemplate.promptTemplate: expected string"},
  };
  for (auto& r : rows) {
    json obj = {{"kind", "TaskSpawner"}, {"metadata", {{"name", "s"}}},
                {"spec", {{"when", {{"cron", {{"schedule", "@daily"}}}}}, {"taskTemplate", {{"type", "codex"}}}}}};
    obj["spec"].merge_patch(r.spec);
    auto s = k8s::decode_task_spawner(obj);
    ASSERT_FALSE(s) << r.spec.dump();
    EXPECT_EQ(s.error().message.rfind(r.prefix, 0), 0u) << s.error().message;
  }
}

} // namespace
} // namespace kelos::spawner
