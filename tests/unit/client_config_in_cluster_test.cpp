// In-cluster configuration (env and service-account files faked in a temp dir), token
// files, server URLs and the choice between kubeconfig and in-cluster.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "k8s/client/in_cluster.hpp"
#include "k8s/client/kubeconfig.hpp"
#include "tests/unit/client_config_test_support.hpp"

namespace {

using namespace kelos::k8s::client;
using kelos::errc;
using kelos::test::fake_env;
using kelos::test::kubeconfig_fixture;
using kelos::test::slurp;
using kelos::test::temp_dir;

const std::string sa = "var/run/secrets/kubernetes.io/serviceaccount/";

// Replaces a file the way kubelet rotates projected tokens: write aside, then rename.
void replace_atomically(const temp_dir& dir, const std::string& rel, const std::string& content) {
  std::string tmp = dir.write(rel + ".tmp", content);
  ASSERT_EQ(std::rename(tmp.c_str(), (dir / rel).c_str()), 0);
}

TEST(ClientConfigInCluster, ResolvesServerTokenCaAndNamespace) {
  temp_dir root;
  root.write(sa + "token", "sa-token-1\n");
  root.write(sa + "ca.crt", slurp(kubeconfig_fixture("ca.crt")));
  root.write(sa + "namespace", "kelos-system\n");
  auto env = fake_env({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                       {"KUBERNETES_SERVICE_PORT", "443"}});
  auto cfg = load_in_cluster(env, root.path());
  ASSERT_TRUE(cfg) << cfg.error().render();
  EXPECT_EQ(cfg->server.to_string(), "https://10.96.0.1:443");
  EXPECT_TRUE(cfg->tls);
  EXPECT_EQ(cfg->ca_pem, slurp(kubeconfig_fixture("ca.crt")));
  EXPECT_EQ(cfg->namespace_, "kelos-system");
  EXPECT_TRUE(cfg->namespace_explicit);
  EXPECT_EQ(cfg->origin, "in-cluster");
  ASSERT_NE(cfg->tokens, nullptr);
  EXPECT_EQ(*cfg->tokens->token(), "sa-token-1");
}

TEST(ClientConfigInCluster, TokenRotationIsObserved) {
  temp_dir root;
  root.write(sa + "token", "first");
  auto env = fake_env({{"KUBERNETES_SERVICE_HOST", "10.0.0.1"},
                       {"KUBERNETES_SERVICE_PORT", "6443"}});
  auto cfg = load_in_cluster(env, root.path() + "/");
  ASSERT_TRUE(cfg) << cfg.error().render();
  EXPECT_EQ(*cfg->tokens->token(), "first");
  EXPECT_EQ(*cfg->tokens->token(), "first");

  replace_atomically(root, sa + "token", "second");
  EXPECT_EQ(*cfg->tokens->token(), "second");

  // In-place rewrite with a different length (size changes even within one mtime tick).
  root.write(sa + "token", "third-token");
  EXPECT_EQ(*cfg->tokens->token(), "third-token");

  // A rotation half-way (file briefly missing) keeps the last good token.
  ASSERT_EQ(std::remove((root / (sa + "token")).c_str()), 0);
  EXPECT_EQ(*cfg->tokens->token(), "third-token");
  root.write(sa + "token", "fourth");
  EXPECT_EQ(*cfg->tokens->token(), "fourth");
}

TEST(ClientConfigInCluster, Ipv6HostIsBracketedAndNamespaceDefaults) {
  temp_dir root;
  root.write(sa + "token", "t");
  auto cfg = load_in_cluster(
      fake_env({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "443"}}),
      root.path());
  ASSERT_TRUE(cfg) << cfg.error().render();
  EXPECT_EQ(cfg->server.host, "fd00::1");
  EXPECT_EQ(cfg->server.authority(), "[fd00::1]:443");
  EXPECT_EQ(cfg->namespace_, "default");
  EXPECT_FALSE(cfg->namespace_explicit);
  EXPECT_TRUE(cfg->ca_pem.empty()); // no ca.crt: system roots, as client-go
}

TEST(ClientConfigInCluster, PodNamespaceEnvBeatsTheFile) {
  temp_dir root;
  root.write(sa + "token", "t");
  root.write(sa + "namespace", "from-file");
  auto cfg = load_in_cluster(fake_env({{"KUBERNETES_SERVICE_HOST", "h"},
                                       {"KUBERNETES_SERVICE_PORT", "1"},
                                       {"POD_NAMESPACE", "from-env"}}),
                             root.path());
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->namespace_, "from-env");
}

TEST(ClientConfigInCluster, MissingEnvOrTokenOrBadCaIsAnError) {
  temp_dir root;
  auto no_env = load_in_cluster(fake_env({{"KUBERNETES_SERVICE_HOST", "h"}}), root.path());
  ASSERT_FALSE(no_env);
  EXPECT_EQ(no_env.error().code, errc::invalid_config);
  EXPECT_NE(no_env.error().message.find("KUBERNETES_SERVICE_PORT"), std::string::npos);

  auto env = fake_env({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "1"}});
  auto no_token = load_in_cluster(env, root.path());
  ASSERT_FALSE(no_token);
  EXPECT_EQ(no_token.error().code, errc::invalid_config);
  EXPECT_NE(no_token.error().message.find(root / (sa + "token")), std::string::npos)
      << no_token.error().message;

  root.write(sa + "token", "t");
  root.write(sa + "ca.crt", "garbage");
  auto bad_ca = load_in_cluster(env, root.path());
  ASSERT_FALSE(bad_ca);
  EXPECT_NE(bad_ca.error().message.find("ca.crt: not PEM data"), std::string::npos)
      << bad_ca.error().message;

  auto bad_port = load_in_cluster(
      fake_env({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "http"}}),
      root.path());
  ASSERT_FALSE(bad_port);
  EXPECT_NE(bad_port.error().message.find("invalid port"), std::string::npos);
}

// Rewrites a file in place with same-size content and restores its mtime, so that
// stat() shows nothing changed (same inode, size and mtime).
void rewrite_unnoticed(const std::string& path, const std::string& content) {
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  std::FILE* f = std::fopen(path.c_str(), "r+");
  ASSERT_NE(f, nullptr);
  std::fputs(content.c_str(), f);
  std::fclose(f);
  timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

TEST(ClientConfigTokenFile, ReReadsAfterMaxAgeAndInvalidate) {
  temp_dir dir;
  std::string path = dir.write("token", "aaaa");
  auto fast = make_file_token_source(path, {std::chrono::milliseconds(50)});
  auto slow = make_file_token_source(path, {std::chrono::hours(1)});
  EXPECT_EQ(*fast->token(), "aaaa");
  EXPECT_EQ(*slow->token(), "aaaa");
  rewrite_unnoticed(path, "bbbb");
  EXPECT_EQ(*slow->token(), "aaaa"); // cached: the file looks unchanged
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_EQ(*fast->token(), "bbbb"); // max_age passed
  EXPECT_EQ(*slow->token(), "aaaa");
  slow->invalidate();
  EXPECT_EQ(*slow->token(), "bbbb");

  auto missing = make_file_token_source(dir / "nope");
  auto err = missing->token();
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().code, errc::io_error);
  EXPECT_NE(err.error().message.find(dir / "nope"), std::string::npos);

  auto empty = make_file_token_source(dir.write("empty", "\n"));
  ASSERT_FALSE(empty->token());
}

TEST(ClientConfigTokenFile, CachedTokenIsServedOnlyWithinTheCheckInterval) {
  temp_dir dir;
  std::string path = dir.write("token", "aaaa");
  auto source = make_file_token_source(path, {std::chrono::hours(1), std::chrono::milliseconds(200)});
  EXPECT_FALSE(source->cached_token()) << "nothing read yet";
  EXPECT_EQ(*source->token(), "aaaa");
  EXPECT_EQ(source->cached_token(), "aaaa");
  dir.write("token", "bbbbbb");
  EXPECT_EQ(source->cached_token(), "aaaa") << "within the interval the file is not looked at";
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_FALSE(source->cached_token()) << "the interval passed: the file must be looked at";
  EXPECT_EQ(*source->token(), "bbbbbb");
  EXPECT_EQ(source->cached_token(), "bbbbbb");
  source->invalidate();
  EXPECT_FALSE(source->cached_token()) << "after a 401 the file is read again";

  auto every_time = make_file_token_source(path, {std::chrono::hours(1), std::chrono::milliseconds(0)});
  EXPECT_EQ(*every_time->token(), "bbbbbb");
  EXPECT_FALSE(every_time->cached_token());

  EXPECT_EQ(make_static_token_source("static")->cached_token(), "static");
}

TEST(ClientConfigTokenFile, ConcurrentCallersSeeAToken) {
  temp_dir dir;
  std::string path = dir.write("token", "shared");
  auto source = make_file_token_source(path, {std::chrono::milliseconds(0)});
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < 200; ++j)
        if (auto t = source->token(); t && *t == "shared")
          ++good;
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(good.load(), 800);
}

TEST(ClientConfigServerUrl, ParsesHostsPortsAndPrefixes) {
  struct row {
    const char* text;
    const char* scheme;
    const char* host;
    uint16_t port;
    const char* base;
  };
  for (const auto& r : std::vector<row>{
           {"https://127.0.0.1:6443", "https", "127.0.0.1", 6443, ""},
           {"https://example.com", "https", "example.com", 443, ""},
           {"http://example.com", "http", "example.com", 80, ""},
           {"HTTPS://Example.com:8443/", "https", "Example.com", 8443, ""},
           {"https://[::1]:6443", "https", "::1", 6443, ""},
           {"https://[fe80::1]", "https", "fe80::1", 443, ""},
           {"https://rancher/k8s/clusters/c-1/", "https", "rancher", 443, "/k8s/clusters/c-1"},
           {"10.0.0.1:6443", "https", "10.0.0.1", 6443, ""},
       }) {
    auto u = parse_server_url(r.text);
    ASSERT_TRUE(u) << r.text << ": " << u.error().render();
    EXPECT_EQ(u->scheme, r.scheme) << r.text;
    EXPECT_EQ(u->host, r.host) << r.text;
    EXPECT_EQ(u->port, r.port) << r.text;
    EXPECT_EQ(u->base_path, r.base) << r.text;
  }
  EXPECT_EQ(parse_server_url("https://[::1]:6443/x")->to_string(), "https://[::1]:6443/x");
  for (const char* bad : {"ftp://h", "https://", "https://:80", "https://h:0", "https://h:65536",
                          "https://h:x", "https://::1:6443", "https://[::1", "https://u@h",
                          "https://h/?q=1", "https://h:"}) {
    auto u = parse_server_url(bad);
    ASSERT_FALSE(u) << bad;
    EXPECT_EQ(u.error().code, errc::invalid_config);
    EXPECT_NE(u.error().message.find(bad), std::string::npos) << u.error().message;
  }
}

TEST(ClientConfigLoad, PrefersKubeconfigFlagThenEnvThenInClusterThenHome) {
  temp_dir dir;
  dir.write(sa + "token", "sa");
  auto write_config = [&](const std::string& rel, const std::string& server) {
    return dir.write(rel, "current-context: c\nclusters: [{name: c, cluster: {server: \"" + server +
                              "\"}}]\ncontexts: [{name: c, context: {cluster: c}}]\n");
  };
  std::string flag = write_config("flag", "https://flag");
  std::string envcfg = write_config("env", "https://env");
  write_config(".kube/config", "https://home");
  std::map<std::string, std::string> vars{{"HOME", dir.path()},
                                          {"KUBECONFIG", envcfg},
                                          {"KUBERNETES_SERVICE_HOST", "10.0.0.1"},
                                          {"KUBERNETES_SERVICE_PORT", "443"}};
  load_options o;
  o.in_cluster_root = dir.path();
  o.kubeconfig_path = flag;
  o.env = fake_env(vars);
  EXPECT_EQ(load_rest_config(o)->server.host, "flag");
  o.kubeconfig_path.clear();
  EXPECT_EQ(load_rest_config(o)->server.host, "env");
  vars.erase("KUBECONFIG");
  o.env = fake_env(vars);
  o.namespace_ = "ns-flag";
  auto in_cluster = load_rest_config(o);
  ASSERT_TRUE(in_cluster) << in_cluster.error().render();
  EXPECT_EQ(in_cluster->server.host, "10.0.0.1");
  EXPECT_EQ(in_cluster->namespace_, "ns-flag");
  vars.erase("KUBERNETES_SERVICE_HOST");
  o.env = fake_env(vars);
  auto home = load_rest_config(o);
  ASSERT_TRUE(home) << home.error().render();
  EXPECT_EQ(home->server.host, "home");
  EXPECT_EQ(home->namespace_, "ns-flag");
}

} // namespace
