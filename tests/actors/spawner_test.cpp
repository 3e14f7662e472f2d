// Actor tests of the TaskSpawner controller under CAF's deterministic scheduler: the
// SPAWNER SUPERVISOR with its SPAWNER, POLLER and CREDENTIALS actors against an in-memory
// KUBE stand-in, and scripted sources (a `discovery` that makes no request).
//
// The stand-in is a small API server rather than tests/support/fake_kube's ordered script:
// a burst of 50 Tasks is driven by what the spawner observes (Tasks appear in the watch
// cache as they are created and finish when the test says so), and the order of 50 creates
// and status writes is the spawner's business, not the test's. It applies POST/PUT/DELETE to
// its caches, bumps resourceVersions, answers 409 on stale status writes and AlreadyExists on
// duplicate creates, and records the highest number of non-terminal Tasks ever stored.

#include "actors/spawner/spawner_supervisor.hpp"
#include "k8s/taskspawner_types.hpp"
#include "runtime/caf_error.hpp"
#include "tests/support/deterministic_fixture.hpp"

#include <caf/event_based_actor.hpp>

#include <map>
#include <set>

using namespace kelos;
using namespace std::chrono_literals;
using k8s::json;

namespace {

const k8s::time_point t0{std::chrono::seconds{1'767'225'600}}; // 2026-01-01T00:00:00Z
const std::string ns = "default";
const std::string tasks_base = "/apis/kelos.dev/v1alpha1/namespaces/default/tasks";
const std::string spawners_base = "/apis/kelos.dev/v1alpha1/namespaces/default/taskspawners";

// -- the in-memory API ---------------------------------------------------------------

struct api_state {
  std::map<watch_spec, std::map<std::string, json>> caches;
  std::map<watch_spec, std::vector<caf::actor>> subscribers;
  std::map<watch_spec, bool> synced;
  std::vector<std::string> calls; // "METHOD path"
  std::vector<std::string> created; // Task names, in create order
  int duplicate_creates = 0;
  int status_writes = 0;
  int conflicts_to_inject = 0;
  size_t max_active = 0;
  int64_t rv = 100;

  size_t active() {
    size_t n = 0;
    for (auto& [spec, objs] : caches)
      if (spec.kind == "Task")
        for (auto& [k, t] : objs) {
          auto phase = k8s::get_string(t.value("status", json::object()), "phase");
          n += phase != "Succeeded" && phase != "Failed";
        }
    return n;
  }
};

watch_spec spec_of(const std::string& kind) {
  spawner::spawner_context ctx;
  if (kind == "Task")
    return spawner::spawned_tasks_spec(ctx);
  if (kind == "TaskSpawner")
    return spawner::taskspawners_spec(ctx);
  if (kind == "Workspace")
    return spawner::spawner_workspaces_spec(ctx);
  return spawner::spawner_secrets_spec(ctx);
}

std::string key_of(const json& obj) {
  auto ref = k8s::ref_of(obj);
  return ref.namespace_ + "/" + ref.name;
}

caf::behavior fake_api(caf::event_based_actor* self, std::shared_ptr<api_state> s) {
  auto notify = [self, s](const watch_spec& spec, auto atom_value, const json& obj) {
    for (auto& sub : s->subscribers[spec])
      self->send(sub, atom_value, spec, k8s::ref_of(obj));
  };
  auto store = [s, notify](const std::string& kind, json obj) {
    obj["metadata"]["resourceVersion"] = std::to_string(++s->rv);
    auto spec = spec_of(kind);
    s->caches[spec][key_of(obj)] = obj;
    notify(spec, atom::apply::value, obj);
    s->max_active = std::max(s->max_active, s->active());
    return obj;
  };
  return {
    [=](atom::call, const k8s::http_request& req) -> caf::result<json_doc> {
      s->calls.push_back(req.method + " " + req.path);
      auto& tasks = s->caches[spec_of("Task")];
      auto& spawners = s->caches[spec_of("TaskSpawner")];
      if (req.method == "POST" && req.path == tasks_base) {
        auto obj = json::parse(req.body);
        auto k = key_of(obj);
        if (tasks.count(k)) {
          ++s->duplicate_creates;
          return to_caf_error(kelos::error{errc::already_exists, "tasks \"" + k + "\" already exists"});
        }
        obj["metadata"]["uid"] = "uid-" + std::string{obj["metadata"]["name"]};
        obj["metadata"]["creationTimestamp"] = k8s::format_time(t0);
        s->created.push_back(obj["metadata"]["name"]);
        return json_doc{store("Task", obj)};
      }
      if (req.method == "DELETE" && req.path.rfind(tasks_base + "/", 0) == 0) {
        auto k = ns + "/" + req.path.substr(tasks_base.size() + 1);
        auto it = tasks.find(k);
        if (it == tasks.end())
          return to_caf_error(kelos::error{errc::not_found, "not found"});
        auto obj = it->second;
        tasks.erase(it);
        notify(spec_of("Task"), atom::remove::value, obj);
        return json_doc{obj};
      }
      if (req.path.rfind(spawners_base + "/", 0) == 0) {
        auto rest = req.path.substr(spawners_base.size() + 1);
        bool status = rest.size() > 7 && rest.substr(rest.size() - 7) == "/status";
        auto k = ns + "/" + (status ? rest.substr(0, rest.size() - 7) : rest);
        auto it = spawners.find(k);
        if (it == spawners.end())
          return to_caf_error(kelos::error{errc::not_found, "not found"});
        if (req.method == "GET")
          return json_doc{it->second};
        if (req.method == "PUT" && status) {
          auto body = json::parse(req.body);
          if (s->conflicts_to_inject > 0 || body["metadata"]["resourceVersion"] != it->second["metadata"]["resourceVersion"]) {
            if (s->conflicts_to_inject > 0)
              --s->conflicts_to_inject;
            return to_caf_error(kelos::error{errc::conflict, "the object has been modified"});
          }
          ++s->status_writes;
          auto obj = it->second;
          obj["status"] = body["status"];
          return json_doc{store("TaskSpawner", obj)};
        }
      }
      if (req.method == "GET" && req.path.find("/secrets/") != std::string::npos)
        return to_caf_error(kelos::error{errc::not_found, "secret not found"});
      return to_caf_error(kelos::error{errc::logic_error, "unexpected " + req.method + " " + req.path});
    },
    [=](atom::subscribe, const watch_spec& spec, const caf::actor& sub) {
      s->subscribers[spec].push_back(sub);
      for (auto& [key, obj] : s->caches[spec])
        self->send(sub, atom::apply::value, spec, k8s::ref_of(obj));
      if (s->synced[spec])
        self->send(sub, atom::synced::value, spec);
      return atom::ok::value;
    },
    [=](atom::unsubscribe, const watch_spec& spec, const caf::actor& sub) {
      auto& subs = s->subscribers[spec];
      subs.erase(std::remove(subs.begin(), subs.end(), sub), subs.end());
    },
    [=](atom::get, const watch_spec& spec, const k8s::object_ref& ref) {
      auto& cache = s->caches[spec];
      auto it = cache.find(ref.namespace_ + "/" + ref.name);
      return json_doc{it == cache.end() ? json(nullptr) : it->second};
    },
    [=](atom::list, const watch_spec& spec, const std::string& in_ns) {
      object_list out;
      for (auto& [key, obj] : s->caches[spec])
        if (in_ns.empty() || k8s::ref_of(obj).namespace_ == in_ns)
          out.items.push_back(obj);
      return out;
    },
    // Test controls: store (bumping the resourceVersion) and notify.
    [=](atom::apply, const std::string& kind, const json_doc& doc) { store(kind, doc.value); },
    [=](atom::synced) {
      for (auto kind : {"Task", "TaskSpawner", "Workspace", "Secret"}) {
        auto spec = spec_of(kind);
        s->synced[spec] = true;
        for (auto& sub : s->subscribers[spec])
          self->send(sub, atom::synced::value, spec);
      }
    },
  };
}

// -- scripted sources ------------------------------------------------------------------

struct source_script {
  std::map<std::string, std::vector<sources::work_item>> items; // per spawner name
  std::map<std::string, kelos::error> errors;
  std::map<std::string, k8s::time_point> retry_not_before; // with an error: the source's reset
  std::map<std::string, int> discoveries;
};

class scripted_discovery final : public sources::discovery {
public:
  explicit scripted_discovery(kelos::expected<std::vector<sources::work_item>> r,
                              std::optional<k8s::time_point> retry = std::nullopt)
    : result_(std::move(r)), retry_(retry) {}
  std::optional<sources::source_request> next_request() override { return std::nullopt; }
  void on_response(const sources::source_response&) override {}
  void on_transport_error(const kelos::error&) override {}
  std::optional<k8s::time_point> retry_not_before() const override { return retry_; }
  kelos::expected<std::vector<sources::work_item>> result() override { return result_; }

private:
  kelos::expected<std::vector<sources::work_item>> result_;
  std::optional<k8s::time_point> retry_;
};

sources::work_item issue(int n, std::vector<std::string> labels = {}) {
  sources::work_item w;
  w.id = std::to_string(n);
  w.number = n;
  w.title = "Issue " + w.id;
  w.body = "Body " + w.id;
  w.labels = std::move(labels);
  return w;
}

std::vector<sources::work_item> issues(int n) {
  std::vector<sources::work_item> out;
  for (int i = 1; i <= n; ++i)
    out.push_back(issue(i));
  return out;
}

json spawner_object(const std::string& name, json spec_extra = json::object()) {
  json obj = {{"apiVersion", "kelos.dev/v1alpha1"},
              {"kind", "TaskSpawner"},
              {"metadata",
               {{"name", name}, {"namespace", ns}, {"uid", "uid-" + name}, {"generation", 1},
                {"creationTimestamp", k8s::format_time(t0)}}},
              {"spec",
               {{"when", {{"githubIssues", {{"labels", {"bug"}}}}}},
                {"pollInterval", "1m"},
                {"taskTemplate",
                 {{"type", "claude-code"},
                  {"credentials", {{"type", "api-key"}, {"secretRef", {{"name", "creds"}}}}},
                  {"workspaceRef", {{"name", "ws"}}}}}}}};
  obj["spec"].merge_patch(spec_extra);
  return obj;
}

class SpawnerTest : public test::DeterministicTest {
protected:
  SpawnerTest() {
    api = std::make_shared<api_state>();
    kube = caf::actor_cast<kube_actor>(spawn(fake_api, api));
    script = std::make_shared<source_script>();
    auto c = std::make_shared<spawner::spawner_context>();
    c->now = [this] { return clock; };
    c->poll_jitter = 0;
    c->write_retry = 2s;
    auto src = script;
    c->make_discovery = [src](const spawner::discovery_input& in)
      -> kelos::expected<std::unique_ptr<sources::discovery>> {
      const auto& name = in.spawner->meta.name;
      ++src->discoveries[name];
      if (auto e = src->errors.find(name); e != src->errors.end()) {
        auto r = src->retry_not_before.find(name);
        return std::unique_ptr<sources::discovery>(new scripted_discovery(
          e->second, r == src->retry_not_before.end() ? std::nullopt : std::optional{r->second}));
      }
      return std::unique_ptr<sources::discovery>(new scripted_discovery(src->items[name]));
    };
    ctx = c;
    put("Workspace", {{"apiVersion", "kelos.dev/v1alpha1"},
                      {"kind", "Workspace"},
                      {"metadata", {{"name", "ws"}, {"namespace", ns}}},
                      {"spec", {{"repo", "https://github.com/o/r.git"}}}});
  }

  ~SpawnerTest() override {
    if (supervisor)
      self->send_exit(supervisor, caf::exit_reason::user_shutdown);
    run();
  }

  void put(const std::string& kind, const json& obj) {
    self->send(caf::actor_cast<caf::actor>(kube), atom::apply::value, kind, json_doc{obj});
  }

  void spawn_supervisor() { supervisor = spawner::spawn_spawner_supervisor(sys, kube, ctx); }

  void start() {
    spawn_supervisor();
    self->send(caf::actor_cast<caf::actor>(kube), atom::synced::value);
    run();
  }

  void restart() {
    self->send_exit(supervisor, caf::exit_reason::user_shutdown);
    run();
    spawn_supervisor();
    run();
  }

  json stored(const std::string& kind, const std::string& name) {
    auto& cache = api->caches[spec_of(kind)];
    auto it = cache.find(ns + "/" + name);
    return it == cache.end() ? json(nullptr) : it->second;
  }

  k8s::task_spawner_status status(const std::string& name) {
    auto s = k8s::decode_task_spawner(stored("TaskSpawner", name));
    EXPECT_TRUE(s);
    return s ? s->status : k8s::task_spawner_status{};
  }

  void finish_task(const std::string& name, const char* phase = "Succeeded") {
    auto t = stored("Task", name);
    ASSERT_FALSE(t.is_null()) << name;
    t["status"] = {{"phase", phase}, {"completionTime", k8s::format_time(clock)}};
    put("Task", t);
  }

  std::vector<std::string> active_tasks() {
    std::vector<std::string> out;
    for (auto& [k, t] : api->caches[spec_of("Task")]) {
      auto phase = k8s::get_string(t.value("status", json::object()), "phase");
      if (phase != "Succeeded" && phase != "Failed")
        out.push_back(t["metadata"]["name"]);
    }
    return out;
  }

  k8s::time_point clock = t0 + 1h;
  std::shared_ptr<api_state> api;
  kube_actor kube;
  std::shared_ptr<source_script> script;
  std::shared_ptr<const spawner::spawner_context> ctx;
  caf::actor supervisor;
};

// -- tests -----------------------------------------------------------------------------

TEST_F(SpawnerTest, NothingHappensBeforeTheCachesSync) {
  script->items["fix-bugs"] = issues(2);
  put("TaskSpawner", spawner_object("fix-bugs"));
  spawn_supervisor();
  run();
  EXPECT_TRUE(api->calls.empty());
  EXPECT_EQ(script->discoveries["fix-bugs"], 0);
  self->send(caf::actor_cast<caf::actor>(kube), atom::synced::value);
  run();
  EXPECT_EQ(api->created, (std::vector<std::string>{"fix-bugs-1", "fix-bugs-2"}));
}

TEST_F(SpawnerTest, CreatesTasksAndWritesStatus) {
  script->items["fix-bugs"] = issues(2);
  put("TaskSpawner", spawner_object("fix-bugs"));
  start();
  EXPECT_EQ(api->created, (std::vector<std::string>{"fix-bugs-1", "fix-bugs-2"}));
  auto task = stored("Task", "fix-bugs-1");
  EXPECT_EQ(task["metadata"]["labels"]["kelos.dev/taskspawner"], "fix-bugs");
  EXPECT_EQ(task["metadata"]["ownerReferences"][0]["uid"], "uid-fix-bugs");
  auto st = status("fix-bugs");
  EXPECT_EQ(st.phase, "Running");
  EXPECT_EQ(st.total_discovered, 2);
  EXPECT_EQ(st.total_tasks_created, 2);
  EXPECT_EQ(st.active_tasks, 2);
  EXPECT_EQ(st.message, "Discovered 2 items, created 2 tasks total");
  // The next poll finds nothing new: no create, no status write beyond lastDiscoveryTime.
  int polls = script->discoveries["fix-bugs"];
  advance(61s);
  EXPECT_EQ(script->discoveries["fix-bugs"], polls + 1);
  EXPECT_EQ(api->created.size(), 2u);
  EXPECT_EQ(api->duplicate_creates, 0);
}

TEST_F(SpawnerTest, BurstOfFiftyNeverExceedsMaxConcurrency) {
  script->items["burst"] = issues(50);
  put("TaskSpawner", spawner_object("burst", {{"maxConcurrency", 3}}));
  start();
  EXPECT_EQ(api->created.size(), 3u);
  int rounds = 0;
  while (api->created.size() < 50 && rounds++ < 200) {
    auto active = active_tasks();
    ASSERT_LE(active.size(), 3u);
    ASSERT_FALSE(active.empty());
    finish_task(active.front());
    run(); // the freed slot is filled at once, without waiting for a poll
    if (rounds % 7 == 0)
      advance(61s); // polls in between rediscover the same 50 issues
  }
  EXPECT_EQ(api->created.size(), 50u);
  EXPECT_LE(api->max_active, 3u);
  EXPECT_EQ(api->duplicate_creates, 0);
  std::set<std::string> unique(api->created.begin(), api->created.end());
  EXPECT_EQ(unique.size(), 50u);
  while (!active_tasks().empty()) {
    finish_task(active_tasks().front());
    run();
  }
  auto st = status("burst");
  EXPECT_EQ(st.total_tasks_created, 50);
  EXPECT_EQ(st.active_tasks, 0);
}

TEST_F(SpawnerTest, RestartMidCycleCreatesNoDuplicate) {
  script->items["fix-bugs"] = issues(5);
  put("TaskSpawner", spawner_object("fix-bugs", {{"maxTotalTasks", 4}}));
  spawn_supervisor();
  self->send(caf::actor_cast<caf::actor>(kube), atom::synced::value);
  // Run message by message until two Tasks exist, then kill the controller before it
  // writes the status (the persisted counter still says 0).
  while (api->created.size() < 2 && sched.try_run_once()) {
  }
  ASSERT_EQ(api->created.size(), 2u);
  EXPECT_EQ(api->status_writes, 0);
  restart();
  EXPECT_EQ(api->duplicate_creates, 0);
  EXPECT_EQ(api->created, (std::vector<std::string>{"fix-bugs-1", "fix-bugs-2", "fix-bugs-3", "fix-bugs-4"}));
  EXPECT_EQ(status("fix-bugs").total_tasks_created, 4);
  // A second restart with every Task finished and TTL-deleted: the budget still holds.
  for (auto& name : std::vector<std::string>(api->created))
    self->send(caf::actor_cast<caf::actor>(kube), atom::call::value, k8s::http_request{"DELETE", tasks_base + "/" + name, {}, {}, {}, false, true});
  run();
  restart();
  EXPECT_EQ(api->created.size(), 4u);
  EXPECT_EQ(status("fix-bugs").condition("TaskBudgetExhausted")->status, "True");
}

TEST_F(SpawnerTest, SuspendStopsPollingAndResumePollsAtOnce) {
  script->items["fix-bugs"] = issues(1);
  put("TaskSpawner", spawner_object("fix-bugs"));
  start();
  ASSERT_EQ(api->created.size(), 1u);
  auto obj = stored("TaskSpawner", "fix-bugs");
  obj["spec"]["suspend"] = true;
  obj["metadata"]["generation"] = 2;
  put("TaskSpawner", obj);
  run();
  auto st = status("fix-bugs");
  EXPECT_EQ(st.phase, "Suspended");
  EXPECT_EQ(st.message, "Suspended by user");
  EXPECT_EQ(st.condition("Suspended")->reason, "UserSuspended");
  EXPECT_EQ(st.condition("Suspended")->observed_generation, 2);
  int polls = script->discoveries["fix-bugs"];
  script->items["fix-bugs"] = issues(3);
  advance(10min);
  EXPECT_EQ(script->discoveries["fix-bugs"], polls) << "no discovery while suspended";
  EXPECT_EQ(api->created.size(), 1u);
  obj = stored("TaskSpawner", "fix-bugs");
  obj["spec"]["suspend"] = false;
  obj["metadata"]["generation"] = 3;
  put("TaskSpawner", obj);
  run();
  EXPECT_EQ(script->discoveries["fix-bugs"], polls + 1);
  EXPECT_EQ(api->created.size(), 3u);
  st = status("fix-bugs");
  EXPECT_EQ(st.phase, "Running");
  EXPECT_EQ(st.condition("Suspended")->status, "False");
}

TEST_F(SpawnerTest, ItemsHeldBackByMaxConcurrencyAreCountedUntilTheSpawnerIsSuspended) {
  script->items["limited"] = issues(3);
  put("TaskSpawner", spawner_object("limited", {{"maxConcurrency", 1}}));
  start();
  ASSERT_EQ(api->created.size(), 1u);
  EXPECT_EQ(ctx->waiting->count(metrics::wait_reason::concurrency), 2u);
  auto obj = stored("TaskSpawner", "limited");
  obj["spec"]["suspend"] = true;
  obj["metadata"]["generation"] = 2;
  put("TaskSpawner", obj);
  run();
  EXPECT_EQ(status("limited").phase, "Suspended");
  EXPECT_EQ(ctx->waiting->count(metrics::wait_reason::concurrency), 0u);
}

TEST_F(SpawnerTest, NoCycleBeforeTheResetOfARateLimitTheDiscoveryGaveUpOn) {
  script->errors["fix-bugs"] = kelos::error{errc::server_unavailable, "GitHub API rate limit exceeded"};
  script->retry_not_before["fix-bugs"] = clock + 30min;
  put("TaskSpawner", spawner_object("fix-bugs")); // pollInterval 1m
  start();
  ASSERT_EQ(script->discoveries["fix-bugs"], 1);
  // The backoff (1m, then 2m...) and a wake are due long before the reset: they wait.
  clock += 10min;
  advance(10min);
  auto obj = stored("TaskSpawner", "fix-bugs");
  obj["metadata"]["generation"] = 2;
  put("TaskSpawner", obj);
  run();
  clock += 19min;
  advance(19min);
  EXPECT_EQ(script->discoveries["fix-bugs"], 1) << "a cycle started before the rate limit's reset";
  script->errors.clear();
  script->items["fix-bugs"] = issues(1);
  clock += 1min + 1s;
  advance(1min + 1s);
  EXPECT_EQ(script->discoveries["fix-bugs"], 2);
  EXPECT_EQ(api->created.size(), 1u);
}

TEST_F(SpawnerTest, BadInputIsReportedAndOtherSpawnersCarryOn) {
  script->items["good"] = issues(1);
  script->items["bad-template"] = issues(1);
  script->errors["bad-source"] = kelos::error{errc::parse_error, "GitHub API answer for /repos/o/r/issues: malformed JSON"};
  put("TaskSpawner", spawner_object("good"));
  put("TaskSpawner", spawner_object("bad-cron", {{"when", {{"githubIssues", nullptr}, {"cron", {{"schedule", "61 * * * *"}}}}}}));
  put("TaskSpawner", spawner_object("bad-interval", {{"pollInterval", "often"}}));
  put("TaskSpawner", spawner_object("bad-template", {{"taskTemplate", {{"promptTemplate", "{{.Title"}}}}));
  put("TaskSpawner", spawner_object("bad-source"));
  start();
  EXPECT_EQ(api->created, (std::vector<std::string>{"good-1"}));
  for (auto name : {"bad-cron", "bad-interval", "bad-template"}) {
    auto st = status(name);
    EXPECT_EQ(st.phase, "Failed") << name;
    EXPECT_EQ(st.message.rfind("Invalid spec: spec.", 0), 0u) << name << ": " << st.message;
    EXPECT_EQ(st.condition("SourceReady")->reason, "InvalidSpec") << name;
    EXPECT_EQ(script->discoveries[name], 0) << name << " must not poll";
  }
  auto st = status("bad-source");
  EXPECT_EQ(st.message, "Discovery failed: GitHub API answer for /repos/o/r/issues: malformed JSON");
  EXPECT_EQ(st.condition("SourceReady")->reason, "DiscoveryFailed");
  // Backoff: the failing source is polled again later, not in a loop.
  int polls = script->discoveries["bad-source"];
  advance(30s);
  EXPECT_EQ(script->discoveries["bad-source"], polls);
  script->errors.erase("bad-source");
  script->items["bad-source"] = issues(1);
  advance(61s);
  EXPECT_EQ(status("bad-source").condition("SourceReady")->status, "True");
  EXPECT_EQ(stored("Task", "bad-source-1").is_null(), false);
}

TEST_F(SpawnerTest, RetriggerDeletesTheFinishedTaskAndCreatesItOnceGone) {
  auto w = issue(7);
  script->items["rt"] = {w};
  put("TaskSpawner", spawner_object("rt", {{"when", {{"githubIssues", {{"triggerComment", "/kelos pick-up"}}}}}}));
  start();
  ASSERT_EQ(api->created, (std::vector<std::string>{"rt-7"}));
  finish_task("rt-7", "Failed");
  run();
  clock += 1h;
  w.trigger_time = clock - 10min; // a newer trigger comment than the completion
  script->items["rt"] = {w};
  advance(61s);
  EXPECT_EQ(std::count(api->calls.begin(), api->calls.end(), "DELETE " + tasks_base + "/rt-7"), 1);
  EXPECT_EQ(api->created, (std::vector<std::string>{"rt-7", "rt-7"}));
  EXPECT_EQ(api->duplicate_creates, 0);
  EXPECT_EQ(status("rt").total_tasks_created, 2);
}

TEST_F(SpawnerTest, StatusConflictIsRetriedWithAFreshObject) {
  script->items["fix-bugs"] = issues(1);
  put("TaskSpawner", spawner_object("fix-bugs"));
  api->conflicts_to_inject = 2;
  start();
  EXPECT_EQ(api->status_writes, 1);
  EXPECT_EQ(status("fix-bugs").total_tasks_created, 1);
}

TEST_F(SpawnerTest, DeletedSpawnerStopsItsActors) {
  script->items["fix-bugs"] = issues(1);
  put("TaskSpawner", spawner_object("fix-bugs"));
  start();
  auto obj = stored("TaskSpawner", "fix-bugs");
  api->caches[spec_of("TaskSpawner")].erase(ns + "/fix-bugs");
  for (auto& sub : api->subscribers[spec_of("TaskSpawner")])
    self->send(sub, atom::remove::value, spec_of("TaskSpawner"), k8s::ref_of(obj));
  run();
  int polls = script->discoveries["fix-bugs"];
  advance(10min);
  EXPECT_EQ(script->discoveries["fix-bugs"], polls);
}

} // namespace
