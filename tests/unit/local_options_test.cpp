// `kelos up` / `kelos down` options, the kubeconfig merge, and the single-instance lock.

#include "cli/local/instance_lock.hpp"
#include "cli/local/kubeconfig_merge.hpp"
#include "cli/local/up_options.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace kelos::local;

namespace {

const std::map<std::string, std::string> home_env{{"HOME", "/home/ada"}};

TEST(UpOptions, DefaultsLiveUnderHome) {
  auto o = parse_up_options({}, home_env);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->paths.root, "/home/ada/.kelos/local");
  EXPECT_EQ(o->paths.kubeconfig(), "/home/ada/.kelos/local/kubeconfig");
  EXPECT_EQ(o->paths.repos(), "/home/ada/.kelos/local/repos");
  EXPECT_EQ(o->port, 0);
  EXPECT_FALSE(o->detach);
  EXPECT_FALSE(o->demo);
  EXPECT_TRUE(o->merge);
  EXPECT_EQ(o->merge_kubeconfig, "/home/ada/.kube/config");
}

TEST(UpOptions, KelosHomeAndKubeconfigEnvironment) {
  auto o = parse_up_options({}, {{"HOME", "/h"}, {"KELOS_HOME", "/srv/kelos"}, {"KUBECONFIG", "/a/one:/b/two"}});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->paths.root, "/srv/kelos/local");
  EXPECT_EQ(o->merge_kubeconfig, "/a/one");
}

TEST(UpOptions, EveryFlag) {
  auto o = parse_up_options({"--home", "/tmp/k", "--port=7443", "--tls", "-d", "--demo", "--kubeconfig", "/tmp/kc",
                             "--image-map", "/etc/map.yaml", "--writable-path", "/srv/repos", "--writable-path=/srv/b",
                             "--agents-dir", "/opt/agents", "--capture-binary", "/opt/kelos-capture", "--log-level",
                             "debug"},
                            home_env);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->paths.root, "/tmp/k");
  EXPECT_EQ(o->port, 7443);
  EXPECT_TRUE(o->tls);
  EXPECT_TRUE(o->detach);
  EXPECT_TRUE(o->demo);
  EXPECT_EQ(o->merge_kubeconfig, "/tmp/kc");
  EXPECT_EQ(o->image_map, "/etc/map.yaml");
  EXPECT_EQ(o->writable_paths, (std::vector<std::string>{"/srv/repos", "/srv/b"}));
  EXPECT_EQ(o->agents_dir, "/opt/agents");
  EXPECT_EQ(o->capture_binary, "/opt/kelos-capture");
  EXPECT_EQ(o->log_level, "debug");
}

TEST(UpOptions, NoMergeLeavesTheUserKubeconfigAlone) {
  auto o = parse_up_options({"--no-kubeconfig-merge"}, home_env);
  ASSERT_TRUE(o);
  EXPECT_FALSE(o->merge);
  EXPECT_TRUE(o->merge_kubeconfig.empty());
}

TEST(UpOptions, ErrorsNameTheFlag) {
  struct row {
    std::vector<std::string> args;
    std::string message;
  };
  for (const auto& r : std::vector<row>{
         {{"--port", "70000"}, "--port: must be a port number 0-65535, got \"70000\""},
         {{"--port", "x"}, "--port: must be a port number 0-65535, got \"x\""},
         {{"--port"}, "--port: needs a value"},
         {{"--log-level", "loud"}, "--log-level: must be trace, debug, info, warn or error, got \"loud\""},
         {{"--writable-path", "/"}, "--writable-path: refusing to make the whole host root writable"},
         {{"--detach=yes"}, "--detach: takes no value"},
         {{"--frobnicate"}, "unknown flag \"--frobnicate\" (see --help)"},
         {{"--home", ""}, "--home: must not be empty"},
       }) {
    auto o = parse_up_options(r.args, home_env);
    ASSERT_FALSE(o) << r.args.front();
    EXPECT_EQ(o.error().message, r.message);
  }
  auto no_home = parse_up_options({}, {});
  ASSERT_FALSE(no_home);
  EXPECT_EQ(no_home.error().message, "--home: neither --home, $KELOS_HOME nor $HOME is set");
}

TEST(DownOptions, DefaultsAndErrors) {
  auto o = parse_down_options({}, home_env);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->paths.root, "/home/ada/.kelos/local");
  EXPECT_EQ(o->timeout_seconds, 30);
  auto t = parse_down_options({"--home", "/x", "--timeout", "5"}, {});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->paths.root, "/x");
  EXPECT_EQ(t->timeout_seconds, 5);
  auto bad = parse_down_options({"--timeout", "0"}, home_env);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "--timeout: must be 1-3600 seconds, got \"0\"");
}

const char* ours = R"(apiVersion: v1
kind: Config
clusters:
- name: kelos-local
  cluster:
    server: http://127.0.0.1:4321
users:
- name: kelos-local
  user:
    token: kelos-local-token
contexts:
- name: kelos-local
  context:
    cluster: kelos-local
    user: kelos-local
    namespace: default
current-context: kelos-local
)";

TEST(KubeconfigMerge, IntoAnEmptyFile) {
  auto merged = merge_kubeconfig("", ours, "kelos-local");
  ASSERT_TRUE(merged) << merged.error().message;
  auto doc = YAML::Load(*merged);
  EXPECT_EQ(doc["current-context"].as<std::string>(), "kelos-local");
  EXPECT_EQ(doc["clusters"][0]["cluster"]["server"].as<std::string>(), "http://127.0.0.1:4321");
  EXPECT_EQ(doc["kind"].as<std::string>(), "Config");
}

TEST(KubeconfigMerge, KeepsOtherEntriesAndReplacesOurs) {
  const char* existing = R"(apiVersion: v1
kind: Config
preferences: {colors: true}
clusters:
- name: prod
  cluster: {server: "https://prod.example:6443"}
- name: kelos-local
  cluster: {server: "http://127.0.0.1:1111"}
users:
- name: prod-admin
  user: {token: secret}
contexts:
- name: prod
  context: {cluster: prod, user: prod-admin}
current-context: prod
)";
  auto merged = merge_kubeconfig(existing, ours, "kelos-local");
  ASSERT_TRUE(merged) << merged.error().message;
  auto doc = YAML::Load(*merged);
  ASSERT_EQ(doc["clusters"].size(), 2u);
  EXPECT_EQ(doc["clusters"][0]["name"].as<std::string>(), "prod");
  EXPECT_EQ(doc["clusters"][1]["cluster"]["server"].as<std::string>(), "http://127.0.0.1:4321");
  EXPECT_EQ(doc["users"].size(), 2u);
  EXPECT_EQ(doc["contexts"].size(), 2u);
  EXPECT_EQ(doc["current-context"].as<std::string>(), "kelos-local");
  EXPECT_TRUE(doc["preferences"]["colors"].as<bool>());

  auto kept = merge_kubeconfig(existing, ours, "kelos-local", false);
  ASSERT_TRUE(kept);
  EXPECT_EQ(YAML::Load(*kept)["current-context"].as<std::string>(), "prod");

  auto removed = remove_kubeconfig_entries(*merged, "kelos-local");
  ASSERT_TRUE(removed);
  auto after = YAML::Load(*removed);
  EXPECT_EQ(after["clusters"].size(), 1u);
  EXPECT_EQ(after["current-context"].as<std::string>(), "");
}

TEST(KubeconfigMerge, MalformedUserFileIsAnError) {
  auto bad_yaml = merge_kubeconfig("clusters: [unclosed", ours, "kelos-local");
  ASSERT_FALSE(bad_yaml);
  EXPECT_NE(bad_yaml.error().message.find("existing kubeconfig"), std::string::npos);
  auto not_list = merge_kubeconfig("clusters: {a: b}\n", ours, "kelos-local");
  ASSERT_FALSE(not_list);
  EXPECT_EQ(not_list.error().message, "existing kubeconfig: clusters is not a list");
  auto scalar = merge_kubeconfig("just text\n", ours, "kelos-local");
  ASSERT_FALSE(scalar);
  EXPECT_EQ(scalar.error().message, "existing kubeconfig: not a YAML mapping");
  auto missing = merge_kubeconfig("", ours, "other");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "local kubeconfig: no clusters entry named other");
}

class InstanceLock : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/kelos-lock-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(InstanceLock, SecondAcquireFailsWithThePidAndReleaseRemovesThePidFile) {
  auto lock_file = dir_ / "kelos.lock";
  auto pid_file = dir_ / "kelos.pid";
  EXPECT_FALSE(lock_is_held(lock_file));
  {
    auto first = instance_lock::acquire(lock_file, pid_file);
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_TRUE(first->write_pid());
    EXPECT_EQ(read_pid(pid_file), getpid());
    EXPECT_TRUE(lock_is_held(lock_file));
    auto second = instance_lock::acquire(lock_file, pid_file);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, kelos::errc::already_exists);
    EXPECT_NE(second.error().message.find("(pid " + std::to_string(getpid()) + ")"), std::string::npos);
  }
  EXPECT_FALSE(lock_is_held(lock_file));
  EXPECT_FALSE(std::filesystem::exists(pid_file));
}

TEST_F(InstanceLock, ALockDiesWithItsProcess) {
  auto lock_file = dir_ / "kelos.lock";
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto lock = instance_lock::acquire(lock_file, dir_ / "kelos.pid");
    char c = lock ? 'y' : 'n';
    [[maybe_unused]] auto n = write(ready[1], &c, 1);
    pause();
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y');
  EXPECT_TRUE(lock_is_held(lock_file));
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_FALSE(lock_is_held(lock_file));
  close(ready[0]);
  close(ready[1]);
}

TEST_F(InstanceLock, PrivateFilesAreWrittenWholeWithMode0600) {
  auto file = dir_ / "sub" / "kubeconfig";
  ASSERT_TRUE(write_private_file(file, "one"));
  ASSERT_TRUE(write_private_file(file, "two"));
  std::ifstream in{file};
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "two");
  struct stat st{};
  ASSERT_EQ(stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator{dir_ / "sub"}, {}), 1);
}

} // namespace
