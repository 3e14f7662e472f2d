// Actor tests of the Task controller under CAF's deterministic scheduler, against the
// scripted fake KUBE actor: the BRANCH lock and the DEPENDENCY gate alone (with a recording
// actor standing in for the supervisor), then the TASK SUPERVISOR with its TASK actors.
// The test plays the watch side (caches, sync) and a fixed clock; no sleeps, timers move
// only with advance().

#include "actors/task/task_supervisor.hpp"
#include "tests/support/deterministic_fixture.hpp"
#include "tests/support/fake_kube.hpp"

#include <caf/event_based_actor.hpp>

#include <algorithm>
#include <chrono>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

using namespace kelos;
using namespace std::chrono_literals;
using k8s::json;
using task::task_id;
using strings = std::vector<std::string>;

namespace {

const k8s::time_point t0{std::chrono::seconds{1'767'225'600}}; // 2026-01-01T00:00:00Z
constexpr const char* ns = "default";
const std::string tasks_path = "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/";
const std::string jobs_path = "/apis/batch/v1/namespaces/default/jobs";
const std::string events_path = "/api/v1/namespaces/default/events";

/// A Task object as the API server would store it; fluent, like the pure tests' scenes.
struct task_object {
  json obj;

  explicit task_object(const std::string& name) {
    obj = {{"apiVersion", "kelos.dev/v1alpha1"},
           {"kind", "Task"},
           {"metadata",
            {{"name", name},
             {"namespace", ns},
             {"uid", "uid-" + name},
             {"resourceVersion", "1"},
             {"creationTimestamp", k8s::format_time(t0)}}},
           {"spec",
            {{"type", "claude-code"},
             {"prompt", "Fix the bug"},
             {"credentials", {{"type", "api-key"}, {"secretRef", {{"name", "creds"}}}}}}}};
  }
  task_object& created(std::chrono::seconds after_t0) {
    obj["metadata"]["creationTimestamp"] = k8s::format_time(t0 + after_t0);
    return *this;
  }
  task_object& version(int rv) {
    obj["metadata"]["resourceVersion"] = std::to_string(rv);
    return *this;
  }
  task_object& finalized() {
    obj["metadata"]["finalizers"] = json::array({"kelos.dev/finalizer"});
    return *this;
  }
  task_object& deleting() {
    obj["metadata"]["deletionTimestamp"] = k8s::format_time(t0);
    return *this;
  }
  task_object& on_branch(const std::string& branch, const std::string& workspace = "ws") {
    obj["spec"]["branch"] = branch;
    obj["spec"]["workspaceRef"] = {{"name", workspace}};
    return *this;
  }
  task_object& in_workspace(const std::string& workspace) {
    obj["spec"]["workspaceRef"] = {{"name", workspace}};
    return *this;
  }
  task_object& depends_on(strings names) {
    obj["spec"]["dependsOn"] = names;
    return *this;
  }
  task_object& in_phase(const std::string& phase, const std::string& message = {}) {
    obj["status"]["phase"] = phase;
    if (!message.empty())
      obj["status"]["message"] = message;
    return *this;
  }
  task_object& with_job(const std::string& job) {
    obj["status"]["jobName"] = job;
    return *this;
  }
  operator json() const { return obj; }
};

json secret(const std::string& name) {
  return {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", name}, {"namespace", ns}}}};
}

json workspace(const std::string& name) {
  return {{"apiVersion", "kelos.dev/v1alpha1"},
          {"kind", "Workspace"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"uid", "uid-ws"}, {"resourceVersion", "1"}}},
          {"spec", {{"repo", "https://github.com/acme/app.git"}}}};
}

/// The Job the API server returns for a create: controlled by Task `name`.
json job(const std::string& name, int active = 0) {
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata",
           {{"name", name},
            {"namespace", ns},
            {"uid", "uid-job-" + name},
            {"resourceVersion", "10"},
            {"labels", {{"kelos.dev/task", name}}},
            {"ownerReferences",
             json::array({{{"apiVersion", "kelos.dev/v1alpha1"},
                           {"kind", "Task"},
                           {"name", name},
                           {"uid", "uid-" + name},
                           {"controller", true},
                           {"blockOwnerDeletion", true}}})}}},
          {"status", {{"active", active}}}};
}

json body_of(const k8s::http_request& req) { return req.body.empty() ? json{} : json::parse(req.body); }

/// "METHOD path" of every recorded call, for order assertions with readable failures.
strings call_lines(const test::fake_kube_script& s) {
  strings out;
  for (const auto& c : s.calls)
    out.push_back(c.method + " " + c.path);
  return out;
}

using child_factory = caf::actor (*)(caf::local_actor*, kube_actor, caf::actor,
                                     std::shared_ptr<const task::controller_context>);

/// Stands in for the TASK SUPERVISOR: spawns the gate or lock as its child (so the child
/// sends its wakes here) and records the name of every Task it is asked to wake.
caf::behavior supervisor_stand_in(caf::event_based_actor* self, std::shared_ptr<strings> wakes, child_factory make,
                                  kube_actor kube, std::shared_ptr<const task::controller_context> ctx,
                                  std::shared_ptr<caf::actor> child) {
  *child = make(self, std::move(kube), caf::actor_cast<caf::actor>(self), std::move(ctx));
  return {
    [wakes](atom::wake, const task_id& id) { wakes->push_back(id.name); },
  };
}

struct lock_answer {
  bool granted = false;
  std::string message;
  friend bool operator==(const lock_answer&, const lock_answer&) = default;
};

struct gate_answer {
  task::dependency_verdict::kind what = task::dependency_verdict::kind::ready;
  std::string message;
  std::string dependency;
  json data;
};

std::ostream& operator<<(std::ostream& os, const lock_answer& a) {
  return os << (a.granted ? "granted" : "refused") << " \"" << a.message << '"';
}

} // namespace

/// One fake KUBE actor, a fixed controller context and a clock the test moves.
class TaskControllerTest : public test::DeterministicTest {
protected:
  TaskControllerTest() { fresh_kube(); }

  /// A new fake KUBE actor (empty caches, empty script) and a new controller context.
  void fresh_kube() {
    script = std::make_shared<test::fake_kube_script>();
    kube = test::spawn_fake_kube(sys, script);
    control = caf::actor_cast<caf::actor>(kube);
    context = std::make_shared<task::controller_context>();
    context->now = [clock = clock] { return *clock; };
    context->dependency_missing_timeout = 60s;
  }

  ~TaskControllerTest() override {
    for (auto& a : children_)
      if (*a)
        self->send_exit(*a, caf::exit_reason::user_shutdown);
    self->send_exit(control, caf::exit_reason::user_shutdown);
    run();
  }

  // The watch side, played by the test.
  void put(const watch_spec& spec, const json& obj) { self->send(control, atom::apply::value, spec, json_doc{obj}); }
  void drop(const watch_spec& spec, const json& obj) { self->send(control, atom::remove::value, spec, json_doc{obj}); }
  void sync(const watch_spec& spec) { self->send(control, atom::synced::value, spec); }

  watch_spec tasks() const { return task::tasks_spec(*context); }
  watch_spec jobs() const { return task::jobs_spec(*context); }
  /// Both caches the BRANCH lock restores from.
  void sync_tasks_and_jobs() {
    sync(tasks());
    sync(jobs());
  }

  /// Spawns the lock or gate under a recording stand-in supervisor.
  caf::actor spawn_child(child_factory make) {
    auto child = std::make_shared<caf::actor>();
    children_.push_back(child);
    spawn(supervisor_stand_in, wakes, make, kube, std::shared_ptr<const task::controller_context>(context), child);
    run();
    return *child;
  }

  /// Asks `lock` for `key`'s branch on behalf of Task `name`; the answer lands in the result
  /// once the lock replies (it stays empty while the lock defers the request).
  std::shared_ptr<std::optional<lock_answer>> acquire(const caf::actor& lock, const std::string& name,
                                                      std::chrono::seconds created, const std::string& branch = "b") {
    auto out = std::make_shared<std::optional<lock_answer>>();
    task::branch_key key{ns, "ws", branch};
    auto created_us = std::chrono::duration_cast<std::chrono::microseconds>((t0 + created).time_since_epoch()).count();
    spawn([=](caf::event_based_actor* me) -> caf::behavior {
      me->request(lock, caf::infinite, atom::acquire::value, key, task_id{ns, name}, static_cast<int64_t>(created_us))
        .then([=](bool granted, std::string& message) { *out = lock_answer{granted, std::move(message)}; },
              [=](caf::error& err) { *out = lock_answer{false, "error: " + caf::to_string(err)}; });
      return {[](atom::ok) {}};
    });
    return out;
  }

  /// Asks `gate` whether Task `name` (depending on `deps`) may start.
  std::shared_ptr<std::optional<gate_answer>> check(const caf::actor& gate, const std::string& name, strings deps) {
    auto out = std::make_shared<std::optional<gate_answer>>();
    spawn([=](caf::event_based_actor* me) -> caf::behavior {
      me->request(gate, caf::infinite, atom::check::value, task_id{ns, name}, deps)
        .then(
          [=](int kind, std::string& message, std::string& dependency, json_doc& data) {
            *out = gate_answer{static_cast<task::dependency_verdict::kind>(kind), std::move(message),
                               std::move(dependency), std::move(data.value)};
          },
          [=](caf::error& err) {
            *out = gate_answer{task::dependency_verdict::kind::failed, "error: " + caf::to_string(err), "", {}};
          });
      return {[](atom::ok) {}};
    });
    return out;
  }

  /// The recorded calls and the unexpected ones, for failure messages.
  std::string trace() const {
    return "calls " + ::testing::PrintToString(call_lines(*script)) + ", unexpected " +
           ::testing::PrintToString(script->unexpected);
  }

  /// Moves the clock and the scheduler's timers together.
  void pass(std::chrono::seconds d) {
    *clock += d;
    advance(d);
  }

  std::shared_ptr<k8s::time_point> clock = std::make_shared<k8s::time_point>(t0);
  std::shared_ptr<test::fake_kube_script> script;
  std::shared_ptr<task::controller_context> context;
  std::shared_ptr<strings> wakes = std::make_shared<strings>();
  kube_actor kube;
  caf::actor control;

private:
  std::vector<std::shared_ptr<caf::actor>> children_;
};

// ---------------------------------------------------------------------------------------
// BRANCH lock

using BranchLockTest = TaskControllerTest;

TEST_F(BranchLockTest, AnswersOnlyAfterTheTaskAndJobCachesSynced) {
  auto lock = spawn_child(task::spawn_branch_lock);
  auto first = acquire(lock, "first", 1s);
  auto second = acquire(lock, "second", 2s);
  run();
  EXPECT_FALSE(first->has_value()) << "answered before the Task cache synced";
  EXPECT_FALSE(second->has_value());

  sync(tasks());
  run();
  EXPECT_FALSE(first->has_value()) << "answered before the Job cache synced";

  sync(jobs());
  run();
  ASSERT_TRUE(first->has_value());
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ(**first, (lock_answer{true, ""}));
  EXPECT_EQ(**second, (lock_answer{false, "Waiting for branch \"b\" (locked by first)"}));
  EXPECT_TRUE(wakes->empty());
}

TEST_F(BranchLockTest, HandsTheBranchToWaitersInCreationOrder) {
  sync_tasks_and_jobs();
  auto lock = spawn_child(task::spawn_branch_lock);
  auto holder = acquire(lock, "holder", 0s);
  run();
  // Asked in an order different from their creation.
  auto late = acquire(lock, "late", 30s);
  auto early = acquire(lock, "early", 10s);
  auto middle = acquire(lock, "middle", 20s);
  auto other_branch = acquire(lock, "elsewhere", 40s, "other");
  run();
  EXPECT_EQ(**holder, (lock_answer{true, ""}));
  for (const auto& waiter : {late, early, middle})
    EXPECT_EQ(**waiter, (lock_answer{false, "Waiting for branch \"b\" (locked by holder)"}));
  EXPECT_EQ(**other_branch, (lock_answer{true, ""})) << "another branch of the same workspace is independent";

  // Each release hands the branch to the oldest waiter (woken first), then wakes the ones
  // still queued so their Waiting message names the new holder.
  const std::vector<std::pair<std::string, strings>> hand_overs = {
    {"holder", {"early", "middle", "late"}},
    {"early", {"middle", "late"}},
    {"middle", {"late"}},
    {"late", {}},
    {"holder", {}}, // holds nothing any more
  };
  for (const auto& [released, woken] : hand_overs) {
    wakes->clear();
    self->send(lock, atom::release::value, task_id{ns, released});
    run();
    EXPECT_EQ(*wakes, woken) << "released " << released;
  }
}

TEST_F(BranchLockTest, RestoresHolderAndWaitersFromTaskStatusAfterRestart) {
  // Names sort against creation order: the oldest waiter must win, not the first listed.
  put(tasks(), task_object("holder").on_branch("b").in_phase("Running").created(0s));
  put(tasks(), task_object("a-late").on_branch("b").created(20s).in_phase(
                 "Waiting", "Waiting for branch \"b\" (locked by holder)"));
  put(tasks(), task_object("z-early").on_branch("b").created(10s).in_phase(
                 "Waiting", "Waiting for branch \"b\" (queued behind a-late)"));
  // Waiting for something else: never queued for the branch.
  put(tasks(), task_object("m-other").on_branch("b").created(5s).in_phase(
                 "Waiting", "Waiting for Workspace \"ws\" to be created"));
  sync_tasks_and_jobs();
  run();
  auto lock = spawn_child(task::spawn_branch_lock);
  EXPECT_TRUE(wakes->empty()) << "the restored holder still holds the branch";

  // A newcomer queues behind the restored waiters.
  auto newcomer = acquire(lock, "newcomer", 15s);
  run();
  EXPECT_EQ(**newcomer, (lock_answer{false, "Waiting for branch \"b\" (locked by holder)"}));

  put(tasks(), task_object("holder").on_branch("b").in_phase("Succeeded").version(2));
  run();
  EXPECT_EQ(*wakes, (strings{"z-early", "newcomer", "a-late"})) << "the new holder first, then the queue in order";
  auto z_early = acquire(lock, "z-early", 10s);
  run();
  EXPECT_EQ(**z_early, (lock_answer{true, ""}));

  wakes->clear();
  put(tasks(), task_object("z-early").on_branch("b").created(10s).in_phase("Failed").version(2));
  run();
  EXPECT_EQ(*wakes, (strings{"newcomer", "a-late"})) << "newcomer was created after z-early but before a-late";
  auto newcomer_again = acquire(lock, "newcomer", 15s);
  auto a_late = acquire(lock, "a-late", 20s);
  run();
  EXPECT_EQ(**newcomer_again, (lock_answer{true, ""}));
  EXPECT_EQ(**a_late, (lock_answer{false, "Waiting for branch \"b\" (locked by newcomer)"}));
}

TEST_F(BranchLockTest, RestartWithoutHolderGrantsTheOldestWaiterAtOnce) {
  put(tasks(), task_object("second").on_branch("b").created(20s).in_phase(
                 "Waiting", "Waiting for branch \"b\" (queued behind first)"));
  put(tasks(), task_object("first").on_branch("b").created(10s).in_phase(
                 "Waiting", "Waiting for branch \"b\" (locked by gone)"));
  sync_tasks_and_jobs();
  spawn_child(task::spawn_branch_lock);
  EXPECT_EQ(*wakes, (strings{"first"}));
}

TEST_F(BranchLockTest, ATaskWhoseJobExistsHoldsTheBranchAfterRestartWhateverItsStatus) {
  // The controller stopped after creating holder's Job and before writing its Pending
  // status; an older Task was queued for the branch. The Job, not the status, decides.
  put(tasks(), task_object("holder").on_branch("b").created(10s).in_phase(
                 "Waiting", "Waiting for branch \"b\" (locked by gone)"));
  put(tasks(), task_object("older").on_branch("b").created(5s).in_phase(
                 "Waiting", "Waiting for branch \"b\" (queued behind holder)"));
  put(tasks(), task_object("fresh").on_branch("b").created(1s)); // no status at all
  put(jobs(), job("holder"));
  put(jobs(), job("fresh"));
  sync_tasks_and_jobs();
  auto lock = spawn_child(task::spawn_branch_lock);
  EXPECT_TRUE(wakes->empty()) << "nobody may take the branch while the Jobs run";

  auto older = acquire(lock, "older", 5s);
  run();
  EXPECT_EQ(**older, (lock_answer{false, "Waiting for branch \"b\" (locked by fresh)"}));

  put(tasks(), task_object("fresh").on_branch("b").created(1s).in_phase("Succeeded").version(2));
  run();
  EXPECT_TRUE(wakes->empty()) << "holder's Job still runs";
  put(tasks(), task_object("holder").on_branch("b").created(10s).in_phase("Succeeded").version(2));
  run();
  EXPECT_EQ(*wakes, (strings{"older"}));
}

TEST_F(BranchLockTest, AJobOfAnotherTaskWithTheSameNameDoesNotHoldTheBranch) {
  auto recreated = task_object("holder").on_branch("b").created(10s);
  recreated.obj["metadata"]["uid"] = "uid-holder-2";
  put(tasks(), recreated);
  put(tasks(), task_object("waiter").on_branch("b").created(5s).in_phase(
                 "Waiting", "Waiting for branch \"b\" (locked by holder)"));
  put(jobs(), job("holder")); // controlled by uid-holder, the deleted Task
  sync_tasks_and_jobs();
  spawn_child(task::spawn_branch_lock);
  EXPECT_EQ(*wakes, (strings{"waiter"}));
}

TEST_F(BranchLockTest, StopsFollowingJobsOnceRestored) {
  sync_tasks_and_jobs();
  auto lock = spawn_child(task::spawn_branch_lock);
  auto holder = acquire(lock, "holder", 0s);
  auto waiter = acquire(lock, "waiter", 5s);
  run();
  ASSERT_EQ(**holder, (lock_answer{true, ""}));
  const auto& job_subscribers = script->subscribers[jobs()];
  EXPECT_EQ(std::count(job_subscribers.begin(), job_subscribers.end(), lock), 0) << "still subscribed to Jobs";
  // A Job event (even the holder's Job going away) never releases a lock.
  drop(jobs(), job("holder"));
  run();
  EXPECT_TRUE(wakes->empty());
  EXPECT_TRUE(script->unexpected.empty()) << trace();
}

TEST_F(BranchLockTest, RemovingTheHolderReleasesIt) {
  auto holder = task_object("holder").on_branch("b").in_phase("Running");
  put(tasks(), holder);
  sync_tasks_and_jobs();
  auto lock = spawn_child(task::spawn_branch_lock);
  auto waiter = acquire(lock, "waiter", 5s);
  run();
  EXPECT_EQ(**waiter, (lock_answer{false, "Waiting for branch \"b\" (locked by holder)"}));

  drop(tasks(), holder);
  run();
  EXPECT_EQ(*wakes, (strings{"waiter"}));
  auto again = acquire(lock, "waiter", 5s);
  run();
  EXPECT_EQ(**again, (lock_answer{true, ""}));
}

TEST_F(BranchLockTest, DeletingTheHolderReleasesItBeforeTheObjectIsGone) {
  put(tasks(), task_object("holder").on_branch("b").in_phase("Running"));
  sync_tasks_and_jobs();
  auto lock = spawn_child(task::spawn_branch_lock);
  acquire(lock, "waiter", 5s);
  run();
  put(tasks(), task_object("holder").on_branch("b").in_phase("Running").finalized().deleting().version(2));
  run();
  EXPECT_EQ(*wakes, (strings{"waiter"}));
}

TEST_F(BranchLockTest, ReadsOnlyTheTasksThatHoldOrWaitForABranch) {
  sync_tasks_and_jobs();
  auto lock = spawn_child(task::spawn_branch_lock);
  // Tasks without a branch change three times each on their way to a Job; none is read.
  for (int v = 1; v <= 3; ++v)
    for (const char* name : {"a", "b", "c"})
      put(tasks(), task_object(name).in_phase("Pending").version(v));
  run();
  EXPECT_EQ(script->reads[tasks()], 0u);

  acquire(lock, "holder", 0s);
  auto waiter = acquire(lock, "waiter", 5s);
  run();
  put(tasks(), task_object("holder").on_branch("b").in_phase("Succeeded"));
  run();
  EXPECT_EQ(script->reads[tasks()], 1u);
  EXPECT_EQ(*wakes, (strings{"waiter"})) << "the holder's terminal phase released the branch";
}

// ---------------------------------------------------------------------------------------
// DEPENDENCY gate

using DependencyGateTest = TaskControllerTest;
using verdict = task::dependency_verdict::kind;

namespace {

void expect_verdict(const std::shared_ptr<std::optional<gate_answer>>& answer, verdict what, const std::string& message,
                    const std::string& dependency) {
  ASSERT_TRUE(answer->has_value()) << "no answer";
  EXPECT_EQ((*answer)->what, what) << (*answer)->message;
  EXPECT_EQ((*answer)->message, message);
  EXPECT_EQ((*answer)->dependency, dependency);
}

} // namespace

TEST_F(DependencyGateTest, DefersChecksUntilTheTaskCacheSynced) {
  put(tasks(), task_object("dep").in_phase("Succeeded"));
  auto gate = spawn_child(task::spawn_dependency_gate);
  auto answer = check(gate, "t", {"dep"});
  run();
  EXPECT_FALSE(answer->has_value()) << "answered before the Task cache synced";

  sync(tasks());
  run();
  ASSERT_TRUE(answer->has_value());
  EXPECT_EQ((*answer)->what, verdict::ready) << (*answer)->message;
  EXPECT_EQ((*answer)->data["Deps"]["dep"]["Name"], "dep") << (*answer)->data.dump();
}

TEST_F(DependencyGateTest, WakesTheDependentWhenItsDependencySucceeds) {
  put(tasks(), task_object("dep").in_phase("Running"));
  sync(tasks());
  auto gate = spawn_child(task::spawn_dependency_gate);
  auto first = check(gate, "t", {"dep"});
  run();
  expect_verdict(first, verdict::waiting, "Waiting for dependency \"dep\"", "dep");
  EXPECT_TRUE(wakes->empty());

  auto done = task_object("dep").in_phase("Succeeded").version(2);
  done.obj["status"]["results"] = {{"branch", "kelos-42"}};
  put(tasks(), done);
  run();
  EXPECT_EQ(*wakes, (strings{"t"}));

  // The same phase again (a resync, a label change) wakes nobody.
  put(tasks(), done.version(3));
  run();
  EXPECT_EQ(*wakes, (strings{"t"}));

  auto second = check(gate, "t", {"dep"});
  run();
  EXPECT_EQ((*second)->what, verdict::ready);
  EXPECT_EQ((*second)->data["Deps"]["dep"]["Results"]["branch"], "kelos-42") << (*second)->data.dump();
}

TEST_F(DependencyGateTest, AFailedDependencyFailsTheDependent) {
  put(tasks(), task_object("dep").in_phase("Failed"));
  put(tasks(), task_object("ok").in_phase("Succeeded"));
  sync(tasks());
  auto gate = spawn_child(task::spawn_dependency_gate);
  auto answer = check(gate, "t", {"ok", "dep"});
  run();
  expect_verdict(answer, verdict::failed, "Dependency \"dep\" failed", "dep");
}

TEST_F(DependencyGateTest, AMissingDependencyTimesOutWithAWake) {
  sync(tasks());
  auto gate = spawn_child(task::spawn_dependency_gate);
  auto first = check(gate, "t", {"ghost"});
  run();
  expect_verdict(first, verdict::waiting, "Waiting for dependency \"ghost\" to be created", "ghost");

  pass(59s);
  EXPECT_TRUE(wakes->empty()) << "woken before the timeout";
  pass(2s);
  EXPECT_EQ(*wakes, (strings{"t"}));

  auto second = check(gate, "t", {"ghost"});
  run();
  expect_verdict(second, verdict::failed, "Dependency \"ghost\" was not created within 1m0s", "ghost");
}

TEST_F(DependencyGateTest, ADependencyThatAppearsWakesTheDependent) {
  sync(tasks());
  auto gate = spawn_child(task::spawn_dependency_gate);
  check(gate, "t", {"late"});
  run();
  put(tasks(), task_object("late"));
  run();
  EXPECT_EQ(*wakes, (strings{"t"}));
  auto answer = check(gate, "t", {"late"});
  run();
  expect_verdict(answer, verdict::waiting, "Waiting for dependency \"late\"", "late");
}

// ---------------------------------------------------------------------------------------
// TASK SUPERVISOR and TASK actors

namespace {

std::vector<watch_spec> all_specs(const task::controller_context& c) {
  return {task::tasks_spec(c),      task::jobs_spec(c),          task::pods_spec(c),
          task::workspaces_spec(c), task::agent_configs_spec(c), task::secrets_spec(c)};
}

} // namespace

class TaskSupervisorTest : public TaskControllerTest {
protected:
  TaskSupervisorTest() { put(task::secrets_spec(*context), secret("creds")); }

  void start_supervisor() {
    // spawn_task_supervisor spawns through the system; the fixture still stops it.
    supervisors_.push_back(task::spawn_task_supervisor(sys, kube, context));
    run();
  }

  ~TaskSupervisorTest() override { stop_supervisors(); }

  void stop_supervisors() {
    for (auto& a : supervisors_)
      self->send_exit(a, caf::exit_reason::user_shutdown);
    supervisors_.clear();
    run();
  }

  /// Stops the controller and the fake KUBE actor and starts over with empty ones.
  void fresh_world() {
    stop_supervisors();
    self->send_exit(control, caf::exit_reason::user_shutdown);
    run();
    fresh_kube();
    put(task::secrets_spec(*context), secret("creds"));
  }

  /// Queues the six sync notifications without running them.
  void queue_sync_all() {
    for (const auto& spec : all_specs(*context))
      sync(spec);
  }

  void sync_all() {
    queue_sync_all();
    run();
  }

  /// The calls that admit a new Task `name`: the Job, the Pending status, the event.
  void expect_job_creation(const std::string& name, json status_reply) {
    script->expect("POST", jobs_path, job(name))
      .expect("PUT", tasks_path + name + "/status", std::move(status_reply))
      .expect("POST", events_path);
  }

  /// Starts the controller with `t` cached and checks its first write: Waiting, `message`.
  void start_expecting_waiting(const task_object& t, const std::string& message) {
    auto name = t.obj["metadata"]["name"].get<std::string>();
    script->expect("PUT", tasks_path + name + "/status", task_object(t).version(2).in_phase("Waiting", message));
    put(tasks(), t);
    start_supervisor();
    sync_all();
    ASSERT_TRUE(script->satisfied()) << trace();
    EXPECT_EQ(body_of(script->calls.back())["status"]["phase"], "Waiting");
    EXPECT_EQ(body_of(script->calls.back())["status"]["message"], message);
  }

  std::vector<caf::actor> supervisors_;
};

TEST_F(TaskSupervisorTest, CreatesTheJobAfterAddingTheFinalizer) {
  // One pass: the finalizer patch, then the Job, and the status written on top of the
  // patch's reply (newer than the cache), without waiting for the watch to deliver it.
  put(tasks(), task_object("t"));
  script->expect("PATCH", tasks_path + "t", task_object("t").finalized().version(2));
  expect_job_creation("t", task_object("t").finalized().version(3).in_phase("Pending").with_job("t"));
  start_supervisor();
  sync_all();

  ASSERT_TRUE(script->satisfied()) << trace();
  auto finalizer = body_of(script->calls[0]);
  EXPECT_EQ(finalizer["metadata"]["finalizers"], json::array({"kelos.dev/finalizer"}));
  EXPECT_EQ(finalizer["metadata"]["resourceVersion"], "1") << "optimistic concurrency on the cached version";
  EXPECT_FALSE(finalizer.contains("spec")) << "a merge patch of the finalizers only";

  auto created = body_of(script->calls[1]);
  EXPECT_EQ(created["metadata"]["name"], "t");
  EXPECT_EQ(created["metadata"]["ownerReferences"][0]["uid"], "uid-t");
  EXPECT_EQ(created["metadata"]["ownerReferences"][0]["controller"], true);

  auto status = body_of(script->calls[2]);
  EXPECT_EQ(status["status"]["phase"], "Pending");
  EXPECT_EQ(status["status"]["jobName"], "t");
  EXPECT_EQ(status["metadata"]["resourceVersion"], "2") << "written on top of the finalizer write's reply";

  auto event = body_of(script->calls[3]);
  EXPECT_EQ(event["reason"], "TaskCreated");
  EXPECT_EQ(event["type"], "Normal");
  EXPECT_EQ(event["involvedObject"]["name"], "t");

  // The watch catches up: nothing left to do (level-based, idempotent).
  put(tasks(), task_object("t").finalized().version(3).in_phase("Pending").with_job("t"));
  put(task::jobs_spec(*context), job("t"));
  run();
  EXPECT_EQ(script->calls.size(), 4u) << trace();

  // The Job starts: Running, with its event.
  script->expect("PUT", tasks_path + "t/status", task_object("t").finalized().version(4).in_phase("Running"))
    .expect("POST", events_path);
  put(task::jobs_spec(*context), job("t", 1));
  run();
  ASSERT_TRUE(script->satisfied()) << trace();
  EXPECT_EQ(body_of(script->calls[4])["status"]["phase"], "Running");
  EXPECT_EQ(body_of(script->calls[4])["status"]["startTime"], k8s::format_time(t0));
  EXPECT_EQ(body_of(script->calls[5])["reason"], "TaskRunning");
}

TEST_F(TaskSupervisorTest, AJobCreateAnsweredWithSomethingElseBacksOffInsteadOfLooping) {
  // Job replies stay text until needed; one that is not a Job is a failed create (with
  // backoff), not a Job to wait for, which would create again, get 409, and spin.
  put(tasks(), task_object("t").finalized());
  script->expect("POST", jobs_path);
  script->expected.back().raw = k8s::http_response{201, {}, "<html>proxy says hi</html>"};
  start_supervisor();
  sync_all();
  ASSERT_TRUE(script->satisfied()) << trace();
  run();
  EXPECT_EQ(script->calls.size(), 1u) << "nothing more before the backoff: " << trace();
  expect_job_creation("t", task_object("t").finalized().version(2).in_phase("Pending").with_job("t"));
  pass(std::chrono::seconds{1});
  ASSERT_TRUE(script->satisfied()) << trace();
  EXPECT_EQ(script->calls.size(), 4u) << trace();
  EXPECT_TRUE(script->unexpected.empty()) << trace();
}

TEST_F(TaskSupervisorTest, DeletionDeletesTheJobThenRemovesTheFinalizer) {
  put(tasks(), task_object("t").finalized().deleting().in_phase("Running").with_job("t"));
  script->expect("DELETE", jobs_path + "/t").expect("PATCH", tasks_path + "t", task_object("t").deleting().version(2));
  start_supervisor();
  sync_all();

  ASSERT_TRUE(script->satisfied()) << trace();
  EXPECT_EQ(body_of(script->calls[0])["propagationPolicy"], "Background");
  EXPECT_EQ(body_of(script->calls[1])["metadata"]["finalizers"], json::array());

  // The API server deletes the Task: the supervisor stops its actor, nothing more is called.
  drop(tasks(), task_object("t"));
  put(task::jobs_spec(*context), job("t"));
  run();
  EXPECT_EQ(script->calls.size(), 2u) << trace();
}

TEST_F(TaskSupervisorTest, DeletionOfAJobThatIsAlreadyGoneStillRemovesTheFinalizer) {
  put(tasks(), task_object("t").finalized().deleting().in_phase("Running").with_job("t"));
  script->expect_error("DELETE", jobs_path + "/t", errc::not_found, "jobs.batch \"t\" not found")
    .expect("PATCH", tasks_path + "t", task_object("t").deleting().version(2));
  start_supervisor();
  sync_all();
  EXPECT_TRUE(script->satisfied()) << trace();
}

TEST_F(TaskSupervisorTest, WaitsForAMissingWorkspaceAndProceedsWhenItAppears) {
  start_expecting_waiting(task_object("t").in_workspace("ws").finalized(), "Waiting for Workspace \"ws\" to be created");

  // No polling: time passes, nothing is called.
  pass(600s);
  EXPECT_EQ(script->calls.size(), 1u) << trace();

  // Another Workspace does not wake the Task; its own does (watch_ref), and the Job follows.
  put(task::workspaces_spec(*context), workspace("unrelated"));
  run();
  EXPECT_EQ(script->calls.size(), 1u) << trace();
  expect_job_creation("t", task_object("t").in_workspace("ws").finalized().version(3).in_phase("Pending").with_job("t"));
  put(task::workspaces_spec(*context), workspace("ws"));
  run();
  ASSERT_TRUE(script->satisfied()) << trace();
  auto created = body_of(script->calls[1]);
  EXPECT_NE(created.dump().find("https://github.com/acme/app.git"), std::string::npos)
    << "the Job clones the Workspace's repo";
  EXPECT_EQ(body_of(script->calls[2])["status"]["message"], nullptr) << "the Waiting message is cleared";
}

/// No TASK actor reconciles until every one of the six caches has synced, whichever is last.
class TaskSupervisorAdmissionTest : public TaskSupervisorTest, public ::testing::WithParamInterface<int> {};

TEST_P(TaskSupervisorAdmissionTest, NoReconcileBeforeEveryCacheSynced) {
  put(tasks(), task_object("t").finalized());
  expect_job_creation("t", task_object("t").finalized().version(2).in_phase("Pending").with_job("t"));
  start_supervisor();
  auto specs = all_specs(*context);
  auto last = specs[static_cast<size_t>(GetParam())];
  for (const auto& spec : specs)
    if (!(spec == last))
      sync(spec);
  run();
  pass(60s);
  EXPECT_TRUE(script->calls.empty()) << "before " << last.to_string()
                                     << " synced: " << trace();

  sync(last);
  run();
  EXPECT_TRUE(script->satisfied()) << trace();
}

INSTANTIATE_TEST_SUITE_P(WhicheverSyncsLast, TaskSupervisorAdmissionTest, ::testing::Range(0, 6));

// A Task already Waiting for its Workspace writes nothing on a reconcile (no watch event of
// its own to wake it again), so the wake-up must come from watch_ref. The Workspace is
// created at every possible moment of that reconcile, message by message: whichever
// message it lands between, the Task must go on and create its Job.
TEST_F(TaskSupervisorTest, AWorkspaceCreatedDuringTheReconcileIsNeverMissed) {
  auto waiting = task_object("t").in_workspace("ws").finalized().in_phase(
    "Waiting", "Waiting for Workspace \"ws\" to be created");
  size_t steps = 0;
  for (size_t k = 0;; ++k) {
    fresh_world();
    put(tasks(), waiting);
    expect_job_creation("t", task_object("t").in_workspace("ws").finalized().version(2).in_phase("Pending").with_job("t"));
    start_supervisor();
    queue_sync_all();
    size_t ran = 0;
    while (ran < k && sched.try_run_once())
      ++ran;
    if (ran < k)
      break; // the reconcile was over before step k: every moment has been tried
    put(task::workspaces_spec(*context), workspace("ws"));
    run();
    EXPECT_TRUE(script->satisfied()) << "Workspace created after " << k << " messages: "
                                     << trace();
    steps = k;
  }
  EXPECT_GT(steps, 10u) << "the sweep covered the whole reconcile";
}

TEST_F(TaskSupervisorTest, TheBranchPassesToTheNextTaskWhenTheHoldersJobSucceeds) {
  put(task::workspaces_spec(*context), workspace("ws"));
  put(tasks(), task_object("a").on_branch("feature").finalized().created(0s));
  expect_job_creation("a", task_object("a").on_branch("feature").finalized().version(2).in_phase("Pending").with_job("a"));
  start_supervisor();
  sync_all();
  ASSERT_TRUE(script->satisfied()) << trace();

  // A later Task on the same branch waits, by its status, without a Job.
  put(tasks(), task_object("b").on_branch("feature").finalized().created(10s));
  script->expect("PUT", tasks_path + "b/status",
                 task_object("b").on_branch("feature").finalized().version(2).created(10s).in_phase(
                   "Waiting", "Waiting for branch \"feature\" (locked by a)"));
  run();
  ASSERT_TRUE(script->satisfied()) << trace();
  EXPECT_EQ(body_of(script->calls[3])["status"]["message"], "Waiting for branch \"feature\" (locked by a)");

  // a's Job succeeds: a records it and releases the branch; the lock wakes b, which starts.
  auto succeeded = job("a");
  succeeded["status"] = {{"succeeded", 1}};
  script->expect("PUT", tasks_path + "a/status", task_object("a").on_branch("feature").finalized().version(3).in_phase("Succeeded"))
    .expect("POST", events_path);
  expect_job_creation("b", task_object("b").on_branch("feature").finalized().version(3).in_phase("Pending").with_job("b"));
  put(task::jobs_spec(*context), succeeded);
  run();
  ASSERT_TRUE(script->satisfied()) << trace();
  EXPECT_EQ(body_of(script->calls[4])["status"]["phase"], "Succeeded");
  EXPECT_EQ(body_of(script->calls[5])["reason"], "TaskSucceeded");
  EXPECT_EQ(body_of(script->calls[6])["metadata"]["name"], "b");
}

TEST_F(TaskSupervisorTest, ADependentStartsWithItsDependencysResultsOnceItSucceeds) {
  // The parent runs (its Job is active, nothing to write); the child waits for it.
  put(tasks(), task_object("parent").finalized().in_phase("Running").with_job("parent"));
  put(task::jobs_spec(*context), job("parent", 1));
  auto child = task_object("child").finalized().depends_on({"parent"});
  child.obj["spec"]["prompt"] = "Review {{index .Deps \"parent\" \"Results\" \"branch\"}}";
  start_expecting_waiting(child, "Waiting for dependency \"parent\"");

  // The parent succeeds with a result: the gate wakes the child, whose prompt uses it.
  expect_job_creation("child", task_object(child).version(3).in_phase("Pending").with_job("child"));
  auto done = task_object("parent").finalized().in_phase("Succeeded").with_job("parent").version(2);
  done.obj["status"]["results"] = {{"branch", "kelos-42"}};
  put(tasks(), done);
  run();
  ASSERT_TRUE(script->satisfied()) << trace();
  auto created = body_of(script->calls[1]);
  EXPECT_EQ(created["metadata"]["name"], "child");
  EXPECT_NE(created.dump().find("Review kelos-42"), std::string::npos) << created.dump();
}

TEST_F(TaskSupervisorTest, ADependencyNeverCreatedFailsTheDependentAfterTheTimeout) {
  auto child = task_object("child").finalized().depends_on({"ghost"});
  start_expecting_waiting(child, "Waiting for dependency \"ghost\" to be created");

  pass(59s);
  EXPECT_EQ(script->calls.size(), 1u) << "failed before the timeout: " << trace();

  script->expect("PUT", tasks_path + "child/status", task_object(child).version(3).in_phase("Failed"))
    .expect("POST", events_path);
  pass(2s);
  ASSERT_TRUE(script->satisfied()) << trace();
  auto status = body_of(script->calls[1])["status"];
  EXPECT_EQ(status["phase"], "Failed");
  EXPECT_EQ(status["message"], "Dependency \"ghost\" was not created within 1m0s");
  EXPECT_EQ(status["completionTime"], k8s::format_time(t0 + 61s));
  auto event = body_of(script->calls[2]);
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["reason"], "DependencyFailed");
}
