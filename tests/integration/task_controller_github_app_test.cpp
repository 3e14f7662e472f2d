// GitHub App credentials in a Workspace Secret: the controller exchanges them for an
// installation token at a loopback HTTPS server playing GitHub, stores the token in
// Secret `<task>-github-token` and points the Job at it (kelos-seed §2.1 step 2, §3.8).

#include "tests/integration/task_controller_support.hpp"
#include "tests/support/loopback_server.hpp"
#include "tests/unit/github_app_test_support.hpp"

#include <gtest/gtest.h>

#include <mutex>

using namespace kelos;
using namespace kelos::test::tc;
using kelos::test::controller_harness;
using kelos::test::eventually;
using k8s::json;

namespace {

const std::string token = "ghs_installationTokenForTheTest0001";

struct fake_github {
  std::mutex mu;
  std::vector<test::loopback_request> requests;
  test::loopback_response answer;
  test::loopback_server server;
  explicit fake_github(test::loopback_response a)
    : answer(std::move(a)),
      server(
        [this](const test::loopback_request& req) {
          std::lock_guard<std::mutex> lock{mu};
          requests.push_back(req);
          return answer;
        },
        test::loopback_tls{test::test_pki().server.cert_pem, test::test_pki().server.key_pem, {}}) {}
  std::string base() const { return "https://127.0.0.1:" + std::to_string(server.port()); }
  size_t count() {
    std::lock_guard<std::mutex> lock{mu};
    return requests.size();
  }
};

test::loopback_response answer(int status, json body) {
  test::loopback_response r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = body.dump();
  return r;
}

controller_harness::options with_github(const std::string& base) {
  controller_harness::options o;
  o.github_api_base = base;
  o.github_ca_pem = test::test_pki().ca.cert_pem;
  return o;
}

/// Credentials Secret, App Secret, Workspace and a Task using them.
void create_app_task(controller_harness& h, const std::string& name) {
  ASSERT_TRUE(create(h, secret(credentials, {{"ANTHROPIC_API_KEY", "sk"}})));
  json app = {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"metadata", {{"name", "github-app"}, {"namespace", "default"}}},
              {"stringData",
               {{"appID", "12345"}, {"installationID", "678"}, {"privateKey", test::github::keys().pkcs1_pem}}}};
  ASSERT_TRUE(create(h, app));
  ASSERT_TRUE(create(h, workspace("ws", {{"repo", "https://github.com/acme/app.git"}, {"secretRef", {{"name", "github-app"}}}})));
  ASSERT_TRUE(create(h, test::tc::task(name, {{"workspaceRef", {{"name", "ws"}}}})));
}

} // namespace

TEST(GithubApp, TokenIsExchangedStoredAndUsedByTheJob) {
  fake_github gh{answer(201, {{"token", token}, {"expires_at", "2030-01-01T00:00:00Z"}})};
  controller_harness h{with_github(gh.base())};
  ASSERT_TRUE(h.start_server());
  ASSERT_TRUE(h.start_controller());
  create_app_task(h, "app-task");
  ASSERT_TRUE(eventually([&] { return h.job_exists("app-task"); })) << h.task_message("app-task");
  auto job = *h.get("jobs", "default", "app-task");
  auto clone = init_container(job, "git-clone");
  EXPECT_EQ(env_secret(clone, "GITHUB_TOKEN"), "app-task-github-token/GITHUB_TOKEN");
  EXPECT_EQ(env_secret(agent_container(job), "GITHUB_TOKEN"), "app-task-github-token/GITHUB_TOKEN");
  auto stored = h.get("secrets", "default", "app-task-github-token");
  ASSERT_TRUE(stored);
  EXPECT_EQ((*stored)["data"]["GITHUB_TOKEN"], k8s::base64_encode(token));
  EXPECT_EQ((*stored)["metadata"]["ownerReferences"][0]["kind"], "Task");
  EXPECT_EQ((*stored)["metadata"]["ownerReferences"][0]["controller"], true);
  ASSERT_GE(gh.count(), 1u);
  std::lock_guard<std::mutex> lock{gh.mu};
  EXPECT_EQ(gh.requests[0].method, "POST");
  EXPECT_EQ(gh.requests[0].target, "/app/installations/678/access_tokens");
  auto auth = gh.requests[0].header("Authorization");
  ASSERT_EQ(auth.rfind("Bearer ", 0), 0u);
  EXPECT_TRUE(test::github::verify_rs256(auth.substr(7), test::github::keys().public_pem));
}

TEST(GithubApp, RejectedCredentialsFailTheTaskWithoutLeakingThem) {
  fake_github gh{answer(401, {{"message", "A JSON web token could not be decoded"}})};
  controller_harness h{with_github(gh.base())};
  ASSERT_TRUE(h.start_server());
  ASSERT_TRUE(h.start_controller());
  create_app_task(h, "bad-app");
  ASSERT_TRUE(reaches_phase(h, "bad-app", "Failed")) << h.task_message("bad-app");
  auto message = h.task_message("bad-app");
  EXPECT_EQ(message.rfind("Failed to resolve GitHub token: ", 0), 0u) << message;
  EXPECT_NE(message.find("401"), std::string::npos) << message;
  EXPECT_EQ(message.find("PRIVATE KEY"), std::string::npos);
  EXPECT_FALSE(h.job_exists("bad-app"));
  EXPECT_TRUE(has_events(h, "bad-app", "GitHubTokenFailed", 1));
}

TEST(GithubApp, UnreachableGithubKeepsTheTaskWaitingAndRetrying) {
  uint16_t dead_port = 0;
  {
    test::loopback_server probe{[](const test::loopback_request&) { return test::loopback_response{}; }};
    dead_port = probe.port();
  }
  controller_harness h{with_github("https://127.0.0.1:" + std::to_string(dead_port))};
  ASSERT_TRUE(h.start_server());
  ASSERT_TRUE(h.start_controller());
  create_app_task(h, "offline");
  ASSERT_TRUE(eventually([&] {
    auto m = h.task_message("offline");
    return h.task_phase("offline") == "Waiting" && m.find("(retrying)") != std::string::npos;
  })) << h.task_phase("offline") << ": " << h.task_message("offline");
  EXPECT_FALSE(h.job_exists("offline"));
}
