// The pure Task reconcile decision (seed §2.1–2.6, §2.9, §2.10, §11): every transition of
// `decide`, asserted as the exact plan it returns (steps in order, status written, events,
// metrics, requeue times). Each test builds a `scene` (what the TASK actor would have read
// and the answers it would give) and reads the plan back as short step names.

#include "actors/task/reconcile.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace kelos::k8s {
// Readable failures for status comparisons.
void PrintTo(const task_status& s, std::ostream* os) { *os << encode_status(s).dump(); }
} // namespace kelos::k8s

namespace {

using namespace std::chrono_literals;
using namespace kelos;
using namespace kelos::task;
using k8s::json;
using steps = std::vector<std::string>;

const k8s::time_point t0{std::chrono::seconds{1'800'000'000}};
constexpr const char* pod_name = "fix-bug-x7k2p";

// ---------------------------------------------------------------------------------------
// Inputs

k8s::task make_task() {
  k8s::task t;
  t.meta.name = "fix-bug";
  t.meta.namespace_ = "team-a";
  t.meta.uid = "uid-1";
  t.meta.creation_timestamp = t0 - 1h;
  t.meta.finalizers = {std::string{task_finalizer}};
  t.spec.type = "claude-code";
  t.spec.prompt = "Fix the bug";
  t.spec.credentials = k8s::task_credentials{"api-key", "agent-creds"};
  return t;
}

k8s::owner_reference task_owner(std::string uid = "uid-1") {
  return k8s::owner_reference{std::string{k8s::kelos_api_version}, "Task", "fix-bug", std::move(uid), true, true};
}

k8s::job_view make_job(int64_t active, int64_t succeeded, int64_t failed) {
  k8s::job_view j;
  j.meta.name = "fix-bug";
  j.meta.namespace_ = "team-a";
  j.meta.uid = "job-uid-1";
  j.meta.owner_references = {task_owner()};
  j.active = active;
  j.succeeded = succeeded;
  j.failed = failed;
  return j;
}

k8s::pod_view make_pod() {
  k8s::pod_view p;
  p.meta.name = pod_name;
  p.meta.namespace_ = "team-a";
  return p;
}

k8s::condition job_condition(std::string type, std::string status, std::string reason, std::string message) {
  return k8s::condition{std::move(type), std::move(status), std::move(reason), std::move(message), std::nullopt};
}

const std::string outputs_log = "agent chatter\n"
                                "---KELOS_OUTPUTS_START---\n"
                                "branch: kelos-task-42\n"
                                "pr: https://github.com/acme/app/pull/42\n"
                                "cost-usd: 0.12\n"
                                "note without separator\n"
                                "---KELOS_OUTPUTS_END---\n";
const std::vector<std::string> expected_outputs = {"branch: kelos-task-42", "pr: https://github.com/acme/app/pull/42",
                                                   "cost-usd: 0.12", "note without separator"};
const std::map<std::string, std::string> expected_results = {
  {"branch", "kelos-task-42"}, {"pr", "https://github.com/acme/app/pull/42"}, {"cost-usd", "0.12"}};

/// One reconcile pass: the Task, the objects read from the caches and the answers given.
struct scene {
  k8s::task task = make_task();
  observation obs;
  std::optional<k8s::workspace_spec> workspace;
  std::optional<k8s::agent_config_spec> agent_config;
  reconcile_config cfg;

  scene() { obs.now = t0; }

  scene& with_workspace(k8s::workspace_spec w = {"https://github.com/acme/app.git", "", "", {}, {}}) {
    task.spec.workspace_ref = "ws";
    workspace = std::move(w);
    obs.workspace = ref_state::present;
    if (!workspace->secret_name.empty())
      obs.workspace_secret = ref_state::present;
    return *this;
  }
  scene& with_agent_config(k8s::agent_config_spec a = {"Be careful", {}, {}}) {
    task.spec.agent_config_ref = "cfg";
    agent_config = std::move(a);
    obs.agent_config = ref_state::present;
    return *this;
  }
  scene& without_workspace() {
    task.spec.workspace_ref = "ws";
    obs.workspace = ref_state::missing;
    return *this;
  }
  scene& without_workspace_secret() {
    with_workspace({"https://github.com/acme/app.git", "", "gh-token", {}, {}});
    obs.workspace_secret = ref_state::missing;
    return *this;
  }
  scene& without_agent_config() {
    task.spec.agent_config_ref = "cfg";
    obs.agent_config = ref_state::missing;
    return *this;
  }
  scene& with_credentials() {
    obs.credentials_secret = ref_state::present;
    return *this;
  }
  scene& in_phase(std::string_view phase, std::string message = {}) {
    task.status.phase = std::string{phase};
    task.status.message = std::move(message);
    return *this;
  }
  scene& finished(std::string_view phase, k8s::time_point at) {
    in_phase(phase, phase == k8s::task_phase::succeeded ? "Task completed successfully" : "Task failed");
    task.status.job_name = "fix-bug";
    task.status.completion_time = at;
    return *this;
  }

  decision run() const {
    observation o = obs;
    o.task = &task;
    o.workspace_spec = workspace ? &*workspace : nullptr;
    o.agent_config_spec = agent_config ? &*agent_config : nullptr;
    return decide(o, cfg);
  }
  plan plan_of() const {
    auto d = run();
    EXPECT_TRUE(std::holds_alternative<plan>(d)) << "decide asked a question instead of planning";
    return std::holds_alternative<plan>(d) ? std::get<plan>(d) : plan{};
  }
};

// ---------------------------------------------------------------------------------------
// Reading plans

std::string describe(const action& a) {
  return std::visit(
    [](const auto& s) -> std::string {
      using T = std::decay_t<decltype(s)>;
      if constexpr (std::is_same_v<T, add_finalizer>)
        return "add_finalizer";
      else if constexpr (std::is_same_v<T, remove_finalizer>)
        return "remove_finalizer";
      else if constexpr (std::is_same_v<T, delete_job>)
        return "delete_job";
      else if constexpr (std::is_same_v<T, release_branch>)
        return "release_branch";
      else if constexpr (std::is_same_v<T, create_job>)
        return "create_job";
      else if constexpr (std::is_same_v<T, write_status>)
        return "status " + s.status.phase;
      else if constexpr (std::is_same_v<T, emit_event>)
        return "event " + s.type + " " + s.reason;
      else if constexpr (std::is_same_v<T, count_created>)
        return "count_created";
      else if constexpr (std::is_same_v<T, count_completed>)
        return "count_completed " + s.phase;
      else if constexpr (std::is_same_v<T, count_usage>)
        return "count_usage";
      else if constexpr (std::is_same_v<T, delete_task>)
        return "delete_task";
      else
        return "watch " + s.ref.kind + " " + s.ref.namespace_ + "/" + s.ref.name;
    },
    a);
}

steps steps_of(const plan& p) {
  steps out;
  for (const auto& a : p.actions)
    out.push_back(describe(a));
  return out;
}

/// The single step of type T in `p` (a failure if there is not exactly one).
template <class T>
T only(const plan& p) {
  std::vector<T> found;
  for (const auto& a : p.actions)
    if (const auto* s = std::get_if<T>(&a))
      found.push_back(*s);
  EXPECT_EQ(found.size(), 1u) << "in plan: " << ::testing::PrintToString(steps_of(p));
  return found.empty() ? T{} : found.front();
}

/// The message of the event with `reason` in `p`.
std::string event_message(const plan& p, std::string_view reason) {
  for (const auto& a : p.actions)
    if (const auto* e = std::get_if<emit_event>(&a); e && e->reason == reason)
      return e->message;
  ADD_FAILURE() << "no event " << reason << " in " << ::testing::PrintToString(steps_of(p));
  return {};
}

const json& agent_container(const json& job) {
  return job.at("spec").at("template").at("spec").at("containers").at(0);
}
std::string job_prompt(const plan& p) {
  const json job = only<create_job>(p).job;
  const json& args = agent_container(job).at("args");
  EXPECT_EQ(args.size(), 1u);
  return args.at(0).get<std::string>();
}

bool has_env(const json& container, std::string_view name) {
  for (const auto& e : container.value("env", json::array()))
    if (e.at("name") == name)
      return true;
  return false;
}

const steps create_steps = {"create_job", "status Pending", "event Normal TaskCreated", "count_created"};

/// A table row that only varies the scene.
struct named_setup {
  const char* name;
  std::function<void(scene&)> setup;
};

// ---------------------------------------------------------------------------------------
// Finalizer and deletion

TEST(TaskReconcileTest, MissingFinalizerIsAddedFirstWhateverTheState) {
  const std::vector<named_setup> rows = {
    {"fresh", [](scene&) {}},
    {"with dependencies", [](scene& s) { s.task.spec.depends_on = {"a"}; }},
    {"with a branch", [](scene& s) { s.task.spec.branch = "feature/x"; }},
    {"with a running Job", [](scene& s) { s.obs.job = make_job(1, 0, 0); }},
    {"terminal with TTL due", [](scene& s) {
       s.finished(k8s::task_phase::failed, t0 - 1h);
       s.task.spec.ttl_seconds_after_finished = 0;
     }},
    {"other finalizers only", [](scene& s) { s.task.meta.finalizers = {"example.com/other"}; }},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    scene with;
    r.setup(with);
    auto& fins = with.task.meta.finalizers;
    if (std::find(fins.begin(), fins.end(), "kelos.dev/finalizer") == fins.end())
      fins.emplace_back("kelos.dev/finalizer");
    scene without = with;
    without.task.meta.finalizers.erase(std::remove(without.task.meta.finalizers.begin(),
                                                   without.task.meta.finalizers.end(), "kelos.dev/finalizer"),
                                       without.task.meta.finalizers.end());
    auto expected = with.run();
    auto got = without.run();
    ASSERT_EQ(got.index(), expected.index()) << "the same question, or a plan";
    if (!std::holds_alternative<plan>(got))
      continue; // asked before anything is written; the answer gets the finalizer in front
    steps want = steps_of(std::get<plan>(expected));
    want.insert(want.begin(), "add_finalizer");
    EXPECT_EQ(steps_of(std::get<plan>(got)), want) << "the finalizer first, then the same plan in the same pass";
    EXPECT_EQ(std::get<plan>(got).requeue_after, std::get<plan>(expected).requeue_after);
  }
}

TEST(TaskReconcileTest, ANewTaskGetsItsFinalizerAndJobInOnePass) {
  scene s;
  s.task.meta.finalizers.clear();
  s.with_credentials();
  auto p = s.plan_of();
  steps want = create_steps;
  want.insert(want.begin(), "add_finalizer");
  EXPECT_EQ(steps_of(p), want);
  EXPECT_FALSE(p.requeue_after);

  // A question first (the branch lock): nothing is written before the answer, which then
  // comes with the finalizer in front of the Job.
  scene b;
  b.task.meta.finalizers.clear();
  b.with_credentials();
  b.task.spec.branch = "feature/x";
  b.task.spec.workspace_ref = "ws";
  b.with_workspace();
  EXPECT_TRUE(std::holds_alternative<need_branch>(b.run()));
  b.obs.branch = branch_answer{true, ""};
  EXPECT_EQ(steps_of(b.plan_of()), want);
}

TEST(TaskReconcileTest, DeletingWithFinalizerReleasesBranchDeletesJobAndRemovesFinalizer) {
  // Deletion asks no question and ignores missing references, dependencies and phase.
  const std::vector<named_setup> rows = {
    {"no Job cached but one was created", [](scene& s) { s.task.status.job_name = "fix-bug"; }},
    {"own Job running", [](scene& s) { s.obs.job = make_job(1, 0, 0); }},
    {"dependencies and branch", [](scene& s) {
       s.obs.job = make_job(0, 0, 0);
       s.task.spec.depends_on = {"a"};
       s.task.spec.branch = "feature/x";
     }},
    {"missing workspace", [](scene& s) {
       s.obs.job = make_job(0, 0, 0);
       s.without_workspace();
     }},
    {"terminal", [](scene& s) {
       s.obs.job = make_job(0, 1, 0);
       s.finished(k8s::task_phase::succeeded, t0 - 1min);
     }},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    scene s;
    s.task.meta.deletion_timestamp = t0 - 1s;
    r.setup(s);
    auto p = s.plan_of();
    EXPECT_EQ(steps_of(p), (steps{"release_branch", "delete_job", "remove_finalizer"}));
    EXPECT_FALSE(p.requeue_after);
  }
}

TEST(TaskReconcileTest, DeletingWithoutFinalizerDoesNothing) {
  scene s;
  s.task.meta.deletion_timestamp = t0 - 1s;
  s.task.meta.finalizers = {"example.com/other"};
  s.obs.job = make_job(1, 0, 0);
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), steps{});
  EXPECT_FALSE(p.requeue_after);
}

TEST(TaskReconcileTest, DeletingNeverDeletesAJobControlledBySomeoneElse) {
  scene s;
  s.task.meta.deletion_timestamp = t0 - 1s;
  s.obs.job = make_job(1, 0, 0);
  s.obs.job->meta.owner_references = {k8s::owner_reference{"batch/v1", "CronJob", "nightly", "uid-9", true, true}};
  EXPECT_EQ(steps_of(s.plan_of()), (steps{"release_branch", "remove_finalizer"}));
}

// ---------------------------------------------------------------------------------------
// No Job: dependencies

TEST(TaskReconcileTest, DependsOnAsksForDependenciesFirst) {
  scene s;
  s.task.spec.depends_on = {"a", "b"};
  s.task.spec.branch = "feature/x";
  s.without_workspace(); // references are looked at only after dependencies
  EXPECT_TRUE(std::holds_alternative<need_dependencies>(s.run()));
}

TEST(TaskReconcileTest, NoDependsOnAsksNoDependencyQuestion) {
  scene s;
  EXPECT_EQ(steps_of(s.plan_of()), create_steps);
}

TEST(TaskReconcileTest, WaitingVerdictWritesWaitingWithItsMessage) {
  scene s;
  s.task.spec.depends_on = {"a"};
  s.task.status.pod_name = "kept";
  s.obs.dependencies = dependency_verdict{dependency_verdict::kind::waiting, "Waiting for dependency \"a\"", "a"};
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), steps{"status Waiting"});
  k8s::task_status want = s.task.status;
  want.phase = "Waiting";
  want.message = "Waiting for dependency \"a\"";
  EXPECT_EQ(only<write_status>(p).status, want);
  EXPECT_FALSE(p.requeue_after); // the dependency gate wakes the Task; no polling
}

TEST(TaskReconcileTest, WaitingVerdictAlreadyWrittenWritesNothing) {
  scene s;
  s.task.spec.depends_on = {"a"};
  s.in_phase(k8s::task_phase::waiting, "Waiting for dependency \"a\" to be created");
  s.obs.dependencies =
    dependency_verdict{dependency_verdict::kind::waiting, "Waiting for dependency \"a\" to be created", "a"};
  EXPECT_EQ(steps_of(s.plan_of()), steps{});

  // A new message (the dependency now exists but has not finished) is written.
  s.obs.dependencies = dependency_verdict{dependency_verdict::kind::waiting, "Waiting for dependency \"a\"", "a"};
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), steps{"status Waiting"});
  EXPECT_EQ(only<write_status>(p).status.message, "Waiting for dependency \"a\"");
}

TEST(TaskReconcileTest, FailedVerdictFailsTheTaskWithCompletionTimeEventAndMetric) {
  const std::vector<std::string> messages = {
    "Dependency \"a\" failed",
    "Circular dependency detected: cycle involves \"fix-bug\" (fix-bug -> a -> fix-bug)",
    "Dependency \"a\" was not created within 10m0s",
  };
  for (const auto& m : messages) {
    SCOPED_TRACE(m);
    scene s;
    s.task.spec.depends_on = {"a"};
    s.in_phase(k8s::task_phase::waiting, "Waiting for dependency \"a\"");
    s.obs.dependencies = dependency_verdict{dependency_verdict::kind::failed, m, "a"};
    auto p = s.plan_of();
    EXPECT_EQ(steps_of(p), (steps{"status Failed", "event Warning DependencyFailed", "count_completed Failed"}));
    k8s::task_status want = s.task.status;
    want.phase = "Failed";
    want.message = m;
    want.completion_time = t0;
    EXPECT_EQ(only<write_status>(p).status, want);
    EXPECT_EQ(event_message(p, "DependencyFailed"), m);
    EXPECT_EQ(only<count_completed>(p).duration_seconds, std::nullopt);
    EXPECT_FALSE(p.requeue_after);
  }
}

TEST(TaskReconcileTest, ReadyVerdictRendersThePromptFromDependencyData) {
  scene s;
  s.task.spec.depends_on = {"a"};
  s.task.spec.prompt = R"(Review {{index .Deps "a" "Results" "branch"}} ({{len .Deps.a.Outputs}} outputs))";
  s.obs.dependencies = dependency_verdict{};
  s.obs.dependency_data = json::parse(
    R"({"Deps":{"a":{"Name":"a","Outputs":["branch: feat-1","pr: 7"],"Results":{"branch":"feat-1","pr":"7"}}}})");
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), create_steps);
  EXPECT_EQ(job_prompt(p), "Review feat-1 (2 outputs)");
}

TEST(TaskReconcileTest, ReadyVerdictFallsBackToTheRawPromptWhenTheTemplateFails) {
  const std::vector<std::string> prompts = {
    R"(Use {{index .Deps "unknown" "Results" "branch"}})", // missing key: error
    "Unclosed {{ action",                                   // parse error
    "{{.Deps.a.Nope}}",                                     // missing field
  };
  for (const auto& prompt : prompts) {
    SCOPED_TRACE(prompt);
    scene s;
    s.task.spec.depends_on = {"a"};
    s.task.spec.prompt = prompt;
    s.obs.dependencies = dependency_verdict{};
    s.obs.dependency_data = json::parse(R"({"Deps":{"a":{"Name":"a","Outputs":[],"Results":{}}}})");
    EXPECT_EQ(job_prompt(s.plan_of()), prompt);
  }
}

TEST(TaskReconcileTest, DependencyFailedTaskIsNotCountedAgainOnLaterPasses) {
  // The seed re-ran the dependency check and re-counted on each reconcile (§2.6).
  scene s;
  s.task.spec.depends_on = {"a"};
  s.in_phase(k8s::task_phase::failed, "Dependency \"a\" failed");
  s.task.status.completion_time = t0 - 1min;
  s.obs.dependencies = dependency_verdict{dependency_verdict::kind::failed, "Dependency \"a\" failed", "a"};
  EXPECT_EQ(steps_of(s.plan_of()), steps{"release_branch"});
}

// ---------------------------------------------------------------------------------------
// No Job: references (Workspace, its Secret, AgentConfig, credentials Secret)

struct missing_reference {
  const char* name;
  std::function<void(scene&)> make_missing;
  std::function<void(scene&)> make_present;
  std::string message;
  k8s::object_ref watched;
};

std::vector<missing_reference> missing_references() {
  return {
    {"Workspace", [](scene& s) { s.without_workspace(); }, [](scene& s) { s.with_workspace(); },
     "Waiting for Workspace \"ws\" to be created", k8s::object_ref{"Workspace", "team-a", "ws"}},
    {"Workspace Secret", [](scene& s) { s.without_workspace_secret(); },
     [](scene& s) { s.obs.workspace_secret = ref_state::present; },
     "Waiting for Secret \"gh-token\" (Workspace \"ws\" secretRef) to be created",
     k8s::object_ref{"Secret", "team-a", "gh-token"}},
    {"AgentConfig", [](scene& s) { s.without_agent_config(); }, [](scene& s) { s.with_agent_config(); },
     "Waiting for AgentConfig \"cfg\" to be created", k8s::object_ref{"AgentConfig", "team-a", "cfg"}},
    {"credentials Secret", [](scene& s) { s.obs.credentials_secret = ref_state::missing; },
     [](scene& s) { s.with_credentials(); }, "Waiting for Secret \"agent-creds\" (credentials) to be created",
     k8s::object_ref{"Secret", "team-a", "agent-creds"}},
  };
}

TEST(TaskReconcileTest, MissingReferenceWaitsWithTheReasonAndWatchesTheObject) {
  for (const auto& r : missing_references()) {
    SCOPED_TRACE(r.name);
    scene s;
    r.make_missing(s);
    auto p = s.plan_of();
    std::string watch = "watch " + r.watched.kind + " " + r.watched.namespace_ + "/" + r.watched.name;
    EXPECT_EQ(steps_of(p), (steps{"status Waiting", watch}));
    k8s::task_status want = s.task.status;
    want.phase = "Waiting";
    want.message = r.message;
    EXPECT_EQ(only<write_status>(p).status, want);
    EXPECT_EQ(only<watch_reference>(p).ref, r.watched);
    EXPECT_FALSE(p.requeue_after); // the watch wakes the Task, no 2 s polling
  }
}

TEST(TaskReconcileTest, MissingReferenceAlreadyReportedOnlyRenewsTheWatch) {
  for (const auto& r : missing_references()) {
    SCOPED_TRACE(r.name);
    scene s;
    r.make_missing(s);
    s.in_phase(k8s::task_phase::waiting, r.message);
    EXPECT_EQ(steps_of(s.plan_of()), steps{"watch " + r.watched.kind + " team-a/" + r.watched.name});
  }
}

TEST(TaskReconcileTest, MissingReferenceRecoversWhenTheObjectAppears) {
  for (const auto& r : missing_references()) {
    SCOPED_TRACE(r.name);
    scene s;
    r.make_missing(s);
    s.in_phase(k8s::task_phase::waiting, r.message);
    r.make_present(s);
    auto p = s.plan_of();
    EXPECT_EQ(steps_of(p), create_steps);
    k8s::task_status want;
    want.phase = "Pending";
    want.job_name = "fix-bug";
    EXPECT_EQ(only<write_status>(p).status, want); // the Waiting message is cleared
  }
}

TEST(TaskReconcileTest, MissingReferencesAreReportedInOrder) {
  // Dependencies, then Workspace, its Secret, AgentConfig, credentials: the first wins.
  scene s;
  s.task.spec.depends_on = {"a"};
  s.obs.dependencies = dependency_verdict{dependency_verdict::kind::waiting, "Waiting for dependency \"a\"", "a"};
  s.without_workspace();
  s.without_agent_config();
  s.obs.credentials_secret = ref_state::missing;
  const std::vector<std::pair<std::function<void(scene&)>, std::string>> fixes = {
    {[](scene&) {}, "Waiting for dependency \"a\""},
    {[](scene& x) { x.obs.dependencies = dependency_verdict{}; }, "Waiting for Workspace \"ws\" to be created"},
    {[](scene& x) { x.without_workspace_secret(); },
     "Waiting for Secret \"gh-token\" (Workspace \"ws\" secretRef) to be created"},
    {[](scene& x) { x.obs.workspace_secret = ref_state::present; }, "Waiting for AgentConfig \"cfg\" to be created"},
    {[](scene& x) { x.with_agent_config(); }, "Waiting for Secret \"agent-creds\" (credentials) to be created"},
  };
  for (const auto& [fix, message] : fixes) {
    SCOPED_TRACE(message);
    fix(s);
    EXPECT_EQ(only<write_status>(s.plan_of()).status.message, message);
  }
  s.with_credentials();
  EXPECT_EQ(steps_of(s.plan_of()), create_steps);
}

TEST(TaskReconcileTest, PresentReferencesReachTheJob) {
  scene s;
  s.with_workspace({"https://github.com/acme/app.git", "main", "gh-token", {}, {}});
  s.with_agent_config({"Be careful", {}, {}});
  s.with_credentials();
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), create_steps);
  const json job = only<create_job>(p).job;
  const json& agent = agent_container(job);
  EXPECT_TRUE(has_env(agent, "GITHUB_TOKEN"));
  EXPECT_TRUE(has_env(agent, "KELOS_BASE_BRANCH"));
  EXPECT_TRUE(has_env(agent, "KELOS_AGENTS_MD"));
  EXPECT_EQ(job.at("spec").at("template").at("spec").at("initContainers").at(0).at("name"), "git-clone");
}

// ---------------------------------------------------------------------------------------
// No Job: branch lock

TEST(TaskReconcileTest, BranchAsksForTheLockKeyedByWorkspaceAndBranch) {
  struct row {
    bool workspace;
    branch_key key;
  };
  for (const auto& r : std::vector<row>{{true, {"team-a", "ws", "feature/x"}}, {false, {"team-a", "", "feature/x"}}}) {
    SCOPED_TRACE(r.workspace);
    scene s;
    s.task.spec.branch = "feature/x";
    if (r.workspace)
      s.with_workspace();
    auto d = s.run();
    ASSERT_TRUE(std::holds_alternative<need_branch>(d));
    EXPECT_EQ(std::get<need_branch>(d).key, r.key);
    EXPECT_EQ(branch_key_of(s.task), r.key);
  }
}

TEST(TaskReconcileTest, BranchIsAskedOnlyOnceReferencesArePresent) {
  // No lock is taken (and so none is held) while the Task cannot start anyway.
  scene s;
  s.task.spec.branch = "feature/x";
  s.without_workspace();
  EXPECT_EQ(only<write_status>(s.plan_of()).status.message, "Waiting for Workspace \"ws\" to be created");
}

TEST(TaskReconcileTest, BranchNotGrantedWaitsWithTheLocksMessage) {
  scene s;
  s.task.spec.branch = "feature/x";
  s.with_workspace();
  s.obs.branch = branch_answer{false, "Waiting for branch \"feature/x\" (locked by other-task)"};
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), steps{"status Waiting"});
  EXPECT_EQ(only<write_status>(p).status.phase, "Waiting");
  EXPECT_EQ(only<write_status>(p).status.message, "Waiting for branch \"feature/x\" (locked by other-task)");
  EXPECT_FALSE(p.requeue_after); // the lock wakes the Task on hand-over

  s.in_phase(k8s::task_phase::waiting, "Waiting for branch \"feature/x\" (locked by other-task)");
  EXPECT_EQ(steps_of(s.plan_of()), steps{});
  s.obs.branch = branch_answer{false, "Waiting for branch \"feature/x\" (queued behind older)"};
  EXPECT_EQ(only<write_status>(s.plan_of()).status.message, "Waiting for branch \"feature/x\" (queued behind older)");
}

TEST(TaskReconcileTest, BranchGrantedWithWorkspaceCreatesTheJob) {
  scene s;
  s.task.spec.branch = "feature/x";
  s.with_workspace();
  s.in_phase(k8s::task_phase::waiting, "Waiting for branch \"feature/x\" (locked by other-task)");
  s.obs.branch = branch_answer{true, ""};
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), create_steps);
  EXPECT_EQ(only<write_status>(p).status.message, "");
  EXPECT_TRUE(has_env(agent_container(only<create_job>(p).job), "KELOS_BRANCH"));
}

TEST(TaskReconcileTest, BranchWithoutWorkspaceWarnsWhenTheJobIsCreated) {
  const std::string warning =
    "Branch \"feature/x\" is set but workspaceRef is not configured, branch checkout will be skipped";
  const steps with_warning = {"event Warning BranchWithoutWorkspace", "create_job", "status Pending",
                              "event Normal TaskCreated", "count_created"};
  // First pass, and a Task that first waited for the lock (or a dependency): the warning
  // comes with the plan that creates the Job, so it is emitted once per Job.
  for (std::string phase : {"", "Waiting"}) {
    SCOPED_TRACE(phase);
    scene s;
    s.task.spec.branch = "feature/x";
    s.in_phase(phase, phase.empty() ? "" : "Waiting for branch \"feature/x\" (locked by other-task)");
    s.obs.branch = branch_answer{true, ""};
    auto p = s.plan_of();
    EXPECT_EQ(steps_of(p), with_warning);
    EXPECT_EQ(event_message(p, "BranchWithoutWorkspace"), warning);
  }
  // Later passes have a Job and do not warn again.
  scene s;
  s.task.spec.branch = "feature/x";
  s.in_phase(k8s::task_phase::pending);
  s.task.status.job_name = "fix-bug";
  s.obs.job = make_job(0, 0, 0);
  EXPECT_EQ(steps_of(s.plan_of()), steps{});
}

// ---------------------------------------------------------------------------------------
// No Job: creation

TEST(TaskReconcileTest, CreatePlanCarriesTheJobStatusEventAndMetric) {
  scene s;
  auto p = s.plan_of();
  ASSERT_EQ(steps_of(p), create_steps);
  const json job = only<create_job>(p).job;
  EXPECT_EQ(job.at("kind"), "Job");
  EXPECT_EQ(job.at("metadata").at("name"), "fix-bug");
  EXPECT_EQ(job.at("metadata").at("namespace"), "team-a");
  EXPECT_EQ(job.at("metadata").at("labels").at("kelos.dev/task"), "fix-bug");
  EXPECT_EQ(job.at("metadata").at("ownerReferences"), json::parse(R"([{"apiVersion":"kelos.dev/v1alpha1",
    "kind":"Task","name":"fix-bug","uid":"uid-1","controller":true,"blockOwnerDeletion":true}])"));
  EXPECT_EQ(agent_container(job).at("name"), "claude-code");
  EXPECT_EQ(job_prompt(p), "Fix the bug");

  k8s::task_status want;
  want.phase = "Pending";
  want.job_name = "fix-bug";
  EXPECT_EQ(only<write_status>(p).status, want);
  EXPECT_EQ(event_message(p, "TaskCreated"), "Created Job fix-bug for task");
  EXPECT_FALSE(p.requeue_after); // the Job watch wakes the Task
}

TEST(TaskReconcileTest, JobBuildFailureFailsTheTaskAndReleasesTheBranch) {
  struct row {
    const char* name;
    std::function<void(scene&)> setup;
    std::string message;
  };
  const std::vector<row> rows = {
    {"unknown agent type", [](scene& s) { s.task.spec.type = "nonsense"; },
     "Failed to build Job: unsupported agent type: nonsense"},
    {"branch that git would read as an option",
     [](scene& s) {
       s.task.spec.branch = "-rf";
       s.with_workspace();
       s.obs.branch = branch_answer{true, ""};
     },
     "Failed to build Job: invalid branch \"-rf\": must not start with '-'"},
    {"unsafe workspace file path",
     [](scene& s) {
       s.with_workspace({"https://github.com/acme/app.git", "", "", {}, {{"../escape", "x"}}});
     },
     "Failed to build Job: invalid workspace file path \"../escape\": path escapes repository root"},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    scene s;
    r.setup(s);
    auto p = s.plan_of();
    EXPECT_EQ(steps_of(p),
              (steps{"status Failed", "event Warning JobBuildFailed", "count_completed Failed", "release_branch"}));
    k8s::task_status want = s.task.status;
    want.phase = "Failed";
    want.message = r.message;
    want.completion_time = t0;
    EXPECT_EQ(only<write_status>(p).status, want);
    EXPECT_EQ(event_message(p, "JobBuildFailed"), r.message);
    EXPECT_FALSE(p.requeue_after); // terminal: no retry loop
  }
}

TEST(TaskReconcileTest, DeletingATaskThatNeverCreatedAJobDeletesNoJob) {
  // A Job of that name that the cache does not show is not ours to delete (ownerReference
  // garbage collection removes ours if a lost status write hid it).
  scene s;
  s.task.meta.deletion_timestamp = t0 - 1s;
  EXPECT_EQ(steps_of(s.plan_of()), (steps{"release_branch", "remove_finalizer"}));
}

TEST(TaskReconcileTest, DeletingGuardsTheJobDeleteWithItsUid) {
  scene s;
  s.task.meta.deletion_timestamp = t0 - 1s;
  s.obs.job = make_job(1, 0, 0);
  auto p = s.plan_of();
  ASSERT_EQ(p.actions.size(), 3u);
  const auto* del = std::get_if<delete_job>(&p.actions[1]);
  ASSERT_NE(del, nullptr);
  EXPECT_EQ(del->uid, s.obs.job->meta.uid);
}

TEST(TaskReconcileTest, JobBuildFailureHonoursTheTTL) {
  scene s;
  s.task.spec.type = "nonsense";
  s.task.spec.ttl_seconds_after_finished = 0;
  EXPECT_EQ(steps_of(s.plan_of()), (steps{"status Failed", "event Warning JobBuildFailed", "count_completed Failed",
                                          "release_branch", "event Normal TaskExpired", "delete_task"}));
  s.task.spec.ttl_seconds_after_finished = 300;
  auto p = s.plan_of();
  EXPECT_EQ(p.requeue_after, std::chrono::milliseconds{300'001});
}

// ---------------------------------------------------------------------------------------
// With a Job: ownership, Pending, Running

TEST(TaskReconcileTest, JobNotControlledByTheTaskFailsItWithJobConflict) {
  struct row {
    const char* name;
    std::vector<k8s::owner_reference> owners;
  };
  const std::vector<row> rows = {
    {"no owner", {}},
    {"another Task (other uid)", {task_owner("uid-2")}},
    {"another kind", {k8s::owner_reference{"batch/v1", "CronJob", "fix-bug", "uid-1", true, true}}},
    {"owner but not controller",
     {k8s::owner_reference{std::string{k8s::kelos_api_version}, "Task", "fix-bug", "uid-1", false, false}}},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    scene s;
    s.in_phase(k8s::task_phase::waiting, "Waiting for branch \"b\" (locked by x)");
    s.obs.job = make_job(1, 0, 0);
    s.obs.job->meta.owner_references = r.owners;
    auto p = s.plan_of();
    // The lock, if this Task was granted it just before its create hit AlreadyExists, is released.
    EXPECT_EQ(steps_of(p),
              (steps{"status Failed", "event Warning JobConflict", "count_completed Failed", "release_branch"}));
    k8s::task_status want = s.task.status;
    want.phase = "Failed";
    want.message = "Job \"fix-bug\" exists but is not controlled by this Task";
    want.completion_time = t0;
    EXPECT_EQ(only<write_status>(p).status, want);
    EXPECT_EQ(event_message(p, "JobConflict"), "Job fix-bug exists but is not controlled by this Task");
  }
}

TEST(TaskReconcileTest, JobConflictIsReportedOnce) {
  // The status write triggers another reconcile; a Failed Task is not failed again
  // (no new completionTime, event or count on every pass).
  scene s;
  s.finished(k8s::task_phase::failed, t0 - 5s);
  s.task.status.message = "Job \"fix-bug\" exists but is not controlled by this Task";
  s.obs.job = make_job(1, 0, 0);
  s.obs.job->meta.owner_references.clear();
  s.obs.pod = make_pod(); // someone else's pod: never read
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), steps{});
  EXPECT_FALSE(p.requeue_after);

  s.task.spec.ttl_seconds_after_finished = 5;
  EXPECT_EQ(steps_of(s.plan_of()), (steps{"event Normal TaskExpired", "delete_task"}));
}

TEST(TaskReconcileTest, TaskWithoutUidAcceptsAnyTaskControllerOwner) {
  scene s;
  s.task.meta.uid.clear();
  s.in_phase(k8s::task_phase::pending);
  s.task.status.job_name = "fix-bug";
  s.obs.job = make_job(0, 0, 0);
  s.obs.job->meta.owner_references = {task_owner("whatever")};
  EXPECT_EQ(steps_of(s.plan_of()), steps{});
}

TEST(TaskReconcileTest, ActiveJobMovesTheTaskToRunning) {
  scene s;
  s.in_phase(k8s::task_phase::pending);
  s.task.status.job_name = "fix-bug";
  s.task.status.message = "left over";
  s.obs.job = make_job(1, 0, 0);
  s.obs.pod = make_pod();
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), (steps{"status Running", "event Normal TaskRunning"}));
  k8s::task_status want;
  want.phase = "Running";
  want.job_name = "fix-bug";
  want.pod_name = pod_name;
  want.start_time = t0;
  EXPECT_EQ(only<write_status>(p).status, want);
  EXPECT_EQ(event_message(p, "TaskRunning"), "Task started running");
  EXPECT_FALSE(p.requeue_after);
}

TEST(TaskReconcileTest, AlreadyRunningWritesOnlyNewlyDiscoveredFields) {
  scene s;
  s.in_phase(k8s::task_phase::running);
  s.task.status.job_name = "fix-bug";
  s.task.status.start_time = t0 - 1min;
  s.obs.job = make_job(1, 0, 0);
  EXPECT_EQ(steps_of(s.plan_of()), steps{}); // no second write, no second event

  s.obs.pod = make_pod();
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), steps{"status Running"}); // the pod name, no event
  k8s::task_status want = s.task.status;
  want.pod_name = pod_name;
  EXPECT_EQ(only<write_status>(p).status, want);

  s.task.status.pod_name = pod_name;
  EXPECT_EQ(steps_of(s.plan_of()), steps{});
}

TEST(TaskReconcileTest, JobNotStartedYetKeepsTheTaskPending) {
  scene s;
  s.in_phase(k8s::task_phase::pending);
  s.task.status.job_name = "fix-bug";
  s.obs.job = make_job(0, 0, 0);
  EXPECT_EQ(steps_of(s.plan_of()), steps{});
}

TEST(TaskReconcileTest, JobWhoseCreationWasNotRecordedIsRecordedAsPending) {
  // Job created, then the status write lost a conflict: the next pass sees the Job with the
  // old status (empty or Waiting) and records what the lost write would have.
  for (std::string phase : {"", "Waiting"}) {
    SCOPED_TRACE(phase);
    scene s;
    s.in_phase(phase, phase.empty() ? "" : "Waiting for Workspace \"ws\" to be created");
    s.obs.job = make_job(0, 0, 0);
    auto p = s.plan_of();
    EXPECT_EQ(steps_of(p), (steps{"status Pending", "event Normal TaskCreated", "count_created"}));
    k8s::task_status want;
    want.phase = "Pending";
    want.job_name = "fix-bug";
    EXPECT_EQ(only<write_status>(p).status, want);
    EXPECT_EQ(event_message(p, "TaskCreated"), "Created Job fix-bug for task");
  }
}

// ---------------------------------------------------------------------------------------
// With a Job: terminal transitions

TEST(TaskReconcileTest, FinishedJobWithKnownPodAsksForTheLog) {
  struct row {
    std::string type;
    int64_t tail;
    k8s::job_view job;
  };
  const std::vector<row> rows = {{"claude-code", 20000, make_job(0, 1, 0)}, {"codex", 50, make_job(0, 0, 1)}};
  for (const auto& r : rows) {
    SCOPED_TRACE(r.type);
    scene s;
    s.in_phase(k8s::task_phase::running);
    s.task.spec.type = r.type;
    s.cfg.output_log_tail_lines = r.tail;
    s.obs.job = r.job;
    s.obs.pod = make_pod();
    auto d = s.run();
    ASSERT_TRUE(std::holds_alternative<need_log>(d));
    const auto& q = std::get<need_log>(d);
    EXPECT_EQ(q.pod, pod_name);
    EXPECT_EQ(q.container, r.type);
    EXPECT_EQ(q.tail_lines, r.tail);
  }
}

TEST(TaskReconcileTest, SucceededJobCapturesOutputsAndCountsEverything) {
  scene s;
  s.in_phase(k8s::task_phase::running);
  s.task.status.job_name = "fix-bug";
  s.task.status.start_time = t0 - 5min;
  s.obs.job = make_job(0, 1, 0);
  s.obs.pod = make_pod();
  s.obs.log = outputs_log;
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), (steps{"status Succeeded", "event Normal TaskSucceeded", "count_completed Succeeded",
                                "release_branch", "event Normal OutputsCaptured", "count_usage"}));
  k8s::task_status want;
  want.phase = "Succeeded";
  want.message = "Task completed successfully";
  want.job_name = "fix-bug";
  want.pod_name = pod_name;
  want.start_time = t0 - 5min;
  want.completion_time = t0;
  want.outputs = expected_outputs;
  want.results = expected_results;
  EXPECT_EQ(only<write_status>(p).status, want);
  EXPECT_EQ(event_message(p, "TaskSucceeded"), "Task completed successfully");
  EXPECT_EQ(event_message(p, "OutputsCaptured"), "Captured 4 outputs and 3 results from agent");
  auto done = only<count_completed>(p);
  EXPECT_EQ(done.phase, "Succeeded");
  EXPECT_EQ(done.duration_seconds, std::optional<double>{300.0});
  EXPECT_EQ(only<count_usage>(p).results, expected_results);
  EXPECT_FALSE(p.requeue_after);
}

TEST(TaskReconcileTest, JobCountersAndConditionsDecideTheTerminalPhase) {
  struct row {
    const char* name;
    k8s::job_view job;
    std::string phase;
    std::string message;
  };
  auto with = [](k8s::job_view j, k8s::condition c) {
    j.conditions.push_back(std::move(c));
    return j;
  };
  const std::vector<row> rows = {
    {"succeeded counter", make_job(0, 1, 0), "Succeeded", "Task completed successfully"},
    {"Complete condition only", with(make_job(0, 0, 0), job_condition("Complete", "True", "", "")), "Succeeded",
     "Task completed successfully"},
    {"failed counter", make_job(0, 0, 1), "Failed", "Task failed"},
    {"deadline exceeded",
     with(make_job(0, 0, 1),
          job_condition("Failed", "True", "DeadlineExceeded", "Job was active longer than specified deadline")),
     "Failed", "Task failed: DeadlineExceeded: Job was active longer than specified deadline"},
    {"Failed condition only, no message",
     with(make_job(0, 0, 0), job_condition("Failed", "True", "BackoffLimitExceeded", "")), "Failed",
     "Task failed: BackoffLimitExceeded"},
    {"FailureTarget before Failed (Kubernetes 1.31+)",
     with(make_job(0, 0, 1),
          job_condition("FailureTarget", "True", "DeadlineExceeded", "Job was active longer than specified deadline")),
     "Failed", "Task failed: DeadlineExceeded: Job was active longer than specified deadline"},
    {"Failed condition not true", with(make_job(0, 0, 1), job_condition("Failed", "False", "DeadlineExceeded", "x")),
     "Failed", "Task failed"},
    {"terminal wins over active", make_job(1, 0, 1), "Failed", "Task failed"},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    scene s;
    s.in_phase(k8s::task_phase::running);
    s.task.status.job_name = "fix-bug";
    s.obs.job = r.job; // no pod known: no log question
    auto p = s.plan_of();
    bool ok = r.phase == "Succeeded";
    EXPECT_EQ(steps_of(p), (steps{"status " + r.phase, ok ? "event Normal TaskSucceeded" : "event Warning TaskFailed",
                                  "count_completed " + r.phase, "release_branch"}));
    auto status = only<write_status>(p).status;
    EXPECT_EQ(status.message, r.message);
    EXPECT_EQ(status.completion_time, t0);
    EXPECT_EQ(event_message(p, ok ? "TaskSucceeded" : "TaskFailed"), r.message);
    EXPECT_FALSE(p.requeue_after);
  }
}

TEST(TaskReconcileTest, TerminalWithoutPodAsksNoLogAndCapturesNothing) {
  scene s;
  s.in_phase(k8s::task_phase::running);
  s.task.status.job_name = "fix-bug";
  s.obs.job = make_job(0, 0, 1);
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), (steps{"status Failed", "event Warning TaskFailed", "count_completed Failed",
                                "release_branch"}));
  EXPECT_TRUE(only<write_status>(p).status.outputs.empty());
  EXPECT_FALSE(p.requeue_after);
}

TEST(TaskReconcileTest, LogWithoutOutputsRequeuesAfterTheRetryInterval) {
  for (std::string log : {"", "no markers at all\n", "---KELOS_OUTPUTS_START---\nbranch: x\n"}) {
    SCOPED_TRACE(log);
    scene s;
    s.in_phase(k8s::task_phase::running);
    s.task.status.job_name = "fix-bug";
    s.task.spec.ttl_seconds_after_finished = 0; // TTL waits for the output retries
    s.obs.job = make_job(0, 1, 0);
    s.obs.pod = make_pod();
    s.obs.log = log;
    auto p = s.plan_of();
    EXPECT_EQ(steps_of(p), (steps{"status Succeeded", "event Normal TaskSucceeded", "count_completed Succeeded",
                                  "release_branch"}));
    EXPECT_EQ(p.requeue_after, std::chrono::milliseconds{5000});
    EXPECT_TRUE(only<write_status>(p).status.outputs.empty());
  }
}

TEST(TaskReconcileTest, OutputsWithoutResultsAreCapturedWithoutUsage) {
  scene s;
  s.in_phase(k8s::task_phase::running);
  s.obs.job = make_job(0, 1, 0);
  s.obs.pod = make_pod();
  s.obs.log = "---KELOS_OUTPUTS_START---\njust a line\nanother:one\n---KELOS_OUTPUTS_END---\n";
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), (steps{"status Succeeded", "event Normal TaskSucceeded", "count_completed Succeeded",
                                "release_branch", "event Normal OutputsCaptured"}));
  EXPECT_EQ(event_message(p, "OutputsCaptured"), "Captured 2 outputs and 0 results from agent");
  EXPECT_EQ(only<write_status>(p).status.outputs, (std::vector<std::string>{"just a line", "another:one"}));
}

TEST(TaskReconcileTest, DurationUsesTheJobStartWhenRunningWasNeverSeen) {
  struct row {
    const char* name;
    std::optional<k8s::time_point> task_start;
    std::optional<k8s::time_point> job_start;
    std::optional<k8s::time_point> want_start;
    std::optional<double> duration;
  };
  const std::vector<row> rows = {
    {"Running was seen", t0 - 2min, t0 - 3min, t0 - 2min, 120.0},
    {"only the Job knows", std::nullopt, t0 - 90s, t0 - 90s, 90.0},
    {"nobody knows", std::nullopt, std::nullopt, std::nullopt, std::nullopt},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    scene s;
    s.in_phase(k8s::task_phase::pending);
    s.task.status.start_time = r.task_start;
    s.obs.job = make_job(0, 1, 0);
    s.obs.job->start_time = r.job_start;
    auto p = s.plan_of();
    EXPECT_EQ(only<write_status>(p).status.start_time, r.want_start);
    EXPECT_EQ(only<count_completed>(p).duration_seconds, r.duration);
  }
}

// ---------------------------------------------------------------------------------------
// Terminal Tasks: late output capture, stickiness

TEST(TaskReconcileTest, LateCaptureRetriesOnlyInsideTheWindow) {
  struct row {
    const char* name;
    std::chrono::seconds since_completion;
    bool asks;
    std::optional<std::chrono::milliseconds> requeue; // after an empty log
  };
  const std::vector<row> rows = {
    {"just finished", 0s, true, 5000ms},
    {"inside", 10s, true, 5000ms},
    {"near the end: requeue at the end", 28s, true, 2001ms},
    {"window end", 30s, false, std::nullopt},
    {"outside", 31s, false, std::nullopt},
  };
  for (std::string phase : {"Succeeded", "Failed"}) {
    for (const auto& r : rows) {
      SCOPED_TRACE(phase + " " + r.name);
      scene s;
      s.finished(phase, t0 - r.since_completion);
      s.obs.job = make_job(0, phase == "Succeeded" ? 1 : 0, phase == "Failed" ? 1 : 0);
      s.obs.pod = make_pod();
      auto d = s.run();
      EXPECT_EQ(std::holds_alternative<need_log>(d), r.asks);
      s.obs.log = "no outputs\n";
      auto p = s.plan_of();
      EXPECT_EQ(steps_of(p), steps{});
      EXPECT_EQ(p.requeue_after, r.requeue);
    }
  }
}

TEST(TaskReconcileTest, LateCaptureWritesOutputsWithoutTouchingThePhase) {
  scene s;
  s.finished(k8s::task_phase::succeeded, t0 - 10s);
  s.task.status.start_time = t0 - 1min;
  s.obs.job = make_job(0, 1, 0);
  s.obs.pod = make_pod();
  s.obs.log = outputs_log;
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), (steps{"status Succeeded", "event Normal OutputsCaptured", "count_usage"}));
  k8s::task_status want = s.task.status;
  want.outputs = expected_outputs;
  want.results = expected_results;
  EXPECT_EQ(only<write_status>(p).status, want);
  EXPECT_EQ(event_message(p, "OutputsCaptured"), "Captured 4 outputs and 3 results from agent");
  EXPECT_FALSE(p.requeue_after);
}

TEST(TaskReconcileTest, LateCaptureNeedsAPodAndEmptyOutputs) {
  scene s;
  s.finished(k8s::task_phase::succeeded, t0 - 10s);
  s.obs.job = make_job(0, 1, 0);
  EXPECT_EQ(steps_of(s.plan_of()), steps{}); // no pod known

  s.obs.pod = make_pod();
  s.task.status.results = {{"branch", "x"}};
  EXPECT_EQ(steps_of(s.plan_of()), steps{}); // already captured
  s.task.status.results.clear();
  s.task.status.outputs = {"free text"};
  EXPECT_EQ(steps_of(s.plan_of()), steps{});
}

TEST(TaskReconcileTest, TerminalPhasesAreNeverRegressed) {
  struct row {
    const char* name;
    std::string phase;
    std::function<void(scene&)> setup;
    steps want;
  };
  auto everything_ready = [](scene& s) {
    s.task.spec.depends_on = {"a"};
    s.obs.dependencies = dependency_verdict{};
    s.task.spec.branch = "feature/x";
    s.obs.branch = branch_answer{true, ""};
    s.with_workspace({"https://github.com/acme/app.git", "", "gh-token", {}, {}});
    s.with_agent_config();
    s.with_credentials();
  };
  const std::vector<row> rows = {
    {"Failed without Job, references reappear", "Failed", everything_ready, {"release_branch"}},
    {"Succeeded without Job (Job deleted)", "Succeeded", everything_ready, {"release_branch"}},
    {"Failed without Job, dependencies unanswered", "Failed",
     [](scene& s) { s.task.spec.depends_on = {"a"}; }, {"release_branch"}},
    {"Failed, Job active again", "Failed", [](scene& s) { s.obs.job = make_job(1, 0, 0); }, {}},
    {"Succeeded, Job reports failure", "Succeeded", [](scene& s) { s.obs.job = make_job(0, 0, 1); }, {}},
    {"Failed, Job reports success", "Failed", [](scene& s) { s.obs.job = make_job(0, 1, 0); }, {}},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    scene s;
    s.finished(r.phase, t0 - 1h);
    r.setup(s);
    auto p = s.plan_of();
    EXPECT_EQ(steps_of(p), r.want);
    EXPECT_FALSE(p.requeue_after);
  }
}

// ---------------------------------------------------------------------------------------
// TTL

TEST(TaskReconcileTest, TTLDeletesEveryTerminalTaskWhenDue) {
  struct row {
    const char* name;
    bool with_job; // Succeeded with a Job and outputs, or Failed without a Job
    std::optional<int32_t> ttl;
    std::chrono::seconds since_completion;
    steps want;
    std::optional<std::chrono::milliseconds> requeue;
  };
  const steps expire = {"event Normal TaskExpired", "delete_task"};
  const steps release_expire = {"release_branch", "event Normal TaskExpired", "delete_task"};
  const std::vector<row> rows = {
    {"after Succeeded: pending", true, 60, 10s, {}, 50'001ms},
    {"after Succeeded: due", true, 60, 60s, expire, std::nullopt},
    {"after Succeeded: long overdue", true, 60, 24h, expire, std::nullopt},
    {"after Succeeded: TTL 0", true, 0, 0s, expire, std::nullopt},
    {"after Succeeded: no TTL", true, std::nullopt, 24h, {}, std::nullopt},
    {"Failed without Job: pending", false, 60, 59s, {"release_branch"}, 1'001ms},
    {"Failed without Job: due", false, 60, 61s, release_expire, std::nullopt},
    {"Failed without Job: TTL 0", false, 0, 0s, release_expire, std::nullopt},
    {"Failed without Job: no TTL", false, std::nullopt, 24h, {"release_branch"}, std::nullopt},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.name);
    scene s;
    s.finished(r.with_job ? k8s::task_phase::succeeded : k8s::task_phase::failed, t0 - r.since_completion);
    s.task.spec.ttl_seconds_after_finished = r.ttl;
    if (r.with_job) {
      s.obs.job = make_job(0, 1, 0);
      s.task.status.outputs = {"done"};
    }
    auto p = s.plan_of();
    EXPECT_EQ(steps_of(p), r.want);
    EXPECT_EQ(p.requeue_after, r.requeue);
    if (!r.want.empty() && r.want.back() == "delete_task") {
      EXPECT_EQ(event_message(p, "TaskExpired"), "Deleting Task due to TTL expiration");
    }
  }
}

TEST(TaskReconcileTest, TTLOnTheTerminalTransition) {
  scene s;
  s.in_phase(k8s::task_phase::running);
  s.task.spec.ttl_seconds_after_finished = 0;
  s.obs.job = make_job(0, 1, 0); // no pod: nothing to wait for
  EXPECT_EQ(steps_of(s.plan_of()), (steps{"status Succeeded", "event Normal TaskSucceeded", "count_completed Succeeded",
                                          "release_branch", "event Normal TaskExpired", "delete_task"}));

  s.task.spec.ttl_seconds_after_finished = 3600;
  s.obs.pod = make_pod();
  s.obs.log = outputs_log;
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p).back(), "count_usage");
  EXPECT_EQ(p.requeue_after, std::chrono::milliseconds{3'600'001});
}

TEST(TaskReconcileTest, TTLAndOutputRetryTakeTheEarlierRequeue) {
  scene s;
  s.finished(k8s::task_phase::succeeded, t0 - 10s);
  s.obs.job = make_job(0, 1, 0);
  s.obs.pod = make_pod();
  s.obs.log = "";
  s.task.spec.ttl_seconds_after_finished = 12;
  EXPECT_EQ(s.plan_of().requeue_after, std::chrono::milliseconds{2'001});
  s.task.spec.ttl_seconds_after_finished = 3600;
  EXPECT_EQ(s.plan_of().requeue_after, std::chrono::milliseconds{5'000});
}

TEST(TaskReconcileTest, DependencyFailureThenTTL) {
  // The failing pass writes the status; the next pass (terminal, no Job) applies the TTL,
  // which the seed never did for Tasks that failed without a Job (§11 item 5).
  scene s;
  s.task.spec.depends_on = {"a"};
  s.task.spec.ttl_seconds_after_finished = 0;
  s.obs.dependencies = dependency_verdict{dependency_verdict::kind::failed, "Dependency \"a\" failed", "a"};
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), (steps{"status Failed", "event Warning DependencyFailed", "count_completed Failed"}));
  s.task.status = only<write_status>(p).status;
  EXPECT_EQ(steps_of(s.plan_of()), (steps{"release_branch", "event Normal TaskExpired", "delete_task"}));
}

// ---------------------------------------------------------------------------------------
// Hostile input

TEST(TaskReconcileTest, PromptWithoutDependsOnIsPassedVerbatim) {
  const std::vector<std::string> prompts = {
    R"(Fix {{index .Deps "a" "Results" "branch"}} and {{.Missing}})",
    "{{ unterminated",
    "{{define \"x\"}}{{template \"x\"}}{{end}}{{template \"x\"}}",
    "$(rm -rf /); `id`; 'quoted' \"double\" \\ \n second line",
  };
  for (const auto& prompt : prompts) {
    SCOPED_TRACE(prompt);
    scene s;
    s.task.spec.prompt = prompt;
    EXPECT_EQ(job_prompt(s.plan_of()), prompt);
  }
}

TEST(TaskReconcileTest, PromptWithANulCharacterFailsTheTaskOnceWithAClearMessage) {
  scene s;
  s.task.spec.prompt = std::string("nul\0byte", 8);
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), (steps{"status Failed", "event Warning JobBuildFailed", "count_completed Failed",
                                "release_branch"}));
  EXPECT_NE(event_message(p, "JobBuildFailed").find("the prompt contains a NUL character at byte 3"),
            std::string::npos);
}

TEST(TaskReconcileTest, HugePromptsArePassedVerbatim) {
  std::string huge;
  for (int i = 0; i < 20'000; ++i)
    huge += "line " + std::to_string(i) + " {{ not a template }}\n";
  scene s;
  s.task.spec.prompt = huge;
  EXPECT_EQ(job_prompt(s.plan_of()), huge);

  // With dependencies the template engine sees it, fails to parse it and falls back to raw.
  s.task.spec.depends_on = {"a"};
  s.obs.dependencies = dependency_verdict{};
  s.obs.dependency_data = json::parse(R"({"Deps":{"a":{"Name":"a","Outputs":[],"Results":{}}}})");
  EXPECT_EQ(job_prompt(s.plan_of()), huge);

  // A plain huge prompt renders to itself.
  std::string plain(1 << 20, 'x');
  s.task.spec.prompt = plain;
  EXPECT_EQ(job_prompt(s.plan_of()), plain);
}

TEST(TaskReconcileTest, TemplateThatExplodesFallsBackToTheRawPrompt) {
  // Output-size and step limits of the engine turn into the raw prompt, not a huge Job.
  scene s;
  s.task.spec.depends_on = {"a"};
  s.obs.dependencies = dependency_verdict{};
  json outputs = json::array();
  for (int i = 0; i < 1000; ++i)
    outputs.push_back(std::string(1000, 'o'));
  s.obs.dependency_data = json{{"Deps", {{"a", {{"Name", "a"}, {"Outputs", outputs}, {"Results", json::object()}}}}}};
  s.task.spec.prompt =
    "{{range .Deps.a.Outputs}}{{range $.Deps.a.Outputs}}{{range $.Deps.a.Outputs}}{{.}}{{end}}{{end}}{{end}}";
  EXPECT_EQ(job_prompt(s.plan_of()), s.task.spec.prompt);
}

} // namespace

// ---------------------------------------------------------------------------------------
// GitHub App credentials in the Workspace Secret

namespace {

scene app_scene() {
  scene s;
  s.with_credentials().with_workspace({"https://ghe.example.com/acme/app.git", "", "github-app", {}, {}});
  s.obs.workspace_secret_is_github_app = true;
  return s;
}

} // namespace

TEST(TaskReconcileTest, GithubAppSecretAsksForATokenNamingTheRepositoryHost) {
  auto s = app_scene();
  auto d = s.run();
  ASSERT_TRUE(std::holds_alternative<need_github_token>(d));
  const auto& q = std::get<need_github_token>(d);
  EXPECT_EQ(q.secret, "github-app");
  EXPECT_EQ(q.repo_host, "ghe.example.com");
}

TEST(TaskReconcileTest, GithubAppTokenSecretReplacesTheAppSecretInTheJob) {
  auto s = app_scene();
  s.obs.github_token = github_token_answer{"fix-bug-github-token", {}, false};
  auto p = s.plan_of();
  ASSERT_EQ(steps_of(p).front(), "create_job");
  const auto& job = std::get<create_job>(p.actions.front()).job;
  auto dump = job.dump();
  EXPECT_NE(dump.find("fix-bug-github-token"), std::string::npos);
  EXPECT_EQ(dump.find("\"github-app\""), std::string::npos) << "the App Secret must not reach the pod";
}

TEST(TaskReconcileTest, RejectedGithubAppCredentialsFailTheTaskAndReleaseTheBranch) {
  auto s = app_scene();
  s.obs.github_token = github_token_answer{{}, "GitHub returned HTTP 401", false};
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), (steps{"status Failed", "event Warning GitHubTokenFailed", "count_completed Failed",
                                "release_branch"}));
  EXPECT_EQ(std::get<write_status>(p.actions[0]).status.message,
            "Failed to resolve GitHub token: GitHub returned HTTP 401");
}

TEST(TaskReconcileTest, UnreachableGithubKeepsTheTaskWaitingAndRetries) {
  auto s = app_scene();
  s.obs.github_token = github_token_answer{{}, "connection refused", true};
  auto p = s.plan_of();
  EXPECT_EQ(steps_of(p), (steps{"status Waiting"}));
  EXPECT_EQ(std::get<write_status>(p.actions[0]).status.message,
            "Failed to resolve GitHub token: connection refused (retrying)");
  EXPECT_EQ(p.requeue_after, std::chrono::milliseconds{30'000});
}
