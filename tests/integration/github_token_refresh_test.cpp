// The Task controller keeps a running Task's `<task>-github-token` Secret fresh: GitHub App
// installation tokens live one hour, so the controller exchanges the App credentials again
// and rewrites the Secret `github_token_refresh_margin` (10 min) before the token expires,
// and stops once the Task finished (issue 6 §3). The loopback HTTPS server playing GitHub
// issues tokens that expire 10 min 3 s after issue, so a refresh is due every ~3 s.

#include "actors/task/github_token.hpp"
#include "tests/integration/task_controller_support.hpp"
#include "tests/support/loopback_server.hpp"
#include "tests/unit/github_app_test_support.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

using namespace kelos;
using namespace kelos::test::tc;
using namespace std::chrono_literals;
using kelos::test::controller_harness;
using kelos::test::eventually;
using k8s::json;

namespace {

/// Token endpoint: the n-th exchange answers `ghs_refresh_<n>`, valid for 10 min + 3 s.
struct token_endpoint {
  std::mutex mu;
  int issued = 0;
  test::loopback_server server{[this](const test::loopback_request& req) {
                                 std::lock_guard<std::mutex> lock{mu};
                                 test::loopback_response r;
                                 if (req.method != "POST" || req.target != "/app/installations/678/access_tokens") {
                                   r.status = 404;
                                   return r;
                                 }
                                 r.status = 201;
                                 r.headers = {{"Content-Type", "application/json"}};
                                 auto expires = k8s::now() + task::github_token_refresh_margin + 3s;
                                 r.body = json{{"token", "ghs_refresh_" + std::to_string(++issued)},
                                               {"expires_at", k8s::format_time(expires)}}
                                            .dump();
                                 return r;
                               },
                               test::loopback_tls{test::test_pki().server.cert_pem, test::test_pki().server.key_pem, {}}};

  std::string base() const { return "https://127.0.0.1:" + std::to_string(server.port()); }
  int count() {
    std::lock_guard<std::mutex> lock{mu};
    return issued;
  }
};

controller_harness::options with_endpoint(const token_endpoint& gh) {
  controller_harness::options o;
  o.github_api_base = gh.base();
  o.github_ca_pem = test::test_pki().ca.cert_pem;
  return o;
}

/// Starts `h` with the agent credentials, the App Secret `github-app` and Workspace `ws`.
void start_with_app_workspace(controller_harness& h) {
  ASSERT_TRUE(start(h));
  json app = {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata", {{"name", "github-app"}, {"namespace", "default"}}},
              {"stringData",
               {{"appID", "12345"}, {"installationID", "678"}, {"privateKey", test::github::keys().pkcs1_pem}}}};
  ASSERT_TRUE(create(h, app));
  ASSERT_TRUE(create(h, workspace("ws", {{"repo", "https://github.com/acme/app.git"}, {"secretRef", {{"name", "github-app"}}}})));
}

std::string stored_token(controller_harness& h, const std::string& task) {
  auto s = h.get("secrets", "default", task::github_token_secret_name(task));
  if (!s || !(*s)["data"].contains("GITHUB_TOKEN"))
    return {};
  auto decoded = k8s::base64_decode((*s)["data"]["GITHUB_TOKEN"].get<std::string>());
  return decoded ? *decoded : std::string{};
}

} // namespace

TEST(GithubTokenRefresh, RunningTaskGetsAFreshTokenBeforeExpiryAndNoneAfterItFinished) {
  token_endpoint gh;
  controller_harness h{with_endpoint(gh)};
  ASSERT_NO_FATAL_FAILURE(start_with_app_workspace(h));
  ASSERT_TRUE(create(h, test::tc::task("long-task", {{"workspaceRef", {{"name", "ws"}}}})));
  ASSERT_TRUE(start_running(h, "long-task")) << h.task_message("long-task");
  EXPECT_EQ(stored_token(h, "long-task").rfind("ghs_refresh_", 0), 0u);

  // Rewritten before expiry, twice (the refresher keeps going while the Task runs).
  ASSERT_TRUE(eventually([&] { return gh.count() >= 3 && stored_token(h, "long-task") != "ghs_refresh_1"; }, 20s))
    << "exchanges: " << gh.count() << ", stored: " << stored_token(h, "long-task").substr(0, 12);
  auto secret = h.get("secrets", "default", "long-task-github-token");
  ASSERT_TRUE(secret);
  EXPECT_EQ((*secret)["metadata"]["ownerReferences"][0]["kind"], "Task");
  EXPECT_EQ(h.task_phase("long-task"), "Running");
  auto job = *h.get("jobs", "default", "long-task");
  EXPECT_EQ(env_secret(agent_container(job), "GITHUB_TOKEN"), "long-task-github-token/GITHUB_TOKEN")
    << "the Job keeps reading the same Secret";

  // Finished: no more exchanges, the Secret keeps the last token.
  ASSERT_TRUE(fail_job(h, "long-task"));
  ASSERT_TRUE(reaches_phase(h, "long-task", "Failed"));
  std::this_thread::sleep_for(4s); // a refresh already under way may still land
  const int settled = gh.count();
  const std::string last = stored_token(h, "long-task");
  std::this_thread::sleep_for(7s); // two refresh periods
  EXPECT_EQ(gh.count(), settled) << "no exchange after the Task finished";
  EXPECT_EQ(stored_token(h, "long-task"), last);
  EXPECT_EQ(last, "ghs_refresh_" + std::to_string(settled));
  EXPECT_EQ(h.get("secrets", "default", "github-app")->dump().find("ghs_refresh_"), std::string::npos);
}

TEST(GithubTokenRefresh, DeletedTaskStopsTheRefresh) {
  token_endpoint gh;
  controller_harness h{with_endpoint(gh)};
  ASSERT_NO_FATAL_FAILURE(start_with_app_workspace(h));
  ASSERT_TRUE(create(h, test::tc::task("short-lived", {{"workspaceRef", {{"name", "ws"}}}})));
  ASSERT_TRUE(gets_job(h, "short-lived"));
  ASSERT_TRUE(h.request("DELETE", "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/short-lived"));
  ASSERT_TRUE(disappears(h, "short-lived"));
  std::this_thread::sleep_for(1s);
  const int settled = gh.count();
  std::this_thread::sleep_for(7s);
  EXPECT_EQ(gh.count(), settled) << "no exchange for a deleted Task";
}

TEST(GithubTokenRefresh, ARestartedControllerResumesTheRefreshOfRunningTasks) {
  token_endpoint gh;
  controller_harness h{with_endpoint(gh)};
  ASSERT_NO_FATAL_FAILURE(start_with_app_workspace(h));
  ASSERT_TRUE(create(h, test::tc::task("survivor", {{"workspaceRef", {{"name", "ws"}}}})));
  ASSERT_TRUE(start_running(h, "survivor")) << h.task_message("survivor");

  const int before = gh.count();
  const std::string before_token = stored_token(h, "survivor");
  ASSERT_TRUE(h.start_controller()); // a new controller process: no refresher survives
  // Without the resume nothing exchanges after the restart; with it, the resume exchange
  // and then a refresh every ~3 s.
  ASSERT_TRUE(eventually([&] { return gh.count() >= before + 2; }, 30s))
    << "the new controller refreshes the running Task's token (exchanges: " << gh.count() << ", before: " << before
    << ")";
  ASSERT_TRUE(eventually([&] { return stored_token(h, "survivor") != before_token; }, 20s))
    << "the Secret holds a token exchanged after the restart";
  EXPECT_EQ(h.task_phase("survivor"), "Running");
}
