// Conformance row 11: pod logs through the real kubectl against the embedded API server (spec §9 row 11):
// logs, --tail, --since, multi-container without -c, and -f that ends when the
// container finishes. The test appends log text itself (the local node does in prod).

#include "k8s/apiserver/api_server.hpp"
#include "k8s/apiserver/object_store.hpp"
#include "k8s/apiserver/pod_logs.hpp"
#include "k8s/resource_registry.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

using kelos::apiserver::api_server;
using kelos::apiserver::api_server_config;
using kelos::k8s::json;

struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// A kubectl child process with captured stdout/stderr (no shell involved).
class kubectl_process {
public:
  kubectl_process(const std::vector<std::string>& args, const std::vector<std::string>& env) {
    int out_pipe[2], err_pipe[2];
    EXPECT_EQ(pipe(out_pipe), 0);
    EXPECT_EQ(pipe(err_pipe), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
    posix_spawn_file_actions_addclose(&fa, out_pipe[0]);
    posix_spawn_file_actions_addclose(&fa, err_pipe[0]);
    std::vector<std::string> argv_s = {"kubectl"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_s = env;
    for (char** e = environ; *e; ++e) {
      std::string kv = *e;
      auto key = kv.substr(0, kv.find('='));
      if (key != "KUBECONFIG" && key != "KUBECACHEDIR" && key != "HOME")
        env_s.push_back(kv);
    }
    std::vector<char*> envp;
    for (auto& e : env_s)
      envp.push_back(e.data());
    envp.push_back(nullptr);
    EXPECT_EQ(posix_spawnp(&pid_, "kubectl", &fa, nullptr, argv.data(), envp.data()), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(out_pipe[1]);
    close(err_pipe[1]);
    out_fd_ = out_pipe[0];
    err_fd_ = err_pipe[0];
  }

  /// Reads until both pipes close and the process exits, or the deadline passes (kill).
  run_result wait(std::chrono::seconds timeout) {
    run_result r;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    bool out_open = true, err_open = true;
    while (out_open || err_open) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        break;
      }
      pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
      if (poll(fds, 2, 100) <= 0)
        continue;
      char buf[4096];
      if (out_open && (fds[0].revents & (POLLIN | POLLHUP))) {
        auto n = read(out_fd_, buf, sizeof buf);
        if (n <= 0)
          out_open = false;
        else
          r.out.append(buf, static_cast<size_t>(n));
      }
      if (err_open && (fds[1].revents & (POLLIN | POLLHUP))) {
        auto n = read(err_fd_, buf, sizeof buf);
        if (n <= 0)
          err_open = false;
        else
          r.err.append(buf, static_cast<size_t>(n));
      }
    }
    int status = 0;
    waitpid(pid_, &status, 0);
    close(out_fd_);
    close(err_fd_);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
  }

private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
};

class ApiServerLogsTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kelos-logs-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    api_server_config cfg;
    auto s = api_server::start(cfg);
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(s).value();
    ASSERT_TRUE(server_->write_kubeconfig((dir_ / "kubeconfig").string()));
    make_pod("single", {"main"});
    make_pod("multi", {"main", "sidecar"});
  }

  void TearDown() override {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void make_pod(const std::string& name, const std::vector<std::string>& containers) {
    json pod = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", name}}}};
    for (const auto& c : containers)
      pod["spec"]["containers"].push_back({{"name", c}, {"image", "busybox"}});
    auto r = server_->store().create(pods(), "default", pod);
    ASSERT_TRUE(r) << r.error().message;
  }

  static const kelos::k8s::resource_info& pods() {
    static const auto info = [] {
      for (const auto& r : kelos::k8s::builtin_resources())
        if (r.group.empty() && r.plural == "pods")
          return r;
      return kelos::k8s::resource_info{};
    }();
    return info;
  }

  std::vector<std::string> env() const {
    return {"KUBECONFIG=" + (dir_ / "kubeconfig").string(), "KUBECACHEDIR=" + (dir_ / "cache").string(),
            "HOME=" + dir_.string()};
  }

  run_result kubectl(const std::vector<std::string>& args) {
    return kubectl_process(args, env()).wait(std::chrono::seconds(40));
  }

  std::filesystem::path dir_;
  std::unique_ptr<api_server> server_;
};

TEST_F(ApiServerLogsTest, PrintsWholeLogAndTail) {
  server_->logs().append("default", "single", "main", "one\ntwo\nthree\n");
  auto r = kubectl({"logs", "single"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "one\ntwo\nthree\n");
  r = kubectl({"logs", "pod/single", "--tail=2"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "two\nthree\n");
  r = kubectl({"logs", "single", "--since=1h"});
  EXPECT_EQ(r.out, "one\ntwo\nthree\n");
}

TEST_F(ApiServerLogsTest, MultiContainerPodNeedsContainerName) {
  server_->logs().append("default", "multi", "sidecar", "from sidecar\n");
  auto r = kubectl({"logs", "multi", "-c", "sidecar"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "from sidecar\n");
  // kubectl itself picks the default container (annotation or first) in newer versions;
  // the server must reject a request naming no container for a multi-container pod.
  r = kubectl({"get", "--raw", "/api/v1/namespaces/default/pods/multi/log"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("a container name must be specified for pod multi, choose one of: [main sidecar]"),
            std::string::npos)
    << r.err;
  r = kubectl({"logs", "multi", "-c", "nope"});
  EXPECT_NE(r.exit_code, 0);
}

TEST_F(ApiServerLogsTest, FollowStreamsUntilContainerFinishes) {
  server_->logs().append("default", "single", "main", "early\n");
  kubectl_process follow({"logs", "-f", "single"}, env());
  std::thread writer([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    server_->logs().append("default", "single", "main", "late 1\nlate 2\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    server_->logs().finish("default", "single", "main");
  });
  auto r = follow.wait(std::chrono::seconds(30));
  writer.join();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "early\nlate 1\nlate 2\n");
}

TEST_F(ApiServerLogsTest, FollowEndsWhenThePodIsDeletedAndItsLogsGoWithIt) {
  server_->logs().append("default", "single", "main", "early\n");
  kubectl_process follow({"logs", "-f", "single"}, env());
  std::thread deleter([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    ASSERT_TRUE(server_->store().remove(pods(), "default", "single"));
  });
  // The container never finishes: only the deletion can end the stream.
  auto r = follow.wait(std::chrono::seconds(30));
  deleter.join();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "early\n");

  // A new pod of the same name starts with an empty log, not the deleted pod's.
  make_pod("single", {"main"});
  auto again = kubectl({"logs", "single"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "");
}

TEST_F(ApiServerLogsTest, UnknownPodIsNotFound) {
  auto r = kubectl({"logs", "ghost"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("pods \"ghost\" not found"), std::string::npos) << r.err;
}

} // namespace
