#pragma once

// Runs one process (a bwrap invocation) in its own session and process group, with stdout
// and stderr on one pipe read by a thread that hands out whole lines. The thread reaps the
// child (no zombies) and reports how it ended. Termination: SIGTERM to every descendant of
// the child, then SIGKILL to the group and all descendants after the grace period.
//
// The child gets PR_SET_PDEATHSIG(SIGKILL) tied to the reader thread, and bwrap runs with
// --die-with-parent, so a crashed node leaves no sandbox behind.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace kelos::node {

/// How a process ended.
struct process_exit {
  /// Exit status, or 128 + signal when killed by a signal.
  int exit_code = 0;
  /// Non-zero: the terminating signal.
  int signal = 0;
  /// Non-empty: the process could not be started at all (not found, exec failure).
  std::string start_error;
};

struct process_callbacks {
  /// Output text, one or more whole lines (the last chunk may lack its newline). Called
  /// from the reader thread.
  std::function<void(std::string_view)> on_output;
  /// Called once from the reader thread after all output was delivered and the child reaped.
  std::function<void(const process_exit&)> on_exit;
};

class process_runner : public std::enable_shared_from_this<process_runner> {
public:
  /// Starts `argv` (argv[0] searched on the node's PATH) with environment `env`
  /// ("NAME=value"), stdin from /dev/null. The reader thread keeps the runner alive until
  /// the child is reaped; dropping the handle does not stop the process (call kill_now).
  static std::shared_ptr<process_runner> start(std::vector<std::string> argv, std::vector<std::string> env,
                                               process_callbacks cb);
  process_runner(const process_runner&) = delete;
  process_runner& operator=(const process_runner&) = delete;

  /// SIGTERM to the descendants now, SIGKILL to everything once `grace` passed (the reader
  /// thread enforces it). Safe from any thread; a second call can only shorten the grace.
  void terminate(std::chrono::milliseconds grace);
  /// SIGKILL to the group and every descendant now.
  void kill_now();
  /// True until the child has been reaped.
  bool running() const;
  pid_t pid() const;
  /// Waits until on_exit was called; false on timeout.
  bool wait_for(std::chrono::milliseconds limit);

  process_runner() = default;

private:
  void signal_all(int sig, bool include_root);
  void run(std::vector<std::string> argv, std::vector<std::string> env, process_callbacks cb);
  bool kill_due();
  bool term_pending();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  pid_t pid_ = -1;
  bool started_ = false;
  bool reaped_ = false;
  bool done_ = false;
  std::optional<std::chrono::steady_clock::time_point> kill_at_;
  /// Processes that already got SIGTERM: the reader thread sends it to processes started
  /// later (a sandbox still being set up when terminate() was called).
  std::vector<pid_t> termed_;
  bool term_requested_ = false;
};

/// Pids of every descendant of `root` (from /proc).
std::vector<pid_t> descendants_of(pid_t root);

/// Resolves a command name on `path_env` (or returns it when it contains '/'); empty when
/// not found or not executable.
std::string find_executable(const std::string& name, const std::string& path_env);

} // namespace kelos::node
