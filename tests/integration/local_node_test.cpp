// The local node end to end: embedded API server + KUBE actor + local node; pods created
// directly (image alpine/git with `sh -c` steps) run as sandboxed host processes.

#include "actors/kube_actor.hpp"
#include "actors/node/local_node.hpp"
#include "k8s/apiserver/pod_logs.hpp"
#include "k8s/client/rest_config.hpp"
#include "runtime/caf_error.hpp"
#include "tests/support/controller_harness.hpp"

#include <gtest/gtest.h>

#include <caf/scoped_actor.hpp>

#include <dirent.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace kelos::test {
namespace {

using k8s::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const char* test_image_map = R"(images:
  - image: "alpine/git:*"
    entrypoint: ["git"]
  - image: "example.com/needs-cli:*"
    requires:
      - command: definitely-not-installed-cli
        message: "agent CLI {command} not found on this machine"
)";

/// True when some process's command line contains `marker`.
bool process_with(const std::string& marker) {
  bool found = false;
  if (DIR* d = ::opendir("/proc")) {
    while (auto* e = ::readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9')
        continue;
      std::ifstream in{std::string{"/proc/"} + e->d_name + "/cmdline"};
      std::stringstream ss;
      ss << in.rdbuf();
      if (ss.str().find(marker) != std::string::npos)
        found = true;
    }
    ::closedir(d);
  }
  return found;
}

class local_node_test : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(h_.start_server());
    dir_ = fs::temp_directory_path() / ("kelos-node-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream{dir_ / "image-map.yaml"} << test_image_map;
    auto kubeconfig = (dir_ / "kubeconfig").string();
    ASSERT_TRUE(h_.server().write_kubeconfig(kubeconfig).has_value());
    k8s::client::load_options lo;
    lo.kubeconfig_path = kubeconfig;
    auto rc = k8s::client::load_rest_config(lo);
    ASSERT_TRUE(rc.has_value());
    auto c = k8s::http_client::make(transport_config_from(*rc));
    ASSERT_TRUE(c.has_value());
    client_ = std::shared_ptr<k8s::http_client>(std::move(*c));
    cfg_.set("scheduler.max-threads", 2);
    cfg_.set("logger.console", caf::atom("none"));
    register_error_category(cfg_);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    kube_config kc;
    kc.watch.backoff.initial = 100ms;
    kc.watch.backoff.max = 500ms;
    kube_ = spawn_kube(*sys_, make_http_transport(client_), kc);
  }

  void TearDown() override {
    {
      caf::scoped_actor self{*sys_};
      for (auto a : {node_, caf::actor_cast<caf::actor>(kube_)}) {
        if (!a)
          continue;
        self->monitor(a);
        self->send_exit(a, caf::exit_reason::user_shutdown);
        self->receive([](caf::down_msg&) {}, caf::after(5s) >> [] { ADD_FAILURE() << "actor did not stop"; });
      }
    }
    node_ = nullptr;
    kube_ = nullptr;
    sys_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  local_node_config node_config() {
    local_node_config nc;
    nc.pods_dir = dir_ / "pods";
    nc.image_map_path = dir_ / "image-map.yaml";
    auto* logs = &h_.server().logs();
    nc.log_append = [logs](std::string_view ns, std::string_view pod, std::string_view c, std::string_view text) {
      logs->append(ns, pod, c, text);
    };
    nc.log_finish = [logs](std::string_view ns, std::string_view pod, std::string_view c) {
      logs->finish(ns, pod, c);
    };
    return nc;
  }

  void start_node(local_node_config nc) { node_ = spawn_local_node(*sys_, kube_, std::move(nc)); }
  void start_node() { start_node(node_config()); }

  static json sh_container(const std::string& name, const std::string& script) {
    return json{{"name", name}, {"image", "alpine/git:v2.47.2"}, {"command", {"sh", "-c", script}}};
  }

  static json pod(const std::string& name, json containers, json init = json::array(), json extra_spec = json::object()) {
    json spec{{"nodeName", "kelos-local"}, {"restartPolicy", "Never"}, {"containers", std::move(containers)}};
    if (!init.empty())
      spec["initContainers"] = std::move(init);
    spec.update(extra_spec);
    return json{{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}, {"namespace", "default"}}},
                {"spec", std::move(spec)}};
  }

  std::string phase(const std::string& name) {
    auto p = h_.get("pods", "default", name);
    if (!p)
      return {};
    const json* ph = k8s::find_path(*p, "status.phase");
    return ph && ph->is_string() ? ph->get<std::string>() : std::string{};
  }

  json status(const std::string& name) {
    auto p = h_.get("pods", "default", name);
    return p ? (*p)["status"] : json();
  }

  bool wait_phase(const std::string& name, const std::string& want, std::chrono::milliseconds limit = 20s) {
    bool ok = eventually([&] { return phase(name) == want; }, limit);
    if (!ok)
      ADD_FAILURE() << name << ": phase " << phase(name) << ", want " << want << "; status " << status(name).dump();
    return ok;
  }

  /// The container log through the real HTTP pods/log endpoint.
  std::string logs(const std::string& pod_name, const std::string& container) {
    auto r = h_.request("GET", "/api/v1/namespaces/default/pods/" + pod_name + "/log?container=" + container);
    if (!r)
      return "error: " + r.error().render();
    if (r->is_array() && r->size() == 1 && (*r)[0].is_string())
      return (*r)[0].get<std::string>();
    return r->is_string() ? r->get<std::string>() : r->dump();
  }

  controller_harness h_;
  fs::path dir_;
  std::shared_ptr<k8s::http_client> client_;
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  kube_actor kube_;
  caf::actor node_;
};

TEST_F(local_node_test, init_containers_run_in_order_sharing_an_empty_dir_then_the_pod_succeeds) {
  start_node();
  json ws_mount = json::array({{{"name", "ws"}, {"mountPath", "/workspace"}}});
  auto first = sh_container("first", "echo one > /workspace/steps; echo first-ran");
  first["volumeMounts"] = ws_mount;
  auto second = sh_container("second", "cat /workspace/steps && echo two >> /workspace/steps");
  second["volumeMounts"] = ws_mount;
  auto main = sh_container("main", "cat /workspace/steps; pwd; echo main-out; echo main-err >&2");
  main["volumeMounts"] = ws_mount;
  main["workingDir"] = "/workspace/sub";
  ASSERT_TRUE(h_.create(pod("ordered", json::array({main}), json::array({first, second}),
                            {{"volumes", json::array({{{"name", "ws"}, {"emptyDir", json::object()}}})}}))
                .has_value());
  ASSERT_TRUE(wait_phase("ordered", "Succeeded"));
  auto log = logs("ordered", "main");
  EXPECT_NE(log.find("one\ntwo\n/workspace/sub\nmain-out\nmain-err"), std::string::npos) << log;
  EXPECT_NE(logs("ordered", "first").find("first-ran"), std::string::npos);
  auto s = status("ordered");
  EXPECT_EQ(s["initContainerStatuses"][0]["state"]["terminated"]["reason"], "Completed");
  EXPECT_EQ(s["initContainerStatuses"][1]["state"]["terminated"]["exitCode"], 0);
  EXPECT_EQ(s["containerStatuses"][0]["state"]["terminated"]["reason"], "Completed");
  EXPECT_EQ(s["podIP"], "127.0.0.1");
  EXPECT_FALSE(k8s::get_string(s, "startTime").empty());
}

TEST_F(local_node_test, run_as_user_and_the_git_image_entrypoint_work_like_the_task_controllers_pods) {
  start_node();
  json ws_mount = json::array({{{"name", "ws"}, {"mountPath", "/workspace"}}});
  json git{{"name", "git-version"}, {"image", "alpine/git:v2.47.2"}, {"args", {"--version"}}};
  json sec{{"runAsUser", 61100}, {"runAsGroup", 61100}};
  git["securityContext"] = sec;
  auto main = sh_container("main", "id -u; touch /workspace/made-by-agent && ls -n /workspace");
  main["securityContext"] = sec;
  main["volumeMounts"] = ws_mount;
  ASSERT_TRUE(h_.create(pod("asuser", json::array({main}), json::array({git}),
                            {{"volumes", json::array({{{"name", "ws"}, {"emptyDir", json::object()}}})}}))
                .has_value());
  ASSERT_TRUE(wait_phase("asuser", "Succeeded"));
  EXPECT_NE(logs("asuser", "git-version").find("git version"), std::string::npos) << logs("asuser", "git-version");
  auto log = logs("asuser", "main");
  EXPECT_EQ(log.rfind("61100\n", 0), 0u) << log;
  EXPECT_NE(log.find("made-by-agent"), std::string::npos) << log;
}

TEST_F(local_node_test, a_non_zero_exit_fails_the_pod_with_its_exit_code) {
  start_node();
  ASSERT_TRUE(h_.create(pod("exit3", json::array({sh_container("main", "echo bye; exit 3")}))).has_value());
  ASSERT_TRUE(wait_phase("exit3", "Failed"));
  auto t = status("exit3")["containerStatuses"][0]["state"]["terminated"];
  EXPECT_EQ(t["exitCode"], 3);
  EXPECT_EQ(t["reason"], "Error");
  EXPECT_NE(logs("exit3", "main").find("bye"), std::string::npos);
}

TEST_F(local_node_test, a_failing_init_container_fails_the_pod_and_the_main_container_never_runs) {
  start_node();
  ASSERT_TRUE(h_.create(pod("initfail", json::array({sh_container("main", "echo should-not-run")}),
                            json::array({sh_container("init", "exit 7")})))
                .has_value());
  ASSERT_TRUE(wait_phase("initfail", "Failed"));
  auto s = status("initfail");
  EXPECT_EQ(s["initContainerStatuses"][0]["state"]["terminated"]["exitCode"], 7);
  EXPECT_TRUE(s["containerStatuses"][0]["state"].contains("waiting")) << s.dump();
}

TEST_F(local_node_test, secret_env_and_secret_volume_reach_the_container) {
  start_node();
  ASSERT_TRUE(h_.create(json{{"apiVersion", "v1"},
                             {"kind", "Secret"},
                             {"metadata", {{"name", "creds"}, {"namespace", "default"}}},
                             {"data", {{"token", "czNjcjN0"}}}}) // "s3cr3t"
                .has_value());
  auto main = sh_container("main", "echo env=$TOKEN; echo file=$(cat /secrets/token); echo arg=$(X)");
  main["command"][2] = "echo env=$TOKEN; echo file=$(cat /secrets/token); echo arg=$0";
  main["command"].push_back("$(TOKEN)-expanded");
  main["env"] = json::array({{{"name", "TOKEN"}, {"valueFrom", {{"secretKeyRef", {{"name", "creds"}, {"key", "token"}}}}}}});
  main["volumeMounts"] = json::array({{{"name", "sec"}, {"mountPath", "/secrets"}}});
  ASSERT_TRUE(h_.create(pod("secrets", json::array({main}), json::array(),
                            {{"volumes", json::array({{{"name", "sec"}, {"secret", {{"secretName", "creds"}}}}})}}))
                .has_value());
  ASSERT_TRUE(wait_phase("secrets", "Succeeded"));
  auto log = logs("secrets", "main");
  EXPECT_NE(log.find("env=s3cr3t"), std::string::npos) << log;
  EXPECT_NE(log.find("file=s3cr3t"), std::string::npos) << log;
  EXPECT_NE(log.find("arg=s3cr3t-expanded"), std::string::npos) << log;
}

TEST_F(local_node_test, a_missing_secret_fails_the_pod_with_kubelets_message) {
  start_node();
  auto main = sh_container("main", "true");
  main["env"] = json::array({{{"name", "T"}, {"valueFrom", {{"secretKeyRef", {{"name", "nope"}, {"key", "k"}}}}}}});
  ASSERT_TRUE(h_.create(pod("nosecret", json::array({main}))).has_value());
  ASSERT_TRUE(wait_phase("nosecret", "Failed"));
  auto s = status("nosecret");
  EXPECT_EQ(s["reason"], "CreateContainerConfigError");
  EXPECT_EQ(s["message"], "secret \"nope\" not found");
}

TEST_F(local_node_test, tmp_is_per_pod_and_the_root_is_read_only) {
  start_node();
  std::string marker = "kelos-node-marker-" + std::to_string(::getpid());
  ::unlink(("/tmp/" + marker).c_str());
  ASSERT_TRUE(h_.create(pod("sandbox", json::array({sh_container(
                                         "main", "echo x > /tmp/" + marker + " && cat /tmp/" + marker +
                                                   "; if touch /rootfile 2>/dev/null; then echo root-writable; else echo "
                                                   "root-read-only; fi; if touch /usr/kelos-test 2>/dev/null; then echo "
                                                   "usr-writable; else echo usr-read-only; fi")})))
                .has_value());
  ASSERT_TRUE(wait_phase("sandbox", "Succeeded"));
  auto log = logs("sandbox", "main");
  EXPECT_NE(log.find("root-read-only"), std::string::npos) << log;
  EXPECT_NE(log.find("usr-read-only"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists("/tmp/" + marker)) << "the pod's /tmp leaked to the host";
  EXPECT_FALSE(fs::exists("/rootfile"));
  EXPECT_FALSE(fs::exists("/usr/kelos-test"));
  bool in_pod_dir = false;
  for (auto& e : fs::recursive_directory_iterator(dir_ / "pods"))
    in_pod_dir |= e.path().filename() == marker;
  EXPECT_TRUE(in_pod_dir) << "the file should be in the pod's directory";
}

TEST_F(local_node_test, deleting_a_pod_kills_its_whole_process_group_quickly) {
  start_node();
  std::string marker = "kelos-node-sleeper-" + std::to_string(::getpid());
  ASSERT_TRUE(h_.create(pod("sleeper", json::array({sh_container("main", "sleep 1000 & sleep 1000; echo " + marker)})))
                .has_value());
  ASSERT_TRUE(wait_phase("sleeper", "Running"));
  ASSERT_TRUE(eventually([&] { return process_with(marker); }, 10s));
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(h_.remove("pods", "default", "sleeper").has_value());
  EXPECT_TRUE(eventually([&] { return !process_with(marker); }, 10s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  // The sleeps themselves (children of the shell) are gone too: no process whose parent
  // chain led to the sandbox survives. The pod directory is removed.
  EXPECT_TRUE(eventually([&] {
    return fs::is_empty(dir_ / "pods");
  }, 10s));
}

TEST_F(local_node_test, active_deadline_seconds_kills_the_pod_and_fails_it_with_deadline_exceeded) {
  start_node();
  ASSERT_TRUE(h_.create(pod("deadline", json::array({sh_container("main", "sleep 1000")}), json::array(),
                            {{"activeDeadlineSeconds", 1}}))
                .has_value());
  ASSERT_TRUE(wait_phase("deadline", "Failed", 15s));
  auto s = status("deadline");
  EXPECT_EQ(s["reason"], "DeadlineExceeded");
}

TEST_F(local_node_test, an_unscheduled_pod_is_bound_to_the_node_and_run) {
  start_node();
  auto p = pod("unbound", json::array({sh_container("main", "echo bound")}));
  p["spec"].erase("nodeName");
  ASSERT_TRUE(h_.create(p).has_value());
  ASSERT_TRUE(wait_phase("unbound", "Succeeded"));
  auto got = h_.get("pods", "default", "unbound");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ((*got)["spec"]["nodeName"], "kelos-local");
}

TEST_F(local_node_test, pods_of_other_nodes_are_left_alone) {
  start_node();
  auto p = pod("elsewhere", json::array({sh_container("main", "echo hi")}));
  p["spec"]["nodeName"] = "another-node";
  ASSERT_TRUE(h_.create(p).has_value());
  ASSERT_TRUE(h_.create(pod("here", json::array({sh_container("main", "echo hi")}))).has_value());
  ASSERT_TRUE(wait_phase("here", "Succeeded"));
  EXPECT_FALSE(status("elsewhere").contains("startTime")) << status("elsewhere").dump();
}

TEST_F(local_node_test, an_unknown_image_fails_the_pod_naming_the_image_and_the_map_file) {
  start_node();
  ASSERT_TRUE(h_.create(pod("unknown", json::array({{{"name", "main"}, {"image", "busybox:1.36"}}}))).has_value());
  ASSERT_TRUE(wait_phase("unknown", "Failed"));
  auto s = status("unknown");
  EXPECT_EQ(s["reason"], "ImageNotMapped");
  auto msg = k8s::get_string(s, "message");
  EXPECT_NE(msg.find("busybox:1.36"), std::string::npos) << msg;
  EXPECT_NE(msg.find((dir_ / "image-map.yaml").string()), std::string::npos) << msg;
}

TEST_F(local_node_test, a_missing_agent_cli_fails_the_pod_with_the_maps_message) {
  start_node();
  ASSERT_TRUE(h_.create(pod("nocli", json::array({{{"name", "agent"}, {"image", "example.com/needs-cli:1"},
                                                    {"command", {"/kelos_entrypoint.sh"}}}})))
                .has_value());
  ASSERT_TRUE(wait_phase("nocli", "Failed"));
  EXPECT_EQ(k8s::get_string(status("nocli"), "message"),
            "agent CLI definitely-not-installed-cli not found on this machine");
}

TEST_F(local_node_test, without_bubblewrap_pods_fail_saying_how_to_fix_it) {
  auto nc = node_config();
  nc.bwrap = "/nonexistent/bwrap";
  start_node(std::move(nc));
  ASSERT_TRUE(h_.create(pod("nobwrap", json::array({sh_container("main", "echo hi")}))).has_value());
  ASSERT_TRUE(wait_phase("nobwrap", "Failed"));
  auto s = status("nobwrap");
  EXPECT_EQ(s["reason"], "SandboxUnavailable");
  auto msg = k8s::get_string(s, "message");
  EXPECT_NE(msg.find("apt-get install bubblewrap"), std::string::npos) << msg;
  EXPECT_NE(msg.find("/nonexistent/bwrap"), std::string::npos) << msg;
}

TEST_F(local_node_test, a_restarted_node_runs_an_unfinished_pod_again_and_counts_the_restart) {
  start_node();
  ASSERT_TRUE(h_.create(pod("resume", json::array({sh_container("main", "test -f /tmp/again || { touch /tmp/again; sleep 1000; }; echo finished")})))
                .has_value());
  ASSERT_TRUE(wait_phase("resume", "Running"));
  {
    caf::scoped_actor self{*sys_};
    self->monitor(node_);
    self->send_exit(node_, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {}, caf::after(10s) >> [] { ADD_FAILURE() << "node did not stop"; });
  }
  EXPECT_EQ(phase("resume"), "Running");
  start_node();
  ASSERT_TRUE(wait_phase("resume", "Running"));
  // The pod directory was cleaned: /tmp/again is gone, so the pod sleeps again rather than
  // finishing; the restart is counted.
  EXPECT_TRUE(eventually([&] { return status("resume")["containerStatuses"][0].value("restartCount", 0) == 1; }, 10s))
    << status("resume").dump();
}

} // namespace
} // namespace kelos::test
