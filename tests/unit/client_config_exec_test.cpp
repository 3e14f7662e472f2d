// Exec credential plugins: small shell scripts written to a temp dir at test time.

#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <atomic>
#include <thread>
#include <vector>

#include "k8s/client/exec_credential.hpp"
#include "k8s/client/kubeconfig.hpp"
#include "k8s/json.hpp"
#include "k8s/kinds.hpp"
#include "tests/unit/client_config_test_support.hpp"

namespace {

using namespace kelos::k8s::client;
using kelos::errc;
using kelos::k8s::json;
using kelos::test::kubeconfig_fixture;
using kelos::test::slurp;
using kelos::test::temp_dir;

constexpr const char* v1 = "client.authentication.k8s.io/v1";

// A plugin that counts its runs in <dir>/count and prints a token valid for
// `lifetime` (a GNU date offset such as "+1 second"), with nanoseconds.
std::string counting_plugin(const temp_dir& dir, const std::string& lifetime) {
  return dir.write("plugin.sh", R"(#!/bin/sh
echo x >> ")" + dir.path() + R"(/count"
n=$(wc -l < ")" + dir.path() + R"(/count")
exp=$(date -u -d ')" + lifetime + R"(' +%Y-%m-%dT%H:%M:%S.%NZ)
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-%s","expirationTimestamp":"%s"}}' "$n" "$exp"
)",
                   0755);
}

size_t runs(const temp_dir& dir) {
  auto text = slurp(dir / "count");
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// A killed orphan may linger as a zombie if init is slow to reap it; that counts as dead.
bool is_zombie(pid_t pid) {
  auto stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

exec_config config_for(const std::string& command) {
  exec_config c;
  c.command = command;
  c.api_version = v1;
  return c;
}

TEST(ClientConfigExec, CachesUntilExpiryThenRunsAgain) {
  temp_dir dir;
  exec_options options;
  options.refresh_margin = std::chrono::milliseconds(100);
  auto source = make_exec_token_source(config_for(counting_plugin(dir, "+1 second")), {}, options);
  auto first = source->current();
  ASSERT_TRUE(first) << first.error().render();
  EXPECT_EQ(first->token, "token-1");
  ASSERT_TRUE(first->expiry.has_value());
  EXPECT_EQ(*source->token(), "token-1"); // cached
  EXPECT_EQ(source->cached_token(), "token-1");
  EXPECT_EQ(runs(dir), 1u);

  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_FALSE(source->cached_token()) << "due for refresh: only token() may run the plugin";
  auto second = source->token();
  ASSERT_TRUE(second) << second.error().render();
  EXPECT_EQ(*second, "token-2");
  EXPECT_EQ(runs(dir), 2u);
}

TEST(ClientConfigExec, FailedRefreshServesTheStillValidCredentialWithBackoff) {
  temp_dir dir;
  // First run: a token valid for 6 s. Later runs fail.
  std::string plugin = dir.write("flaky.sh", "#!/bin/sh\nc=\"" + dir.path() + R"sh(/count"
echo x >> "$c"
n=$(wc -l < "$c")
if [ "$n" -gt 1 ]; then echo 'idp down' >&2; exit 1; fi
exp=$(date -u -d '+6 second' +%Y-%m-%dT%H:%M:%S.%NZ)
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"old","expirationTimestamp":"%s"}}' "$exp"
)sh",
                                 0755);
  exec_options options; // margin min(10 s, 3 s): refresh starts 3 s before expiry
  options.failed_refresh_backoff = std::chrono::seconds(60);
  auto source = make_exec_token_source(config_for(plugin), {}, options);
  EXPECT_EQ(*source->token(), "old");
  std::this_thread::sleep_for(std::chrono::milliseconds(3300));
  auto during = source->token(); // refresh fails; the old token is still valid
  ASSERT_TRUE(during) << during.error().render();
  EXPECT_EQ(*during, "old");
  EXPECT_EQ(runs(dir), 2u);
  EXPECT_EQ(*source->token(), "old"); // backoff: no new run
  EXPECT_EQ(runs(dir), 2u);
  source->invalidate(); // after a 401 the old token is useless: the failure surfaces
  auto after = source->token();
  ASSERT_FALSE(after);
  EXPECT_NE(after.error().message.find("idp down"), std::string::npos);
}

TEST(ClientConfigExec, InvalidateForcesANewRunAndNoExpiryCachesForever) {
  temp_dir dir;
  std::string plugin = dir.write("plugin.sh", R"(#!/bin/sh
echo x >> ")" + dir.path() + R"(/count"
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"forever"}}'
)",
                                 0755);
  auto source = make_exec_token_source(config_for(plugin), {});
  EXPECT_FALSE(source->cached_token()) << "the plugin has not run";
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(*source->token(), "forever");
  EXPECT_EQ(source->cached_token(), "forever");
  EXPECT_EQ(runs(dir), 1u);
  source->invalidate(); // e.g. after a 401
  EXPECT_FALSE(source->cached_token());
  EXPECT_EQ(*source->token(), "forever");
  EXPECT_EQ(runs(dir), 2u);
}

TEST(ClientConfigExec, ConcurrentCallersShareOneRun) {
  temp_dir dir;
  auto source = make_exec_token_source(config_for(counting_plugin(dir, "+1 hour")), {});
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      if (auto t = source->token(); t && *t == "token-1")
        ++good;
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(good.load(), 4);
  EXPECT_EQ(runs(dir), 1u);
}

TEST(ClientConfigExec, FailingPluginReportsCommandExitStatusAndStderr) {
  temp_dir dir;
  std::string plugin = dir.write("fail.sh", "#!/bin/sh\necho 'some progress' >&2\n"
                                            "echo 'error: refresh token expired' >&2\nexit 1\n",
                                 0755);
  auto r = run_exec_plugin(config_for(plugin), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::exec_plugin_failed);
  const auto& m = r.error().message;
  EXPECT_NE(m.find("exec plugin \"" + plugin + "\""), std::string::npos) << m;
  EXPECT_NE(m.find("exit status 1"), std::string::npos) << m;
  EXPECT_NE(m.find("error: refresh token expired"), std::string::npos) << m;
}

TEST(ClientConfigExec, HangingPluginIsKilledAfterTheTimeout) {
  temp_dir dir;
  // The plugin's own child (sleep) must die too: it runs in the plugin's process group.
  std::string plugin = dir.write("hang.sh", "#!/bin/sh\necho 'waiting for browser' >&2\n"
                                            "sleep 30 &\necho $! > \"" + dir.path() +
                                                "/child\"\nwait\necho '{}'\n",
                                 0755);
  exec_options options;
  options.timeout = std::chrono::milliseconds(300);
  auto start = std::chrono::steady_clock::now();
  auto r = run_exec_plugin(config_for(plugin), {}, options);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::timeout);
  EXPECT_NE(r.error().message.find(plugin), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("waiting for browser"), std::string::npos);
  EXPECT_LT(took, std::chrono::seconds(10));
  pid_t child = static_cast<pid_t>(std::stol(slurp(dir / "child")));
  ASSERT_GT(child, 1);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) { // bounded: up to 2 s for the kernel to reap it
    gone = (::kill(child, 0) != 0 && errno == ESRCH) || is_zombie(child);
    if (!gone)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone) << "sleep child " << child << " survived the timeout";
}

TEST(ClientConfigExec, MissingCommandMentionsInstallHint) {
  auto c = config_for("kelos-no-such-plugin-xyz");
  c.install_hint = "Install it with: apt-get install kelos-plugin";
  auto r = run_exec_plugin(c, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::exec_plugin_failed);
  EXPECT_NE(r.error().message.find("kelos-no-such-plugin-xyz"), std::string::npos);
  EXPECT_NE(r.error().message.find("apt-get install kelos-plugin"), std::string::npos);
}

TEST(ClientConfigExec, PassesArgvEnvAndExecInfoWithoutAShell) {
  temp_dir dir;
  std::string plugin = dir.write("env.sh", R"(#!/bin/sh
printf '%s\n' "$1" "$2" "$FOO" "$KUBERNETES_EXEC_INFO" > ")" + dir.path() + R"(/seen"
echo '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}'
)",
                                 0755);
  exec_config c = config_for(plugin);
  c.api_version = "client.authentication.k8s.io/v1beta1";
  c.args = {"two words", "$(touch " + dir.path() + "/pwned);`x`"};
  c.env = {{"FOO", "bar baz"}};
  c.provide_cluster_info = true;
  exec_cluster_info cluster{"https://127.0.0.1:6443", slurp(kubeconfig_fixture("ca.crt")), false,
                            "kube.local"};
  auto r = run_exec_plugin(c, cluster);
  ASSERT_TRUE(r) << r.error().render();
  EXPECT_EQ(r->token, "t");

  auto seen = slurp(dir / "seen");
  std::vector<std::string> lines;
  for (size_t start = 0, end; (end = seen.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(seen.substr(start, end - start));
  ASSERT_EQ(lines.size(), 4u) << seen;
  EXPECT_EQ(lines[0], "two words");
  EXPECT_EQ(lines[1], c.args[1]);
  EXPECT_EQ(lines[2], "bar baz");
  EXPECT_FALSE(std::filesystem::exists(dir / "pwned"));
  auto info = json::parse(lines[3]);
  EXPECT_EQ(info["kind"], "ExecCredential");
  EXPECT_EQ(info["apiVersion"], "client.authentication.k8s.io/v1beta1");
  EXPECT_EQ(info["spec"]["interactive"], false);
  EXPECT_EQ(info["spec"]["cluster"]["server"], "https://127.0.0.1:6443");
  EXPECT_EQ(info["spec"]["cluster"]["tls-server-name"], "kube.local");
  EXPECT_EQ(info["spec"]["cluster"]["certificate-authority-data"],
            kelos::k8s::base64_encode(slurp(kubeconfig_fixture("ca.crt"))));
}

TEST(ClientConfigExec, ClientCertificateCredential) {
  temp_dir dir;
  json status = {{"clientCertificateData", slurp(kubeconfig_fixture("client.crt"))},
                 {"clientKeyData", slurp(kubeconfig_fixture("client.key"))},
                 {"expirationTimestamp", "2099-01-01T00:00:00Z"}};
  json out = {{"apiVersion", v1}, {"kind", "ExecCredential"}, {"status", status}};
  dir.write("cred.json", out.dump());
  std::string plugin =
      dir.write("cert.sh", "#!/bin/sh\ncat \"" + dir.path() + "/cred.json\"\n", 0755);
  auto source = make_exec_token_source(config_for(plugin), {});
  auto c = source->current();
  ASSERT_TRUE(c) << c.error().render();
  EXPECT_EQ(c->client_cert_pem, slurp(kubeconfig_fixture("client.crt")));
  EXPECT_EQ(c->client_key_pem, slurp(kubeconfig_fixture("client.key")));
  EXPECT_TRUE(c->token.empty());
  EXPECT_EQ(*source->token(), "");
}

TEST(ClientConfigExec, InvalidOutputIsRejectedWithoutQuotingIt) {
  exec_config c = config_for("/usr/bin/plugin");
  auto expect_bad = [&](const std::string& output, const std::string& text) {
    auto r = parse_exec_credential(output, c);
    ASSERT_FALSE(r) << output;
    EXPECT_EQ(r.error().code, errc::exec_plugin_failed);
    EXPECT_NE(r.error().message.find(text), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("/usr/bin/plugin"), std::string::npos);
    EXPECT_EQ(r.error().message.find("secret-token"), std::string::npos) << r.error().message;
  };
  expect_bad("secret-token", "not valid JSON");
  expect_bad(R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential",
                 "status":{"token":"secret-token"}})",
             "apiVersion");
  expect_bad(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"Other",
                 "status":{"token":"secret-token"}})",
             "kind");
  expect_bad(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"})",
             "no status");
  expect_bad(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
                 "status":{}})",
             "neither status.token");
  expect_bad(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
                 "status":{"clientCertificateData":"-----BEGIN CERTIFICATE-----"}})",
             "set together");
  expect_bad(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
                 "status":{"token":"secret-token","expirationTimestamp":"tomorrow"}})",
             "expirationTimestamp");
  auto ok = parse_exec_credential(
      R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",
          "status":{"token":"secret-token","expirationTimestamp":"2030-01-02T03:04:05Z"}})",
      c);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->token, "secret-token");
  EXPECT_EQ(kelos::k8s::format_time(*ok->expiry), "2030-01-02T03:04:05Z");
}

TEST(ClientConfigExec, KubeconfigExecUserRunsARelativePluginWithClusterInfo) {
  temp_dir dir;
  dir.write("bin/plugin", R"(#!/bin/sh
echo "$KUBERNETES_EXEC_INFO" > "$OUT"
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-plugin"}}'
)",
            0755);
  std::string path = dir.write("config", R"(
current-context: c
clusters: [{name: c, cluster: {server: "https://10.1.2.3:6443", insecure-skip-tls-verify: true}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/plugin
      env: [{name: OUT, value: ")" + dir.path() + R"(/info.json"}]
      provideClusterInfo: true
      interactiveMode: IfAvailable
)");
  auto cfg = load_kubeconfig(kubeconfig_paths{{path}, true});
  ASSERT_TRUE(cfg) << cfg.error().render();
  auto token = cfg->tokens->token();
  ASSERT_TRUE(token) << token.error().render();
  EXPECT_EQ(*token, "from-plugin");
  auto info = json::parse(slurp(dir / "info.json"));
  EXPECT_EQ(info["spec"]["cluster"]["server"], "https://10.1.2.3:6443");
  EXPECT_EQ(info["spec"]["cluster"]["insecure-skip-tls-verify"], true);
}

TEST(ClientConfigExec, ExecInfoOmitsClusterUnlessAsked) {
  exec_config c = config_for("/bin/true");
  exec_cluster_info cluster{"https://h", "", true, ""};
  auto plain = json::parse(make_exec_info(c, cluster));
  EXPECT_EQ(plain["apiVersion"], v1);
  EXPECT_EQ(plain["spec"]["interactive"], false);
  EXPECT_FALSE(plain["spec"].contains("cluster"));
  c.provide_cluster_info = true;
  auto with = json::parse(make_exec_info(c, cluster));
  EXPECT_EQ(with["spec"]["cluster"]["server"], "https://h");
  EXPECT_EQ(with["spec"]["cluster"]["insecure-skip-tls-verify"], true);
  EXPECT_FALSE(with["spec"]["cluster"].contains("certificate-authority-data"));
}

TEST(ClientConfigExec, InteractiveAlwaysIsRefused) {
  auto c = config_for("/bin/true");
  c.interactive_mode = "Always";
  auto r = run_exec_plugin(c, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("interactive"), std::string::npos);
  c.interactive_mode = "Never";
  c.api_version = "client.authentication.k8s.io/v1alpha1";
  auto old = run_exec_plugin(c, {});
  ASSERT_FALSE(old);
  EXPECT_NE(old.error().message.find("v1alpha1"), std::string::npos);
}

} // namespace
