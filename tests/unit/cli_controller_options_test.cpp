#include "cli/controller_options.hpp"

#include <gtest/gtest.h>

using kelos::cli::parse_controller_options;

TEST(ControllerOptions, DefaultsMatchTheOriginal) {
  auto o = parse_controller_options({});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->metrics_address, ":8080");
  EXPECT_EQ(o->health_address, ":8081");
  EXPECT_EQ(o->watch_namespace, "");
  EXPECT_EQ(o->images.git.image, "alpine/git:v2.47.2");
  EXPECT_EQ(o->images.agents.at("claude-code").image, "ghcr.io/kelos-dev/claude-code:latest");
  EXPECT_EQ(o->images.agents.at("cursor").image, "ghcr.io/kelos-dev/cursor:latest");
  EXPECT_EQ(o->dependency_timeout, std::chrono::seconds{600});
  EXPECT_DOUBLE_EQ(o->qps, 500);
  EXPECT_EQ(o->burst, 1000);
  EXPECT_FALSE(o->help);
}

TEST(ControllerOptions, EveryFlagInBothSpellings) {
  auto o = parse_controller_options({"--kubeconfig", "/k", "--context=dev", "--namespace", "team-a",
                                     "--metrics-bind-address=127.0.0.1:9090", "--health-probe-bind-address", "0",
                                     "--codex-image", "reg/codex:1", "--codex-image-pull-policy=Always",
                                     "--git-image", "reg/git:2", "--git-image-pull-policy", "IfNotPresent",
                                     "--kube-api-qps", "20.5", "--kube-api-burst=40", "--dependency-timeout", "90s",
                                     "--log-level", "debug"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->kubeconfig, "/k");
  EXPECT_EQ(o->context, "dev");
  EXPECT_EQ(o->watch_namespace, "team-a");
  EXPECT_EQ(o->metrics_address, "127.0.0.1:9090");
  EXPECT_EQ(o->health_address, "0");
  EXPECT_EQ(o->images.agents.at("codex").image, "reg/codex:1");
  EXPECT_EQ(o->images.agents.at("codex").pull_policy, "Always");
  EXPECT_EQ(o->images.agents.at("gemini").image, "ghcr.io/kelos-dev/gemini:latest");
  EXPECT_EQ(o->images.git.image, "reg/git:2");
  EXPECT_EQ(o->images.git.pull_policy, "IfNotPresent");
  EXPECT_DOUBLE_EQ(o->qps, 20.5);
  EXPECT_EQ(o->burst, 40);
  EXPECT_EQ(o->dependency_timeout, std::chrono::seconds{90});
  EXPECT_EQ(o->log_level, "debug");
}

TEST(ControllerOptions, ErrorsNameTheFlag) {
  struct row {
    std::vector<std::string> args;
    std::string needle;
  };
  std::vector<row> rows{
    {{"--bogus"}, "unknown flag --bogus"},
    {{"--kubeconfig"}, "--kubeconfig: needs a value"},
    {{"--opencode-image-pull-policy", "Sometimes"}, "--opencode-image-pull-policy: must be Always, IfNotPresent or Never"},
    {{"--git-image-pull-policy=always"}, "--git-image-pull-policy: must be"},
    {{"--kube-api-qps", "fast"}, "--kube-api-qps: must be a non-negative number"},
    {{"--kube-api-burst", "0"}, "--kube-api-burst: must be a positive integer"},
    {{"--dependency-timeout", "10"}, "--dependency-timeout: must be a positive duration"},
    {{"--dependency-timeout", "-5m"}, "--dependency-timeout: must be a positive duration"},
    {{"--log-level", "loud"}, "--log-level: must be"},
    {{"--claude-code-image="}, "--claude-code-image: must not be empty"},
  };
  for (const auto& r : rows) {
    auto o = parse_controller_options(r.args);
    ASSERT_FALSE(o) << r.args[0];
    EXPECT_EQ(o.error().code, kelos::errc::invalid_config);
    EXPECT_NE(o.error().message.find(r.needle), std::string::npos) << o.error().message;
  }
}

TEST(ControllerOptions, HelpListsEveryImageFlag) {
  auto o = parse_controller_options({"-h"});
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->help);
  auto text = kelos::cli::controller_usage();
  for (const char* flag : {"--kubeconfig", "--namespace", "--metrics-bind-address", "--health-probe-bind-address",
                           "--claude-code-image", "--codex-image", "--gemini-image", "--opencode-image",
                           "--cursor-image", "--git-image", "--dependency-timeout", "--kube-api-qps"})
    EXPECT_NE(text.find(flag), std::string::npos) << flag;
}

TEST(ControllerOptions, GitHubApiBaseUrl) {
  auto def = parse_controller_options({});
  ASSERT_TRUE(def);
  EXPECT_EQ(def->github_api_base_url, "");
  auto o = parse_controller_options({"--github-api-base-url", "https://ghe.example.com/api/v3/"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->github_api_base_url, "https://ghe.example.com/api/v3");
  auto eq = parse_controller_options({"--github-api-base-url=http://127.0.0.1:8080"});
  ASSERT_TRUE(eq);
  EXPECT_EQ(eq->github_api_base_url, "http://127.0.0.1:8080");
  auto bad = parse_controller_options({"--github-api-base-url", "api.github.com"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("--github-api-base-url: must be an http:// or https:// URL"), std::string::npos)
    << bad.error().message;
  EXPECT_NE(kelos::cli::controller_usage().find("--github-api-base-url"), std::string::npos);
}

TEST(ControllerOptions, LogFormatAndGracefulShutdownTimeout) {
  auto def = parse_controller_options({});
  ASSERT_TRUE(def);
  EXPECT_EQ(def->log_format, "text");
  EXPECT_EQ(def->graceful_shutdown_timeout, std::chrono::seconds{30});
  auto o = parse_controller_options({"--log-format", "json", "--graceful-shutdown-timeout=1500ms"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->log_format, "json");
  EXPECT_EQ(o->graceful_shutdown_timeout, std::chrono::milliseconds{1500});
  for (const auto& [args, needle] : std::vector<std::pair<std::vector<std::string>, std::string>>{
         {{"--log-format", "xml"}, "--log-format: must be text or json"},
         {{"--graceful-shutdown-timeout", "0s"}, "--graceful-shutdown-timeout: must be a positive duration"},
         {{"--graceful-shutdown-timeout", "soon"}, "--graceful-shutdown-timeout: must be a positive duration"}}) {
    auto bad = parse_controller_options(args);
    ASSERT_FALSE(bad) << args[0];
    EXPECT_NE(bad.error().message.find(needle), std::string::npos) << bad.error().message;
  }
  auto text = kelos::cli::controller_usage();
  EXPECT_NE(text.find("--log-format"), std::string::npos);
  EXPECT_NE(text.find("--graceful-shutdown-timeout"), std::string::npos);
}
