#include "actors/node/image_map.hpp"
#include "actors/node/pod_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace kelos::node {
namespace {

using k8s::json;

const image_map_vars vars{"/opt/kelos/agents", "/opt/kelos/bin/kelos-capture"};

image_map builtin() {
  auto m = parse_image_map(builtin_image_map_text(), std::string{builtin_image_map_source}, vars);
  EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().render());
  return m ? *m : image_map{};
}

// ---------------------------------------------------------------- image map

TEST(node_image_map, the_builtin_map_covers_the_git_helper_the_demo_agent_and_every_agent_type) {
  auto m = builtin();
  struct row {
    const char* image;
    const char* entrypoint0;
    const char* required;
  };
  for (auto r : {row{"alpine/git:v2.47.2", "git", ""},
                 row{"ghcr.io/kelos-dev/kelos-demo-agent:latest", "/kelos_entrypoint.sh", ""},
                 row{"ghcr.io/kelos-dev/claude-code:v1", "/kelos_entrypoint.sh", "claude"},
                 row{"ghcr.io/kelos-dev/codex:latest", "/kelos_entrypoint.sh", "codex"},
                 row{"ghcr.io/kelos-dev/gemini:latest", "/kelos_entrypoint.sh", "gemini"},
                 row{"ghcr.io/kelos-dev/opencode:latest", "/kelos_entrypoint.sh", "opencode"},
                 row{"ghcr.io/kelos-dev/cursor:latest", "/kelos_entrypoint.sh", "cursor-agent"}}) {
    SCOPED_TRACE(r.image);
    const auto* e = find_image(m, r.image);
    ASSERT_NE(e, nullptr);
    ASSERT_FALSE(e->entrypoint.empty());
    EXPECT_EQ(e->entrypoint[0], r.entrypoint0);
    if (*r.required) {
      ASSERT_EQ(e->requires_commands.size(), 1u);
      EXPECT_EQ(e->requires_commands[0].command, r.required);
      EXPECT_EQ(e->requires_commands[0].message.rfind(std::string{"agent CLI "} + r.required + " not found on this machine", 0),
                0u)
        << e->requires_commands[0].message;
      EXPECT_EQ(e->files.at("/kelos/kelos-capture"), "/opt/kelos/bin/kelos-capture");
    }
  }
  EXPECT_EQ(find_image(m, "ghcr.io/kelos-dev/kelos-demo-agent:latest")->files.at("/kelos_entrypoint.sh"),
            "/opt/kelos/agents/demo/kelos_entrypoint.sh");
  EXPECT_EQ(find_image(m, "ghcr.io/kelos-dev/codex:latest")->files.at("/kelos_entrypoint.sh"),
            "/opt/kelos/agents/codex/kelos_entrypoint.sh");
  EXPECT_EQ(find_image(m, "busybox:1"), nullptr);
}

TEST(node_image_map, unconfigured_variables_stay_verbatim) {
  auto m = parse_image_map(builtin_image_map_text(), "b", image_map_vars{});
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(find_image(*m, "ghcr.io/kelos-dev/codex:1")->files.at("/kelos/kelos-capture"), "${KELOS_CAPTURE}");
}

TEST(node_image_map, errors_name_the_file_the_entry_and_the_field) {
  struct row {
    const char* yaml;
    const char* want;
  };
  for (auto r : {row{"images: [ {entrypoint: [git]} ]", "map.yaml: images[0].image: Required value"},
                 row{"images:\n  - image: a\n    entrypoint: git\n", "map.yaml: images[0] (a).entrypoint: must be a list"},
                 row{"images:\n  - image: a\n    colour: red\n", "map.yaml: images[0] (a): unknown field \"colour\""},
                 row{"images:\n  - image: a\n  - image: b\n    files: {relative: /x}\n",
                     "map.yaml: images[1] (b).files[relative]: sandbox path must be absolute"},
                 row{"images:\n  - image: a\n    env: {X: \"${NOPE}\"}\n",
                     "map.yaml: images[0] (a).env[X]: unknown variable ${NOPE}"},
                 row{"images:\n  - image: a\n    requires: [\"/usr/bin/x\"]\n",
                     "map.yaml: images[0] (a).requires[0]: command must be a plain name"},
                 row{"images:\n  - image: a\n    requires: [{message: m}]\n",
                     "map.yaml: images[0] (a).requires[0].command: Required value"},
                 row{"other: 1\n", "map.yaml: images: Required value"},
                 row{"images: {a: 1}\n", "map.yaml: images: must be a list"},
                 row{"images: [\n", "map.yaml: "}}) {
    SCOPED_TRACE(r.yaml);
    auto m = parse_image_map(r.yaml, "map.yaml", vars);
    ASSERT_FALSE(m.has_value());
    EXPECT_EQ(m.error().message.rfind(r.want, 0), 0u) << m.error().message;
  }
}

TEST(node_image_map, image_references_are_normalized_and_globbed) {
  struct row {
    const char* image;
    const char* normalized;
  };
  for (auto r : {row{"alpine/git", "alpine/git:latest"}, row{"docker.io/alpine/git:v2", "alpine/git:v2"},
                 row{"docker.io/library/busybox", "busybox:latest"}, row{"localhost:5000/x", "localhost:5000/x:latest"},
                 row{"localhost:5000/x:1", "localhost:5000/x:1"}, row{"x@sha256:ab", "x@sha256:ab"}})
    EXPECT_EQ(normalize_image(r.image), r.normalized) << r.image;
  struct glob {
    const char* pattern;
    const char* text;
    bool match;
  };
  for (auto g : {glob{"alpine/git:*", "alpine/git:v2.47.2", true}, glob{"alpine/git:*", "alpine/gitx:1", false},
                 glob{"*", "", true}, glob{"a*b*c", "axxbyyc", true}, glob{"a*b*c", "axxbyy", false},
                 glob{"ghcr.io/kelos-dev/*:*", "ghcr.io/kelos-dev/codex:1", true}, glob{"exact", "exact", true},
                 glob{"exact", "exactly", false}})
    EXPECT_EQ(glob_match(g.pattern, g.text), g.match) << g.pattern << " ~ " << g.text;
  auto m = builtin();
  EXPECT_NE(find_image(m, "alpine/git"), nullptr);
  EXPECT_NE(find_image(m, "docker.io/alpine/git:2"), nullptr);
}

// ---------------------------------------------------------------- $(VAR)

TEST(node_pod_plan, dollar_paren_expansion_follows_kubelet) {
  std::map<std::string, std::string> v{{"A", "1"}, {"B", "two"}, {"EMPTY", ""}};
  struct row {
    const char* in;
    const char* out;
  };
  for (auto r : {row{"$(A)", "1"}, row{"x$(A)y$(B)z", "x1ytwoz"}, row{"$(MISSING)", "$(MISSING)"},
                 row{"$$(A)", "$(A)"}, row{"$$", "$"}, row{"$", "$"}, row{"a$", "a$"}, row{"$(A", "$(A"},
                 row{"$x", "$x"}, row{"$(EMPTY)-", "-"}, row{"$(A)$(A)", "11"}, row{"no vars", "no vars"}})
    EXPECT_EQ(expand_k8s_vars(r.in, v), r.out) << r.in;
}

// ---------------------------------------------------------------- plans

struct plan_fixture : ::testing::Test {
  image_map images = builtin();
  host_facts host;
  pod_refs refs;

  plan_fixture() {
    host.pod_dir = "/pods/default_p_u1";
    host.host_dirs = {{"/usr", ""}, {"/bin", "usr/bin"}, {"/etc", ""}};
    host.path_env = "/usr/bin:/bin";
    host.file_exists = [](const std::string&) { return true; };
    host.command_exists = [](const std::string& c) { return c == "claude"; };
    refs.secrets["creds"] = json{{"data", {{"token", "czNjcjN0"}, {"other", "eA=="}}}};
    refs.config_maps["cfg"] = json{{"data", {{"mode", "fast"}, {"conf.yaml", "a: 1\n"}}}};
  }

  static json pod(json containers, json extra = json::object()) {
    json spec{{"containers", std::move(containers)}};
    spec.update(extra);
    return json{{"metadata", {{"name", "p"}, {"namespace", "default"}, {"uid", "u1"}}}, {"spec", std::move(spec)}};
  }

  pod_plan ok(const json& p) {
    auto r = plan_pod(p, refs, images, host);
    if (auto* e = std::get_if<plan_error>(&r)) {
      ADD_FAILURE() << e->reason << ": " << e->message;
      return {};
    }
    return std::get<pod_plan>(r);
  }
  plan_error fails(const json& p) {
    auto r = plan_pod(p, refs, images, host);
    if (auto* e = std::get_if<plan_error>(&r))
      return *e;
    ADD_FAILURE() << "plan unexpectedly succeeded";
    return {};
  }

  /// The argv after "--" (what runs inside the sandbox).
  static std::vector<std::string> inner(const container_step& s) {
    auto it = std::find(s.argv.begin(), s.argv.end(), "--");
    return {it == s.argv.end() ? it : it + 1, s.argv.end()};
  }
  static bool has_seq(const std::vector<std::string>& argv, std::vector<std::string> seq) {
    return std::search(argv.begin(), argv.end(), seq.begin(), seq.end()) != argv.end();
  }
  static std::string env_of(const container_step& s, const std::string& name) {
    for (const auto& e : s.env)
      if (e.rfind(name + "=", 0) == 0)
        return e.substr(name.size() + 1);
    return "<unset>";
  }
};

TEST_F(plan_fixture, command_and_args_follow_kubernetes_rules_over_the_image_entrypoint) {
  struct row {
    json command, args;
    std::vector<std::string> want;
  };
  for (const auto& r : {row{nullptr, nullptr, {"git"}}, row{nullptr, {"clone", "x"}, {"git", "clone", "x"}},
                        row{{"sh", "-c"}, {"echo hi"}, {"sh", "-c", "echo hi"}}, row{{"ls"}, nullptr, {"ls"}}}) {
    json c{{"name", "c"}, {"image", "alpine/git:v2"}};
    if (!r.command.is_null())
      c["command"] = r.command;
    if (!r.args.is_null())
      c["args"] = r.args;
    auto plan = ok(pod(json::array({c})));
    ASSERT_EQ(plan.containers.size(), 1u);
    EXPECT_EQ(inner(plan.containers[0]), r.want) << c.dump();
  }
}

TEST_F(plan_fixture, the_sandbox_argv_binds_the_host_read_only_and_the_pod_tmp_writable) {
  host.writable_paths = {"/srv/repos"};
  auto plan = ok(pod(json::array({{{"name", "c"}, {"image", "alpine/git:1"}, {"args", {"status"}}}})));
  const auto& a = plan.containers[0].argv;
  EXPECT_EQ(a[0], "bwrap");
  for (const auto& seq : std::vector<std::vector<std::string>>{{"--die-with-parent"},
                                                              {"--new-session"},
                                                              {"--unshare-pid"},
                                                              {"--tmpfs", "/"},
                                                              {"--ro-bind", "/usr", "/usr"},
                                                              {"--symlink", "usr/bin", "/bin"},
                                                              {"--dev", "/dev", "--proc", "/proc"},
                                                              {"--bind", "/pods/default_p_u1/tmp", "/tmp"},
                                                              {"--bind", "/srv/repos", "/srv/repos"},
                                                              {"--remount-ro", "/", "--chdir", "/", "--", "git", "status"}})
    EXPECT_TRUE(has_seq(a, seq)) << seq[0];
  // The root is remounted read-only after every mount was made.
  auto ro = std::find(a.begin(), a.end(), "--remount-ro");
  auto tmp = std::find(a.begin(), a.end(), "--tmpfs");
  EXPECT_LT(tmp, ro);
  EXPECT_EQ(plan.directories, (std::vector<std::string>{"/pods/default_p_u1", "/pods/default_p_u1/tmp",
                                                        "/pods/default_p_u1/volumes"}));
  EXPECT_EQ(plan.grace_seconds, 30);
  EXPECT_FALSE(plan.active_deadline_seconds);
}

TEST_F(plan_fixture, env_resolves_value_from_and_expands_earlier_variables) {
  json c{{"name", "c"},
         {"image", "alpine/git:1"},
         {"command", {"echo", "$(TOKEN)", "$(UNKNOWN)", "$$(TOKEN)"}},
         {"env",
          {{{"name", "TOKEN"}, {"valueFrom", {{"secretKeyRef", {{"name", "creds"}, {"key", "token"}}}}}},
           {{"name", "MODE"}, {"valueFrom", {{"configMapKeyRef", {{"name", "cfg"}, {"key", "mode"}}}}}},
           {{"name", "COMBINED"}, {"value", "$(MODE)-$(TOKEN)-$(LATER)"}},
           {{"name", "LATER"}, {"value", "x"}},
           {{"name", "POD"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}},
           {{"name", "OPT"}, {"valueFrom", {{"secretKeyRef", {{"name", "absent"}, {"key", "k"}, {"optional", true}}}}}},
           {{"name", "PATH"}, {"value", "/custom"}}}}};
  auto plan = ok(pod(json::array({c})));
  const auto& s = plan.containers[0];
  EXPECT_EQ(env_of(s, "TOKEN"), "s3cr3t");
  EXPECT_EQ(env_of(s, "MODE"), "fast");
  EXPECT_EQ(env_of(s, "COMBINED"), "fast-s3cr3t-$(LATER)");
  EXPECT_EQ(env_of(s, "POD"), "p");
  EXPECT_EQ(env_of(s, "OPT"), "<unset>");
  EXPECT_EQ(env_of(s, "PATH"), "/custom");
  EXPECT_EQ(env_of(s, "HOSTNAME"), "p");
  EXPECT_EQ(inner(s), (std::vector<std::string>{"echo", "s3cr3t", "$(UNKNOWN)", "$(TOKEN)"}));
  // Secrets travel in the environment of bwrap, never in its argv (visible in /proc).
  for (const auto& arg : std::vector<std::string>(s.argv.begin(), std::find(s.argv.begin(), s.argv.end(), "--")))
    EXPECT_EQ(arg.find("s3cr3t"), std::string::npos) << arg;
}

TEST_F(plan_fixture, image_map_env_defaults_yield_to_the_container_env) {
  json c{{"name", "agent"},
         {"image", "ghcr.io/kelos-dev/claude-code:v1"},
         {"command", {"/kelos_entrypoint.sh"}},
         {"args", {"do it"}}};
  auto plan = ok(pod(json::array({c})));
  EXPECT_EQ(env_of(plan.containers[0], "HOME"), "/tmp");
  EXPECT_EQ(env_of(plan.containers[0], "PATH"), "/usr/bin:/bin");
  c["env"] = json::array({{{"name", "HOME"}, {"value", "/workspace"}}});
  plan = ok(pod(json::array({c})));
  EXPECT_EQ(env_of(plan.containers[0], "HOME"), "/workspace");
  EXPECT_TRUE(has_seq(plan.containers[0].argv,
                      {"--ro-bind", "/opt/kelos/agents/claude-code/kelos_entrypoint.sh", "/kelos_entrypoint.sh"}));
  EXPECT_TRUE(has_seq(plan.containers[0].argv, {"--ro-bind", "/opt/kelos/bin/kelos-capture", "/kelos/kelos-capture"}));
  EXPECT_EQ(inner(plan.containers[0]), (std::vector<std::string>{"/kelos_entrypoint.sh", "do it"}));
}

TEST_F(plan_fixture, missing_secrets_config_maps_and_keys_fail_like_kubelet) {
  struct row {
    json value_from;
    const char* message;
  };
  for (const auto& r : {row{{{"secretKeyRef", {{"name", "nope"}, {"key", "k"}}}}, "secret \"nope\" not found"},
                        row{{{"secretKeyRef", {{"name", "creds"}, {"key", "nokey"}}}},
                            "couldn't find key nokey in Secret default/creds"},
                        row{{{"configMapKeyRef", {{"name", "none"}, {"key", "k"}}}}, "configmap \"none\" not found"},
                        row{{{"configMapKeyRef", {{"name", "cfg"}, {"key", "zz"}}}},
                            "couldn't find key zz in ConfigMap default/cfg"}}) {
    json c{{"name", "main"}, {"image", "alpine/git:1"}, {"env", {{{"name", "X"}, {"valueFrom", r.value_from}}}}};
    auto e = fails(pod(json::array({c})));
    EXPECT_EQ(e.reason, "CreateContainerConfigError");
    EXPECT_EQ(e.message, r.message);
    EXPECT_EQ(e.container, "main");
  }
  auto e = fails(pod(json::array({{{"name", "c"}, {"image", "alpine/git:1"}}}),
                     {{"volumes", {{{"name", "s"}, {"secret", {{"secretName", "gone"}}}}}}}));
  EXPECT_EQ(e.message, "secret \"gone\" not found");
}

TEST_F(plan_fixture, unknown_images_missing_agent_clis_and_missing_files_fail_with_clear_messages) {
  auto e = fails(pod(json::array({{{"name", "c"}, {"image", "busybox:1.36"}}})));
  EXPECT_EQ(e.reason, "ImageNotMapped");
  EXPECT_NE(e.message.find("\"busybox:1.36\""), std::string::npos) << e.message;
  EXPECT_NE(e.message.find(builtin_image_map_source), std::string::npos) << e.message;

  e = fails(pod(json::array({{{"name", "agent"}, {"image", "ghcr.io/kelos-dev/codex:latest"}}})));
  EXPECT_EQ(e.reason, "RequiredCommandNotFound");
  EXPECT_EQ(e.message.rfind("agent CLI codex not found on this machine", 0), 0u) << e.message;
  EXPECT_EQ(e.container, "agent");

  host.file_exists = [](const std::string& p) { return p.find("kelos-capture") == std::string::npos; };
  e = fails(pod(json::array({{{"name", "agent"}, {"image", "ghcr.io/kelos-dev/kelos-demo-agent:latest"}}})));
  EXPECT_EQ(e.reason, "ImageFileNotFound");
  EXPECT_NE(e.message.find("files[/kelos/kelos-capture]"), std::string::npos) << e.message;
}

TEST_F(plan_fixture, volumes_become_pod_directories_and_files_bound_at_their_mount_path) {
  json c{{"name", "c"},
         {"image", "alpine/git:1"},
         {"workingDir", "/workspace/repo"},
         {"volumeMounts",
          {{{"name", "ws"}, {"mountPath", "/workspace"}},
           {{"name", "sec"}, {"mountPath", "/secrets"}},
           {{"name", "conf"}, {"mountPath", "/conf"}},
           {{"name", "plugin"}, {"mountPath", "/kelos/plugin"}, {"readOnly", true}}}}};
  json volumes{{{"name", "ws"}, {"emptyDir", json::object()}},
               {{"name", "plugin"}, {"emptyDir", json::object()}},
               {{"name", "sec"}, {"secret", {{"secretName", "creds"}, {"defaultMode", 0400}}}},
               {{"name", "conf"}, {"configMap", {{"name", "cfg"}, {"items", {{{"key", "conf.yaml"}, {"path", "sub/c.yaml"}}}}}}}};
  auto plan = ok(pod(json::array({c}), {{"volumes", volumes}}));
  const auto& a = plan.containers[0].argv;
  const std::string v = "/pods/default_p_u1/volumes/";
  EXPECT_TRUE(has_seq(a, {"--bind", v + "ws", "/workspace"}));
  EXPECT_TRUE(has_seq(a, {"--ro-bind", v + "sec", "/secrets"}));
  EXPECT_TRUE(has_seq(a, {"--ro-bind", v + "conf", "/conf"}));
  EXPECT_TRUE(has_seq(a, {"--ro-bind", v + "plugin", "/kelos/plugin"}));
  EXPECT_TRUE(has_seq(a, {"--dir", "/workspace/repo", "--remount-ro", "/", "--chdir", "/workspace/repo"}));
  auto file = [&](const std::string& path) -> const volume_file* {
    for (const auto& f : plan.files)
      if (f.path == path)
        return &f;
    return nullptr;
  };
  ASSERT_NE(file(v + "sec/token"), nullptr);
  EXPECT_EQ(file(v + "sec/token")->content, "s3cr3t");
  EXPECT_EQ(file(v + "sec/token")->mode, 0400);
  EXPECT_EQ(file(v + "sec/other")->content, "x");
  ASSERT_NE(file(v + "conf/sub/c.yaml"), nullptr);
  EXPECT_EQ(file(v + "conf/sub/c.yaml")->content, "a: 1\n");
  EXPECT_EQ(file(v + "conf/mode"), nullptr);
  EXPECT_NE(std::find(plan.directories.begin(), plan.directories.end(), v + "conf/sub"), plan.directories.end());
  EXPECT_NE(std::find(plan.directories.begin(), plan.directories.end(), v + "ws"), plan.directories.end());
}

TEST_F(plan_fixture, bad_volume_specs_fail_the_pod) {
  struct row {
    json volumes, mounts;
    const char* contains;
  };
  for (const auto& r :
       {row{{{{"name", "h"}, {"hostPath", {{"path", "/"}}}}}, json::array(), "unsupported volume type"},
        row{json::array(), {{{"name", "missing"}, {"mountPath", "/m"}}}, "volume \"missing\" is not defined"},
        row{{{{"name", "w"}, {"emptyDir", json::object()}}}, {{{"name", "w"}, {"mountPath", "rel"}}}, "absolute"},
        row{{{{"name", "w"}, {"emptyDir", json::object()}}}, {{{"name", "w"}, {"mountPath", "/m"}, {"subPath", "../x"}}},
            "subPath"},
        row{{{{"name", "s"}, {"secret", {{"secretName", "creds"}, {"items", {{{"key", "token"}, {"path", "../t"}}}}}}}},
            json::array(), "must be relative"}}) {
    json c{{"name", "c"}, {"image", "alpine/git:1"}, {"volumeMounts", r.mounts}};
    auto e = fails(pod(json::array({c}), {{"volumes", r.volumes}}));
    EXPECT_EQ(e.reason, "InvalidPodSpec");
    EXPECT_NE(e.message.find(r.contains), std::string::npos) << e.message;
  }
}

TEST_F(plan_fixture, run_as_user_uses_a_user_namespace_when_available) {
  json c{{"name", "c"}, {"image", "alpine/git:1"}, {"securityContext", {{"runAsUser", 61100}, {"runAsGroup", 61100}}}};
  auto plan = ok(pod(json::array({c})));
  EXPECT_TRUE(has_seq(plan.containers[0].argv, {"--unshare-user", "--uid", "61100", "--gid", "61100"}));
  // The pod-level securityContext applies when the container has none.
  json c2{{"name", "c"}, {"image", "alpine/git:1"}};
  plan = ok(pod(json::array({c2}), {{"securityContext", {{"runAsUser", 1000}}}}));
  EXPECT_TRUE(has_seq(plan.containers[0].argv, {"--unshare-user", "--uid", "1000", "--gid", "0"}));
  host.user_namespaces = false;
  plan = ok(pod(json::array({c})));
  EXPECT_EQ(std::find(plan.containers[0].argv.begin(), plan.containers[0].argv.end(), "--unshare-user"),
            plan.containers[0].argv.end());
}

TEST_F(plan_fixture, init_containers_keep_their_order_and_pod_timing_fields_are_read) {
  json inits = json::array({{{"name", "one"}, {"image", "alpine/git:1"}}, {{"name", "two"}, {"image", "alpine/git:1"}}});
  auto plan = ok(pod(json::array({{{"name", "main"}, {"image", "alpine/git:1"}}}),
                     {{"initContainers", inits}, {"terminationGracePeriodSeconds", 5}, {"activeDeadlineSeconds", 60}}));
  ASSERT_EQ(plan.init_containers.size(), 2u);
  EXPECT_EQ(plan.init_containers[0].name, "one");
  EXPECT_EQ(plan.init_containers[1].name, "two");
  EXPECT_EQ(plan.containers[0].name, "main");
  EXPECT_EQ(plan.grace_seconds, 5);
  EXPECT_EQ(plan.active_deadline_seconds, 60);
}

TEST(node_pod_plan, references_lists_secrets_and_config_maps_once) {
  json pod{{"spec",
            {{"initContainers",
              {{{"env", {{{"name", "A"}, {"valueFrom", {{"secretKeyRef", {{"name", "s1"}, {"key", "k"}}}}}}}}}}},
             {"containers",
              {{{"env",
                 {{{"name", "B"}, {"valueFrom", {{"secretKeyRef", {{"name", "s1"}, {"key", "k"}}}}}},
                  {{"name", "C"}, {"valueFrom", {{"configMapKeyRef", {{"name", "c1"}, {"key", "k"}}}}}}}},
                {"envFrom", {{{"secretRef", {{"name", "s2"}}}}}}}}},
             {"volumes", {{{"name", "v"}, {"secret", {{"secretName", "s3"}}}}, {{"name", "w"}, {"configMap", {{"name", "c2"}}}}}}}}};
  auto r = references_of(pod);
  EXPECT_EQ(r.secrets, (std::vector<std::string>{"s1", "s2", "s3"}));
  EXPECT_EQ(r.config_maps, (std::vector<std::string>{"c1", "c2"}));
}

} // namespace
} // namespace kelos::node
