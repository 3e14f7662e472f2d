// kubeconfig parsing, merging, overrides, auth kinds and error messages.

#include <gtest/gtest.h>

#include <regex>

#include "k8s/client/kubeconfig.hpp"
#include "k8s/kinds.hpp"
#include "tests/unit/client_config_test_support.hpp"

namespace {

using namespace kelos::k8s::client;
using kelos::errc;
using kelos::test::kubeconfig_fixture;
using kelos::test::slurp;
using kelos::test::temp_dir;

kelos::expected<rest_config> load_one(const std::string& path, kubeconfig_overrides o = {}) {
  return load_kubeconfig(kubeconfig_paths{{path}, true}, o);
}

// A small config with one context; `extra` is appended to the user block.
std::string token_config(const std::string& name, const std::string& server,
                         const std::string& token, const std::string& current = "") {
  std::string s = "apiVersion: v1\nkind: Config\n";
  if (!current.empty())
    s += "current-context: " + current + "\n";
  s += "clusters:\n- name: " + name + "\n  cluster:\n    server: " + server + "\n";
  s += "contexts:\n- name: " + name + "\n  context:\n    cluster: " + name + "\n    user: " + name +
       "\n";
  s += "users:\n- name: " + name + "\n  user:\n    token: " + token + "\n";
  return s;
}

TEST(ClientConfigKubeconfig, KindKubeconfigResolvesFully) {
  auto cfg = load_one(kubeconfig_fixture("kind.yaml"));
  ASSERT_TRUE(cfg) << cfg.error().render();
  EXPECT_EQ(cfg->server.scheme, "https");
  EXPECT_EQ(cfg->server.host, "127.0.0.1");
  EXPECT_EQ(cfg->server.port, 39405);
  EXPECT_EQ(cfg->server.base_path, "");
  EXPECT_TRUE(cfg->tls);
  EXPECT_FALSE(cfg->insecure_skip_tls_verify);
  EXPECT_EQ(cfg->ca_pem, slurp(kubeconfig_fixture("ca.crt")));
  EXPECT_EQ(cfg->client_cert_pem, slurp(kubeconfig_fixture("client.crt")));
  EXPECT_EQ(cfg->client_key_pem, slurp(kubeconfig_fixture("client.key")));
  EXPECT_EQ(cfg->tokens, nullptr);
  EXPECT_EQ(cfg->namespace_, "default");
  EXPECT_FALSE(cfg->namespace_explicit);
  EXPECT_NE(cfg->origin.find("kind-kelos"), std::string::npos);
}

TEST(ClientConfigKubeconfig, RelativePathsResolveAgainstTheDefiningFile) {
  // Load through a relative path from another working directory's point of view:
  // the files must still be found next to the kubeconfig.
  auto cfg = load_one(kubeconfig_fixture("relative.yaml"));
  ASSERT_TRUE(cfg) << cfg.error().render();
  EXPECT_EQ(cfg->ca_pem, slurp(kubeconfig_fixture("ca.crt")));
  EXPECT_EQ(cfg->client_cert_pem, slurp(kubeconfig_fixture("client.crt")));
  EXPECT_EQ(cfg->client_key_pem, slurp(kubeconfig_fixture("client.key")));
  EXPECT_EQ(cfg->server.host, "::1");
  EXPECT_EQ(cfg->server.port, 6443);
  EXPECT_EQ(cfg->server.base_path, "/prefix");
  EXPECT_EQ(cfg->server.authority(), "[::1]:6443");
  EXPECT_EQ(cfg->tls_server_name, "kubernetes.default.svc");
  EXPECT_EQ(cfg->namespace_, "team-a");
  EXPECT_TRUE(cfg->namespace_explicit);

  auto parsed = read_kubeconfig_file(kubeconfig_fixture("relative.yaml"));
  ASSERT_TRUE(parsed);
  const auto& user = parsed->users.at("files");
  EXPECT_TRUE(std::filesystem::path{user.client_certificate}.is_absolute());
  EXPECT_EQ(user.client_key, std::filesystem::path{kubeconfig_fixture("client.key")}
                                 .lexically_normal()
                                 .string());
}

TEST(ClientConfigKubeconfig, RelativePathsInATempDirIncludingTokenFileAndExecCommand) {
  temp_dir dir;
  dir.write("sub/creds/token", "file-token\n");
  dir.write("sub/ca.pem", slurp(kubeconfig_fixture("ca.crt")));
  std::string path = dir.write("sub/config", R"(
clusters:
- name: c
  cluster: {server: "https://10.0.0.1", certificate-authority: ca.pem}
contexts:
- name: c
  context: {cluster: c, user: u}
- name: e
  context: {cluster: c, user: exec}
current-context: c
users:
- name: u
  user: {tokenFile: creds/token}
- name: exec
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: ./bin/plugin}
- name: path-exec
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: kubectl-oidc}
)");
  auto cfg = load_one(path);
  ASSERT_TRUE(cfg) << cfg.error().render();
  EXPECT_EQ(cfg->server.port, 443);
  EXPECT_EQ(cfg->ca_pem, slurp(kubeconfig_fixture("ca.crt")));
  ASSERT_NE(cfg->tokens, nullptr);
  auto token = cfg->tokens->token();
  ASSERT_TRUE(token);
  EXPECT_EQ(*token, "file-token");

  auto parsed = read_kubeconfig_file(path);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->users.at("exec").exec->command, dir / "sub/bin/plugin");
  EXPECT_EQ(parsed->users.at("path-exec").exec->command, "kubectl-oidc"); // PATH lookup later
  EXPECT_EQ(parsed->users.at("u").token_file, dir / "sub/creds/token");
}

TEST(ClientConfigKubeconfig, MergeFirstFileWinsForEveryMapKeyAndCurrentContext) {
  temp_dir dir;
  // a: no current-context; defines "shared" (server A) and "only-a".
  std::string a = dir.write("a", token_config("shared", "https://a.example:1", "token-a") +
                                     "# extra\n");
  std::string b = dir.write("b", token_config("shared", "https://b.example:2", "token-b",
                                              "shared"));
  std::string c = dir.write("c", token_config("only-c", "https://c.example:3", "token-c",
                                              "only-c"));
  auto merged = read_kubeconfig(kubeconfig_paths{{a, b, c}, false});
  ASSERT_TRUE(merged) << merged.error().render();
  EXPECT_EQ(merged->current_context, "shared"); // from b: the first file that sets one
  EXPECT_EQ(merged->clusters.at("shared").server, "https://a.example:1");
  EXPECT_EQ(merged->users.at("shared").token, "token-a");
  EXPECT_EQ(merged->clusters.at("only-c").server, "https://c.example:3");
  ASSERT_EQ(merged->files.size(), 3u);

  auto cfg = resolve_kubeconfig(*merged);
  ASSERT_TRUE(cfg) << cfg.error().render();
  EXPECT_EQ(cfg->server.host, "a.example");
  EXPECT_EQ(*cfg->tokens->token(), "token-a");

  // Order matters: c first makes "only-c" current.
  auto reversed = read_kubeconfig(kubeconfig_paths{{c, b, a}, false});
  ASSERT_TRUE(reversed);
  EXPECT_EQ(reversed->current_context, "only-c");
  EXPECT_EQ(reversed->clusters.at("shared").server, "https://b.example:2");
}

TEST(ClientConfigKubeconfig, KubeconfigEnvListSkipsMissingFilesAndDeduplicates) {
  temp_dir dir;
  std::string a = dir.write("a", token_config("x", "https://x:1", "t", "x"));
  auto env = kelos::test::fake_env(
      {{"KUBECONFIG", dir / "missing" + "::" + a + ":" + a}, {"HOME", "/nonexistent"}});
  auto paths = kubeconfig_search_paths("", env);
  ASSERT_EQ(paths.files.size(), 2u);
  EXPECT_EQ(paths.files[0], dir / "missing");
  EXPECT_EQ(paths.files[1], a);
  EXPECT_FALSE(paths.explicit_file);
  auto cfg = load_kubeconfig(paths);
  ASSERT_TRUE(cfg) << cfg.error().render();
  EXPECT_EQ(cfg->server.host, "x");

  auto from_list = load_kubeconfig(std::vector<std::string>{dir / "missing", a});
  ASSERT_TRUE(from_list) << from_list.error().render();
  EXPECT_EQ(from_list->server.host, "x");

  auto none = load_kubeconfig(kubeconfig_paths{{dir / "missing"}, false});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, errc::invalid_config);
  EXPECT_NE(none.error().message.find(dir / "missing"), std::string::npos);
}

TEST(ClientConfigKubeconfig, ExplicitKubeconfigMustExistAndBeatsEnv) {
  temp_dir dir;
  auto env = kelos::test::fake_env({{"KUBECONFIG", "/somewhere/else"}, {"HOME", dir.path()}});
  auto paths = kubeconfig_search_paths(dir / "nope", env);
  ASSERT_EQ(paths.files.size(), 1u);
  EXPECT_TRUE(paths.explicit_file);
  auto cfg = load_kubeconfig(paths);
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().code, errc::invalid_config);
  EXPECT_NE(cfg.error().message.find(dir / "nope"), std::string::npos);
  EXPECT_NE(cfg.error().message.find("No such file"), std::string::npos);
}

TEST(ClientConfigKubeconfig, DefaultPathIsHomeKubeConfig) {
  temp_dir dir;
  dir.write(".kube/config", token_config("home", "https://home:7", "t", "home"));
  auto paths = kubeconfig_search_paths("", kelos::test::fake_env({{"HOME", dir.path()}}));
  ASSERT_EQ(paths.files.size(), 1u);
  EXPECT_EQ(paths.files[0], dir / ".kube/config");
  auto cfg = load_kubeconfig(paths);
  ASSERT_TRUE(cfg) << cfg.error().render();
  EXPECT_EQ(cfg->server.port, 7);
}

TEST(ClientConfigKubeconfig, OverridesTakePrecedence) {
  temp_dir dir;
  std::string path = dir.write("config", R"(
current-context: one
clusters:
- name: one
  cluster: {server: "https://one:1", certificate-authority-data: )" +
                                             kelos::k8s::base64_encode(slurp(
                                                 kubeconfig_fixture("ca.crt"))) +
                                             R"(}
- name: two
  cluster: {server: "http://two:2/api-prefix"}
contexts:
- name: one
  context: {cluster: one, user: one, namespace: ns-one}
- name: two
  context: {cluster: two, user: two, namespace: ns-two}
users:
- name: one
  user: {token: tok-one}
- name: two
  user: {token: tok-two}
)");
  auto base = load_one(path);
  ASSERT_TRUE(base) << base.error().render();
  EXPECT_EQ(base->namespace_, "ns-one");
  EXPECT_EQ(*base->tokens->token(), "tok-one");

  kubeconfig_overrides o;
  o.context = "two";
  auto two = load_one(path, o);
  ASSERT_TRUE(two) << two.error().render();
  EXPECT_EQ(two->server.scheme, "http");
  EXPECT_FALSE(two->tls);
  EXPECT_EQ(two->server.port, 2);
  EXPECT_EQ(two->server.base_path, "/api-prefix");
  EXPECT_EQ(two->namespace_, "ns-two");
  EXPECT_EQ(*two->tokens->token(), "tok-two");

  o.namespace_ = "flag-ns";
  o.user = "one";
  o.server = "https://override:9";
  o.user_agent = "kelos-test/1";
  auto mixed = load_one(path, o);
  ASSERT_TRUE(mixed) << mixed.error().render();
  EXPECT_EQ(mixed->namespace_, "flag-ns");
  EXPECT_EQ(*mixed->tokens->token(), "tok-one");
  EXPECT_EQ(mixed->server.host, "override");
  EXPECT_EQ(mixed->user_agent, "kelos-test/1");

  kubeconfig_overrides t;
  t.token = "flag-token";
  t.insecure_skip_tls_verify = true; // drops the configured CA, as kubectl does
  auto flagged = load_one(path, t);
  ASSERT_TRUE(flagged) << flagged.error().render();
  EXPECT_EQ(*flagged->tokens->token(), "flag-token");
  EXPECT_TRUE(flagged->insecure_skip_tls_verify);
  EXPECT_TRUE(flagged->ca_pem.empty());
}

TEST(ClientConfigKubeconfig, EveryAuthKind) {
  temp_dir dir;
  dir.write("token-file", "  from-file \n");
  std::string cert = slurp(kubeconfig_fixture("client.crt"));
  std::string key = slurp(kubeconfig_fixture("client.key"));
  std::string path = dir.write("config", R"(
clusters:
- name: c
  cluster: {server: "https://c:6443", insecure-skip-tls-verify: true}
contexts:
- {name: token, context: {cluster: c, user: token}}
- {name: token-file, context: {cluster: c, user: token-file}}
- {name: token-wins, context: {cluster: c, user: token-wins}}
- {name: cert-files, context: {cluster: c, user: cert-files}}
- {name: basic, context: {cluster: c, user: basic}}
- {name: exec, context: {cluster: c, user: exec}}
- {name: anonymous, context: {cluster: c}}
users:
- {name: token, user: {token: static-token}}
- {name: token-file, user: {tokenFile: token-file}}
- {name: token-wins, user: {token: inline, tokenFile: token-file}}
- name: cert-files
  user: {client-certificate: )" + kubeconfig_fixture("client.crt") +
                                             ", client-key: " + kubeconfig_fixture("client.key") +
                                             R"(}
- {name: basic, user: {username: admin, password: secret}}
- name: exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: /bin/true
      args: [a, "b c"]
      env: [{name: FOO, value: bar}]
      provideClusterInfo: true
      interactiveMode: Never
      installHint: install it
)");
  auto with = [&](const char* context) {
    kubeconfig_overrides o;
    o.context = context;
    return load_one(path, o);
  };
  auto token = with("token");
  ASSERT_TRUE(token) << token.error().render();
  EXPECT_TRUE(token->insecure_skip_tls_verify);
  EXPECT_EQ(*token->tokens->token(), "static-token");
  EXPECT_EQ(token->tokens->describe(), "static token");

  auto file = with("token-file");
  ASSERT_TRUE(file) << file.error().render();
  EXPECT_EQ(*file->tokens->token(), "from-file");
  EXPECT_NE(file->tokens->describe().find("token-file"), std::string::npos);

  auto wins = with("token-wins");
  ASSERT_TRUE(wins);
  EXPECT_EQ(*wins->tokens->token(), "inline");

  auto certs = with("cert-files");
  ASSERT_TRUE(certs) << certs.error().render();
  EXPECT_EQ(certs->client_cert_pem, cert);
  EXPECT_EQ(certs->client_key_pem, key);
  EXPECT_EQ(certs->tokens, nullptr);

  auto basic = with("basic");
  ASSERT_TRUE(basic);
  EXPECT_EQ(basic->username, "admin");
  EXPECT_EQ(basic->password, "secret");

  auto exec = with("exec");
  ASSERT_TRUE(exec) << exec.error().render();
  ASSERT_NE(exec->tokens, nullptr);
  EXPECT_NE(exec->tokens->describe().find("/bin/true"), std::string::npos);
  auto parsed = read_kubeconfig_file(path);
  ASSERT_TRUE(parsed);
  const auto& e = *parsed->users.at("exec").exec;
  EXPECT_EQ(e.api_version, "client.authentication.k8s.io/v1beta1");
  EXPECT_EQ(e.args, (std::vector<std::string>{"a", "b c"}));
  ASSERT_EQ(e.env.size(), 1u);
  EXPECT_EQ(e.env[0].name, "FOO");
  EXPECT_EQ(e.env[0].value, "bar");
  EXPECT_TRUE(e.provide_cluster_info);
  EXPECT_EQ(e.interactive_mode, "Never");
  EXPECT_EQ(e.install_hint, "install it");

  auto anon = with("anonymous");
  ASSERT_TRUE(anon) << anon.error().render();
  EXPECT_EQ(anon->tokens, nullptr);
  EXPECT_TRUE(anon->client_cert_pem.empty());
}

TEST(ClientConfigKubeconfig, MalformedYamlReportsFileLineAndColumn) {
  auto cfg = load_one(kubeconfig_fixture("malformed.yaml"));
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().code, errc::invalid_config);
  const auto& m = cfg.error().message;
  EXPECT_EQ(m.rfind(kubeconfig_fixture("malformed.yaml") + ":", 0), 0u) << m;
  EXPECT_NE(m.find("YAML error"), std::string::npos) << m;
  // The unclosed flow map opens on line 5; yaml-cpp notices it on line 6.
  EXPECT_TRUE(std::regex_search(m, std::regex{R"(\.yaml:[56]:[0-9]+: YAML error: )"})) << m;
}

TEST(ClientConfigKubeconfig, BadBase64NamesFileAndField) {
  auto cfg = load_one(kubeconfig_fixture("bad-base64.yaml"));
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().code, errc::invalid_config);
  EXPECT_EQ(cfg.error().message, kubeconfig_fixture("bad-base64.yaml") +
                                     ": users[1].user.client-certificate-data: not valid base64");
}

TEST(ClientConfigKubeconfig, MissingCertificateFileNamesFieldAndPath) {
  auto cfg = load_one(kubeconfig_fixture("missing-cert-file.yaml"));
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().code, errc::invalid_config);
  const auto& m = cfg.error().message;
  EXPECT_NE(m.find(kubeconfig_fixture("missing-cert-file.yaml") +
                   ": users[0].user.client-certificate: "),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("does-not-exist.crt"), std::string::npos) << m;
}

TEST(ClientConfigKubeconfig, UnknownExecApiVersionIsRejected) {
  auto cfg = load_one(kubeconfig_fixture("unknown-exec-api.yaml"));
  ASSERT_FALSE(cfg);
  EXPECT_EQ(cfg.error().code, errc::invalid_config);
  const auto& m = cfg.error().message;
  EXPECT_NE(m.find("users[0].user.exec.apiVersion: unsupported "
                   "\"client.authentication.k8s.io/v1alpha1\""),
            std::string::npos)
      << m;
}

TEST(ClientConfigKubeconfig, MissingContextClusterUserAndServer) {
  temp_dir dir;
  std::string path = dir.write("config", R"(
current-context: ghost
clusters:
- {name: no-server, cluster: {}}
- {name: ok, cluster: {server: "https://ok"}}
contexts:
- {name: bad-cluster, context: {cluster: nope, user: u}}
- {name: bad-user, context: {cluster: ok, user: nobody}}
- {name: no-server, context: {cluster: no-server}}
users:
- {name: u, user: {token: t}}
)");
  auto expect_error = [&](const char* context, const std::string& text) {
    kubeconfig_overrides o;
    o.context = context;
    auto cfg = load_one(path, o);
    ASSERT_FALSE(cfg) << context;
    EXPECT_EQ(cfg.error().code, errc::invalid_config);
    EXPECT_NE(cfg.error().message.find(text), std::string::npos) << cfg.error().message;
  };
  expect_error("", "context \"ghost\" not found in " + path);
  expect_error("kind-kelos", "context \"kind-kelos\" not found in " + path);
  expect_error("bad-cluster", "cluster \"nope\" (context \"bad-cluster\") not found in " + path);
  expect_error("bad-user", "user \"nobody\" (context \"bad-user\") not found in " + path);
  expect_error("no-server", path + ": clusters[0].cluster.server: cluster \"no-server\" "
                                   "(context \"no-server\") has no server");
}

TEST(ClientConfigKubeconfig, StructuralErrorsNameTheField) {
  temp_dir dir;
  auto first_error = [&](const std::string& text) {
    auto cfg = load_one(dir.write("config", text));
    return cfg ? std::string{"(loaded)"} : cfg.error().message;
  };
  const std::string p = dir / "config";
  EXPECT_EQ(first_error("clusters: {a: b}\n"), p + ": clusters: expected a list");
  EXPECT_EQ(first_error("- a\n- b\n"), p + ": expected a map at the top level");
  EXPECT_EQ(first_error("clusters:\n- cluster: {server: x}\n"), p + ": clusters[0].name: required");
  EXPECT_EQ(first_error("clusters:\n- {name: c, cluster: {insecure-skip-tls-verify: maybe}}\n"),
            p + ": clusters[0].cluster.insecure-skip-tls-verify: expected true or false");
  EXPECT_EQ(first_error("users:\n- {name: u, user: {token: [a]}}\n"),
            p + ": users[0].user.token: expected a string");
  EXPECT_EQ(first_error("users:\n- {name: u, user: {exec: {command: x, env: [1]}}}\n"),
            p + ": users[0].user.exec.env[0]: expected a map with name and value");
  // An empty file is an empty config; with no context to use, that is the error.
  auto empty = first_error("");
  EXPECT_NE(empty.find("no current-context"), std::string::npos) << empty;
}

TEST(ClientConfigKubeconfig, CertificateWithoutKeyAndNonPemDataAreErrors) {
  temp_dir dir;
  std::string cert_b64 = kelos::k8s::base64_encode(slurp(kubeconfig_fixture("client.crt")));
  std::string base = "current-context: c\nclusters:\n- {name: c, cluster: {server: "
                     "\"https://c\"}}\ncontexts:\n- {name: c, context: {cluster: c, user: u}}\n";
  auto half = load_one(dir.write("half", base + "users:\n- {name: u, user: "
                                                "{client-certificate-data: " +
                                            cert_b64 + "}}\n"));
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error().message,
            dir / "half" + ": users[0].user: client-certificate needs client-key");

  auto not_pem = load_one(dir.write("notpem", base + "users:\n- {name: u, user: "
                                                     "{client-certificate-data: " +
                                                  kelos::k8s::base64_encode("hello") +
                                                  ", client-key-data: " + cert_b64 + "}}\n"));
  ASSERT_FALSE(not_pem);
  EXPECT_EQ(not_pem.error().message,
            dir / "notpem" + ": users[0].user.client-certificate-data: not PEM data");

  auto both = load_one(dir.write(
      "both", "current-context: c\nclusters:\n- {name: c, cluster: {server: \"https://c\", "
              "insecure-skip-tls-verify: true, certificate-authority-data: " +
                  kelos::k8s::base64_encode(slurp(kubeconfig_fixture("ca.crt"))) +
                  "}}\ncontexts:\n- {name: c, context: {cluster: c}}\n"));
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message.find("clusters[0].cluster.insecure-skip-tls-verify"),
            std::string::npos)
      << both.error().message;
}

TEST(ClientConfigKubeconfig, AuthProviderIsRejectedWithAHint) {
  temp_dir dir;
  auto cfg = load_one(dir.write("config", R"(
current-context: c
clusters: [{name: c, cluster: {server: "https://c"}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
users: [{name: u, user: {auth-provider: {name: gcp, config: {}}}}]
)"));
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().message.find("users[0].user.auth-provider: auth provider \"gcp\""),
            std::string::npos)
      << cfg.error().message;
  EXPECT_NE(cfg.error().message.find("exec"), std::string::npos);
}

} // namespace
