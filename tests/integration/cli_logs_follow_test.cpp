// `kelos logs TASK -f` across a replacement pod (issue 7 §3): the real `kelos` binary as a
// subprocess against the embedded API server with the CRDs. The test plays the Task
// controller, the Job controller and the kubelet: it writes Task status, creates and deletes
// pods and appends pod log lines while the CLI follows. Every wait is bounded.

#include "k8s/apiserver/api_server.hpp"
#include "k8s/apiserver/pod_logs.hpp"
#include "tests/support/controller_harness.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef KELOS_CLI
#error "KELOS_CLI must name the kelos binary"
#endif

using namespace kelos;
using kelos::test::controller_harness;
using kelos::test::eventually;
using k8s::json;

namespace {

/// A child process with its stdout and stderr collected by two reader threads.
class subprocess {
public:
  /// Starts `argv` with exactly `env` (no shell); a failed fork/pipe is a test failure.
  subprocess(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe failed";
      return;
    }
    // Everything execve needs is built before fork: the child only calls async-signal-safe
    // functions (the parent has API server threads).
    std::vector<char*> args, envp;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : env)
      envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      int devnull = ::open("/dev/null", O_RDONLY);
      ::dup2(devnull, 0);
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      ::execve(args[0], args.data(), envp.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    if (pid_ < 0) {
      ADD_FAILURE() << "fork failed";
      ::close(out[0]);
      ::close(err[0]);
      return;
    }
    readers_[0] = std::thread([this, fd = out[0]] { drain(fd, out_); });
    readers_[1] = std::thread([this, fd = err[0]] { drain(fd, err_); });
  }

  ~subprocess() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
    for (auto& t : readers_)
      if (t.joinable())
        t.join();
  }

  std::string out() const {
    std::lock_guard lock{mu_};
    return out_;
  }
  std::string err() const {
    std::lock_guard lock{mu_};
    return err_;
  }

  /// The exit code once the process has ended within `limit` (killed otherwise: nullopt).
  std::optional<int> wait(std::chrono::milliseconds limit) {
    if (pid_ <= 0)
      return std::nullopt;
    bool ended = eventually(
      [&] {
        int st = 0;
        if (::waitpid(pid_, &st, WNOHANG) != pid_)
          return false;
        status_ = st;
        return true;
      },
      limit);
    if (!ended)
      return std::nullopt;
    for (auto& t : readers_)
      if (t.joinable())
        t.join();
    return WIFEXITED(*status_) ? WEXITSTATUS(*status_) : 128 + WTERMSIG(*status_);
  }

private:
  void drain(int fd, std::string& into) {
    char buf[4096];
    while (true) {
      auto n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      std::lock_guard lock{mu_};
      into.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
  }

  pid_t pid_ = -1;
  std::optional<int> status_;
  mutable std::mutex mu_;
  std::string out_, err_;
  std::thread readers_[2];
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string l; std::getline(in, l);)
    out.push_back(l);
  return out;
}

/// A claude-code stream-json assistant message with one text block (rendered as `text`).
std::string assistant(const std::string& text) {
  return json{{"type", "assistant"}, {"message", {{"content", json::array({{{"type", "text"}, {"text", text}}})}}}}
    .dump();
}

/// The final claude-code result line; an error result's text goes to stdout.
std::string result(bool error, const std::string& text) {
  return json{{"type", "result"},
              {"subtype", error ? "error_during_execution" : "success"},
              {"is_error", error},
              {"num_turns", 6},
              {"total_cost_usd", 0.25},
              {"result", text}}
    .dump();
}

constexpr auto step_limit = std::chrono::seconds{15};
const std::string container = "claude-code";

class LogsFollow : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(h.start_server());
    dir_ = std::filesystem::temp_directory_path() /
           ("kelos-logs-follow-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    ASSERT_TRUE(h.server().write_kubeconfig((dir_ / "kubeconfig").string()));
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::unique_ptr<subprocess> start_logs(const std::string& task) {
    return std::make_unique<subprocess>(
      std::vector<std::string>{KELOS_CLI, "logs", task, "-f"},
      std::vector<std::string>{"KUBECONFIG=" + (dir_ / "kubeconfig").string(), "HOME=" + dir_.string(),
                               "PATH=/usr/bin:/bin", "NO_COLOR=1"});
  }

  void create_task(const std::string& name) {
    json task = {{"apiVersion", "kelos.dev/v1alpha1"},
                 {"kind", "Task"},
                 {"metadata", {{"name", name}, {"namespace", "default"}}},
                 {"spec",
                  {{"type", container},
                   {"prompt", "fix the bug"},
                   {"credentials", {{"type", "api-key"}, {"secretRef", {{"name", "claude-credentials"}}}}},
                   {"workspaceRef", {{"name", "ws"}}}}}};
    auto r = h.create(task);
    ASSERT_TRUE(r) << r.error().render();
  }

  /// Plays the Task controller: merge-patches the Task's status.
  void task_status(const std::string& name, const json& status) {
    auto r = h.request("PATCH", "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/" + name + "/status",
                       json{{"status", status}}, "application/merge-patch+json");
    ASSERT_TRUE(r) << r.error().render();
  }

  /// Plays the Job controller and the kubelet: a running pod of `task` with the git-clone
  /// init container and the agent container.
  void create_pod(const std::string& task, const std::string& pod) {
    json p = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", pod}, {"namespace", "default"}, {"labels", {{"kelos.dev/task", task}}}}},
              {"spec",
               {{"restartPolicy", "Never"},
                {"initContainers", json::array({{{"name", "git-clone"}, {"image", "alpine/git"}}})},
                {"containers", json::array({{{"name", container}, {"image", "kelos-claude-code"}}})}}}};
    auto r = h.create(p);
    ASSERT_TRUE(r) << r.error().render();
    pod_phase(pod, "Running");
  }

  void pod_phase(const std::string& pod, const std::string& phase) {
    auto r = h.request("PATCH", "/api/v1/namespaces/default/pods/" + pod + "/status",
                       json{{"status", {{"phase", phase}}}}, "application/merge-patch+json");
    ASSERT_TRUE(r) << r.error().render();
  }

  void append(const std::string& pod, const std::string& c, const std::string& text) {
    h.server().logs().append("default", pod, c, text);
  }
  void finish(const std::string& pod, const std::string& c) { h.server().logs().finish("default", pod, c); }

  /// Appends agent lines one at a time and waits until each is rendered on stdout: the
  /// log grows while the CLI follows it.
  bool grow(subprocess& p, const std::string& pod, const std::vector<std::string>& texts) {
    for (const auto& t : texts) {
      append(pod, container, assistant(t));
      if (!eventually([&] { return p.out().find(t + "\n") != std::string::npos; }, step_limit)) {
        ADD_FAILURE() << "\"" << t << "\" not followed from " << pod << "\nstdout:\n" << p.out() << "\nstderr:\n"
                      << p.err();
        return false;
      }
    }
    return true;
  }

  /// The whole life: pod-a streams (clone, then a growing agent log), pod-a fails and is
  /// deleted, pod-b replaces it (the Task's podName moves), pod-b streams and finishes, then
  /// the Task ends `final_phase`. With `node_lost` pod-a's stream never ends (its node is
  /// gone; the embedded server keeps a deleted pod's stream open): the CLI must leave it by
  /// itself. Returns the exit code (nullopt: no exit in time).
  std::optional<int> replace_and_finish(subprocess& p, const std::string& task, const std::string& final_phase,
                                        const std::string& last_line, bool node_lost = false) {
    auto ctx = [&] { return "\nstdout:\n" + p.out() + "\nstderr:\n" + p.err(); };
    // pod-a: the clone finishes, then the agent's log grows while followed.
    append("pod-a", "git-clone", "Cloning into '/workspace/repo' (pod-a)...");
    EXPECT_TRUE(eventually([&] { return p.err().find("(pod-a)") != std::string::npos; }, step_limit)) << ctx();
    finish("pod-a", "git-clone");
    if (!grow(p, "pod-a", {"a-1 reading the code", "a-2 found it", "a-3 editing"}))
      return std::nullopt;
    // pod-a dies (the kubelet ends its stream) and goes away; the Task still names it for
    // a while, so the CLI meets a missing pod before the replacement.
    if (!node_lost)
      finish("pod-a", container);
    pod_phase("pod-a", "Failed");
    EXPECT_TRUE(h.remove("pods", "default", "pod-a"));
    std::this_thread::sleep_for(std::chrono::milliseconds{1500});
    // pod-b replaces it.
    create_pod(task, "pod-b");
    append("pod-b", "git-clone", "Cloning into '/workspace/repo' (pod-b)...");
    finish("pod-b", "git-clone");
    task_status(task, {{"podName", "pod-b"}});
    EXPECT_TRUE(eventually([&] { return p.err().find("(pod-b)") != std::string::npos; }, step_limit)) << ctx();
    if (!grow(p, "pod-b", {"b-1 starting over", "b-2 editing again"}))
      return std::nullopt;
    append("pod-b", container, last_line);
    finish("pod-b", container);
    pod_phase("pod-b", final_phase);
    task_status(task, final_phase == "Failed"
                        ? json{{"phase", final_phase}, {"message", "the agent exited with code 1"}}
                        : json{{"phase", final_phase}});
    return p.wait(std::chrono::seconds{20});
  }

  controller_harness h;
  std::filesystem::path dir_;
};

TEST_F(LogsFollow, FollowsReplacementPodThenExitsZeroOnSuccess) {
  create_task("fix");
  task_status("fix", {{"phase", "Running"}, {"podName", "pod-a"}, {"jobName", "fix"}});
  create_pod("fix", "pod-a");
  auto p = start_logs("fix");
  auto rc = replace_and_finish(*p, "fix", "Succeeded", result(false, "done"));
  ASSERT_TRUE(rc) << "kelos logs -f did not exit\nstdout:\n" << p->out() << "\nstderr:\n" << p->err();
  EXPECT_EQ(*rc, 0) << p->err();
  // pod-a's lines, then pod-b's: in order, none twice, none lost.
  EXPECT_EQ(lines_of(p->out()), (std::vector<std::string>{"a-1 reading the code", "a-2 found it", "a-3 editing",
                                                          "b-1 starting over", "b-2 editing again"}))
    << p->err();
  auto err = p->err();
  auto clone_a = err.find("(pod-a)");
  auto moved = err.find("moved to pod pod-b");
  auto clone_b = err.find("(pod-b)");
  auto done = err.find("[result] completed (6 turns, $0.2500");
  ASSERT_NE(clone_a, std::string::npos) << err;
  ASSERT_NE(moved, std::string::npos) << err;
  ASSERT_NE(clone_b, std::string::npos) << err;
  ASSERT_NE(done, std::string::npos) << err;
  EXPECT_LT(clone_a, moved);
  EXPECT_LT(moved, clone_b);
  EXPECT_LT(clone_b, done);
  EXPECT_NE(err.find("task/fix Succeeded"), std::string::npos) << err;
  EXPECT_EQ(err.find("Error:"), std::string::npos) << err;
}

TEST_F(LogsFollow, FollowsReplacementPodThenExitsOneOnFailure) {
  create_task("broken");
  task_status("broken", {{"phase", "Running"}, {"podName", "pod-a"}, {"jobName", "broken"}});
  create_pod("broken", "pod-a");
  auto p = start_logs("broken");
  auto rc = replace_and_finish(*p, "broken", "Failed", result(true, "could not push the branch"));
  ASSERT_TRUE(rc) << "kelos logs -f did not exit\nstdout:\n" << p->out() << "\nstderr:\n" << p->err();
  EXPECT_EQ(*rc, 1) << p->err();
  EXPECT_EQ(lines_of(p->out()),
            (std::vector<std::string>{"a-1 reading the code", "a-2 found it", "a-3 editing", "b-1 starting over",
                                      "b-2 editing again", "could not push the branch"}))
    << p->err();
  auto err = p->err();
  EXPECT_NE(err.find("[result] error (6 turns"), std::string::npos) << err;
  EXPECT_NE(err.find("Error: task \"broken\" failed: the agent exited with code 1"), std::string::npos) << err;
}

TEST_F(LogsFollow, LeavesAStreamThatNeverEndsWhenTheTaskMovesOn) {
  create_task("lost");
  task_status("lost", {{"phase", "Running"}, {"podName", "pod-a"}, {"jobName", "lost"}});
  create_pod("lost", "pod-a");
  auto p = start_logs("lost");
  auto started = std::chrono::steady_clock::now();
  auto rc = replace_and_finish(*p, "lost", "Succeeded", result(false, "done"), /*node_lost=*/true);
  ASSERT_TRUE(rc) << "kelos logs -f did not exit\nstdout:\n" << p->out() << "\nstderr:\n" << p->err();
  EXPECT_EQ(*rc, 0) << p->err();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{40});
  EXPECT_EQ(lines_of(p->out()), (std::vector<std::string>{"a-1 reading the code", "a-2 found it", "a-3 editing",
                                                          "b-1 starting over", "b-2 editing again"}))
    << p->err();
  EXPECT_NE(p->err().find("moved to pod pod-b"), std::string::npos) << p->err();
}

TEST_F(LogsFollow, ExitsWhenTheTaskEndsWhileTheStreamStaysOpen) {
  create_task("ended");
  task_status("ended", {{"phase", "Running"}, {"podName", "pod-a"}, {"jobName", "ended"}});
  create_pod("ended", "pod-a");
  append("pod-a", "git-clone", "Cloning into '/workspace/repo' (pod-a)...");
  finish("pod-a", "git-clone");
  auto p = start_logs("ended");
  ASSERT_TRUE(grow(*p, "pod-a", {"a-1 reading the code"}));
  task_status("ended", {{"phase", "Failed"}, {"message", "node lost"}});
  auto rc = p->wait(std::chrono::seconds{20});
  ASSERT_TRUE(rc) << "kelos logs -f did not exit\nstderr:\n" << p->err();
  EXPECT_EQ(*rc, 1) << p->err();
  EXPECT_EQ(lines_of(p->out()), (std::vector<std::string>{"a-1 reading the code"}));
  EXPECT_NE(p->err().find("Error: task \"ended\" failed: node lost"), std::string::npos) << p->err();
}

} // namespace
