// The TaskSpawner controller end to end: the embedded API server with the Kelos CRDs, the
// KUBE actor over real HTTP, the spawner supervisor and its actors, and the fake GitHub API on
// loopback. The seed examples 03 (GitHub issues) and 04 (cron) are applied as written and
// create Tasks.

#include "actors/kube_actor.hpp"
#include "actors/spawner/spawner_supervisor.hpp"
#include "k8s/client/rest_config.hpp"
#include "runtime/caf_error.hpp"
#include "tests/support/controller_harness.hpp"
#include "tests/support/fake_github.hpp"
#include "tests/unit/github_app_test_support.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <unistd.h>

using namespace kelos;
using namespace std::chrono_literals;
using k8s::json;

namespace {

test::fake_issue gh_issue(int64_t n, std::string title, std::vector<std::string> labels, bool pr = false,
                         std::string body = {}) {
  test::fake_issue i;
  i.number = n;
  i.title = std::move(title);
  i.body = std::move(body);
  i.labels = std::move(labels);
  i.pull_request = pr;
  return i;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in{p};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The spawner controller (KUBE actor + spawner supervisor) over its own client.
class spawner_runtime {
public:
  spawner_runtime(test::controller_harness& h, std::shared_ptr<spawner::spawner_context> ctx) {
    cfg_.set("scheduler.max-threads", 2);
    cfg_.set("logger.console", caf::atom("none"));
    register_error_category(cfg_);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    auto kubeconfig = (std::filesystem::temp_directory_path()
                       / ("kelos-spawner-it-" + std::to_string(::getpid()) + ".kubeconfig")).string();
    EXPECT_TRUE(h.server().write_kubeconfig(kubeconfig));
    k8s::client::load_options lo;
    lo.kubeconfig_path = kubeconfig;
    auto rc = k8s::client::load_rest_config(lo);
    EXPECT_TRUE(rc) << rc.error().render();
    auto c = k8s::http_client::make(transport_config_from(*rc));
    EXPECT_TRUE(c);
    client_ = std::shared_ptr<k8s::http_client>(std::move(*c));
    kube_config kc;
    kc.watch.backoff.initial = 100ms;
    kc.watch.backoff.max = 500ms;
    kube_ = spawn_kube(*sys_, make_http_transport(client_), kc);
    ready_ = std::make_shared<std::atomic<bool>>(false);
    supervisor_ = spawner::spawn_spawner_supervisor(*sys_, kube_, std::move(ctx), ready_);
    EXPECT_TRUE(test::eventually([&] { return ready_->load(); }));
  }

  ~spawner_runtime() {
    caf::scoped_actor self{*sys_};
    for (auto a : {supervisor_, caf::actor_cast<caf::actor>(kube_)}) {
      self->monitor(a);
      self->send_exit(a, caf::exit_reason::user_shutdown);
      self->receive([](caf::down_msg&) {}, caf::after(std::chrono::seconds{5}) >> [] { ADD_FAILURE() << "stuck"; });
    }
  }

private:
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<k8s::http_client> client_;
  kube_actor kube_;
  caf::actor supervisor_;
  std::shared_ptr<std::atomic<bool>> ready_;
};

void apply_example(test::controller_harness& h, const std::string& dir) {
  for (auto& entry : std::filesystem::directory_iterator{std::filesystem::path{KELOS_SOURCE_DIR} / "examples" / dir}) {
    if (entry.path().extension() != ".yaml")
      continue;
    auto created = h.create_yaml(read_file(entry.path()));
    ASSERT_TRUE(created) << entry.path() << ": " << created.error().render();
  }
}

std::vector<json> spawned(test::controller_harness& h, const std::string& spawner) {
  auto list = h.request("GET", "/apis/kelos.dev/v1alpha1/namespaces/default/tasks");
  std::vector<json> out;
  if (!list)
    return out;
  for (auto& t : (*list)["items"])
    if (t["metadata"].value("labels", json::object()).value("kelos.dev/taskspawner", "") == spawner)
      out.push_back(t);
  return out;
}

json spawner_status(test::controller_harness& h, const std::string& name) {
  auto s = h.get("taskspawners", "default", name);
  return s ? s->value("status", json::object()) : json::object();
}

TEST(SpawnerIntegration, GitHubIssuesExampleCreatesTasksUpToMaxConcurrency) {
  test::fake_github gh{"your-org", "your-repo"};
  for (int n = 1; n <= 4; ++n)
    gh.upsert_issue(gh_issue(n, "Bug " + std::to_string(n), {"bug"}, false, "It breaks {{.Title}}"));
  gh.upsert_issue(gh_issue(5, "A feature", {"feature"}));
  gh.upsert_issue(gh_issue(6, "A fix", {"bug"}, true));

  test::controller_harness h;
  ASSERT_TRUE(h.start_server());
  apply_example(h, "03-taskspawner-github-issues");
  auto ctx = std::make_shared<spawner::spawner_context>();
  ctx->github_api_base = gh.base_url();
  spawner_runtime rt{h, ctx};

  // maxConcurrency 3: three of the four bug issues (not the feature, not the PR).
  ASSERT_TRUE(test::eventually([&] { return spawned(h, "fix-bugs").size() == 3; }));
  ASSERT_TRUE(test::eventually([&] { return spawner_status(h, "fix-bugs").value("activeTasks", 0) == 3; }));
  auto st = spawner_status(h, "fix-bugs");
  EXPECT_EQ(st["phase"], "Running");
  EXPECT_EQ(st["totalDiscovered"], 4);
  EXPECT_EQ(st["totalTasksCreated"], 3);
  auto tasks = spawned(h, "fix-bugs");
  std::set<std::string> names;
  for (auto& t : tasks) {
    names.insert(t["metadata"]["name"]);
    EXPECT_EQ(t["metadata"]["ownerReferences"][0]["kind"], "TaskSpawner");
    EXPECT_EQ(t["spec"]["workspaceRef"]["name"], "my-workspace");
    EXPECT_NE(t["spec"]["prompt"].get<std::string>().find("It breaks {{.Title}}"), std::string::npos);
  }
  for (auto& n : names)
    EXPECT_TRUE(n == "fix-bugs-1" || n == "fix-bugs-2" || n == "fix-bugs-3" || n == "fix-bugs-4") << n;
  EXPECT_EQ(gh.count_requests("/comments"), 0u) << "the template does not read comments";
  auto auth = gh.requests().front().header("authorization");
  EXPECT_EQ(auth, "Bearer ghp_replace-me");

  // A finished Task frees its slot: the fourth Task is created at once, not after 5m.
  auto first = tasks.front();
  first["status"] = {{"phase", "Succeeded"}, {"completionTime", k8s::format_time(k8s::now())}};
  auto put = h.request("PUT", "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/"
                                  + first["metadata"]["name"].get<std::string>() + "/status",
                       first);
  ASSERT_TRUE(put) << put.error().render();
  ASSERT_TRUE(test::eventually([&] { return spawned(h, "fix-bugs").size() == 4; }, 10s));
  EXPECT_TRUE(test::eventually([&] { return spawner_status(h, "fix-bugs").value("totalTasksCreated", 0) == 4; }));
}

TEST(SpawnerIntegration, CronExampleCreatesOneTaskForTheMissedWindow) {
  test::controller_harness h;
  ASSERT_TRUE(h.start_server());
  apply_example(h, "04-taskspawner-cron");
  auto ctx = std::make_shared<spawner::spawner_context>();
  // Eight days after the spawner was created: at least one Monday 09:00 passed.
  ctx->now = [] { return k8s::now() + std::chrono::hours{24 * 8}; };
  spawner_runtime rt{h, ctx};
  ASSERT_TRUE(test::eventually([&] { return spawned(h, "weekly-dependency-update").size() == 1; }));
  auto task = spawned(h, "weekly-dependency-update").front();
  auto name = task["metadata"]["name"].get<std::string>();
  EXPECT_EQ(name.rfind("weekly-dependency-update-", 0), 0u) << name;
  EXPECT_EQ(name.substr(name.size() - 5), "-0900") << name;
  EXPECT_NE(task["spec"]["prompt"].get<std::string>().find("Update the project's dependencies"), std::string::npos);
  EXPECT_EQ(task["spec"]["type"], "claude-code");
  ASSERT_TRUE(test::eventually([&] { return spawner_status(h, "weekly-dependency-update").value("totalTasksCreated", 0) == 1; }));
  auto st = spawner_status(h, "weekly-dependency-update");
  EXPECT_EQ(st["phase"], "Running");
  EXPECT_TRUE(st.contains("lastDiscoveryTime"));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(spawned(h, "weekly-dependency-update").size(), 1u) << "no flood of missed ticks";
}

TEST(SpawnerIntegration, InvalidSpawnerIsReportedAndOthersRun) {
  test::fake_github gh{"your-org", "your-repo"};
  gh.upsert_issue(gh_issue(1, "Bug", {"bug"}));
  test::controller_harness h;
  ASSERT_TRUE(h.start_server());
  apply_example(h, "03-taskspawner-github-issues");
  auto bad = h.create_yaml(R"(apiVersion: kelos.dev/v1alpha1
kind: TaskSpawner
metadata:
  name: broken
spec:
  when:
    cron:
      schedule: "every monday"
  taskTemplate:
    type: codex
    credentials:
      type: api-key
      secretRef:
        name: creds
)");
  ASSERT_TRUE(bad) << bad.error().render();
  auto ctx = std::make_shared<spawner::spawner_context>();
  ctx->github_api_base = gh.base_url();
  spawner_runtime rt{h, ctx};
  ASSERT_TRUE(test::eventually([&] { return spawner_status(h, "broken").value("phase", "") == "Failed"; }));
  EXPECT_NE(spawner_status(h, "broken")["message"].get<std::string>().find("spec.when.cron.schedule"), std::string::npos);
  EXPECT_TRUE(test::eventually([&] { return spawned(h, "fix-bugs").size() == 1; }));
}

TEST(SpawnerIntegration, GitHubAppTokenIsCachedAndRefreshedBeforeExpiry) {
  test::fake_github gh{"your-org", "your-repo"};
  gh.upsert_issue(gh_issue(1, "Bug", {"bug"}));
  test::controller_harness h;
  ASSERT_TRUE(h.start_server());
  json data = json::object();
  for (auto& [k, v] : test::github::app_secret(test::github::keys().pkcs1_pem))
    data[k] = k8s::base64_encode(v);
  ASSERT_TRUE(h.create({{"apiVersion", "v1"}, {"kind", "Secret"},
                        {"metadata", {{"name", "app-secret"}, {"namespace", "default"}}}, {"data", data}}));
  ASSERT_TRUE(h.create_yaml(R"(apiVersion: kelos.dev/v1alpha1
kind: Workspace
metadata:
  name: app-ws
spec:
  repo: https://github.com/your-org/your-repo.git
  secretRef:
    name: app-secret
)"));
  ASSERT_TRUE(h.create_yaml(R"(apiVersion: kelos.dev/v1alpha1
kind: TaskSpawner
metadata:
  name: app-bugs
spec:
  pollInterval: 1s
  when:
    githubIssues:
      labels: [bug]
  taskTemplate:
    type: codex
    credentials:
      type: api-key
      secretRef:
        name: creds
    workspaceRef:
      name: app-ws
)"));
  auto ctx = std::make_shared<spawner::spawner_context>();
  ctx->github_api_base = gh.base_url();
  ctx->poll_jitter = 0;
  ctx->token_refresh_margin = std::chrono::seconds{2};
  auto exchanges = std::make_shared<std::atomic<int>>(0);
  auto bases = std::make_shared<std::string>();
  ctx->exchange_token = [exchanges, bases](const github::app_credentials& creds, const std::string& api_base)
    -> kelos::expected<github::installation_token> {
    EXPECT_EQ(creds.app_id, "12345");
    *bases = api_base;
    int n = ++*exchanges;
    // Valid for 6 s: with a 2 s margin, reused for about 4 s (several 1 s polls even on a
    // loaded machine; 1.5 s was sometimes only one), then exchanged again.
    return github::installation_token{"ghs_token-" + std::to_string(n), k8s::now() + std::chrono::milliseconds{6000}};
  };
  spawner_runtime rt{h, ctx};
  ASSERT_TRUE(test::eventually([&] { return spawned(h, "app-bugs").size() == 1; }));
  ASSERT_TRUE(test::eventually([&] { return *exchanges >= 2; }, 20s));
  EXPECT_EQ(*bases, gh.base_url());
  std::map<std::string, int> used;
  auto count_uses = [&] {
    used.clear();
    for (auto& r : gh.requests())
      ++used[r.header("authorization")];
    return used["Bearer ghs_token-2"] >= 1; // the poll that needed the second token has reached GitHub
  };
  EXPECT_TRUE(test::eventually(count_uses, 10s));
  EXPECT_GE(used["Bearer ghs_token-1"], 2) << "the first token serves several polls";
  EXPECT_GE(used["Bearer ghs_token-2"], 1);
  EXPECT_EQ(used.count(""), 0u) << "never unauthenticated";
}

} // namespace
