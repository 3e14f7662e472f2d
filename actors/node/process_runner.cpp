#include "actors/node/process_runner.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <algorithm>
#include <fstream>
#include <map>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace kelos::node {
namespace {

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (auto& s : v)
    out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

/// Parent pid of `pid` from /proc/<pid>/stat (the field after the parenthesised name).
pid_t parent_of(pid_t pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string stat;
  std::getline(in, stat);
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 4 > stat.size())
    return -1;
  // ") S 1234 ..."
  auto rest = stat.substr(close + 4);
  return static_cast<pid_t>(std::strtol(rest.c_str(), nullptr, 10));
}

} // namespace

std::vector<pid_t> descendants_of(pid_t root) {
  std::multimap<pid_t, pid_t> children;
  if (DIR* d = ::opendir("/proc")) {
    while (auto* e = ::readdir(d)) {
      char* end = nullptr;
      long pid = std::strtol(e->d_name, &end, 10);
      if (end == e->d_name || *end != '\0')
        continue;
      children.emplace(parent_of(static_cast<pid_t>(pid)), static_cast<pid_t>(pid));
    }
    ::closedir(d);
  }
  std::vector<pid_t> out;
  std::vector<pid_t> todo{root};
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    auto [b, e] = children.equal_range(p);
    for (auto it = b; it != e; ++it) {
      out.push_back(it->second);
      todo.push_back(it->second);
    }
  }
  return out;
}

std::string find_executable(const std::string& name, const std::string& path_env) {
  if (name.empty())
    return {};
  if (name.find('/') != std::string::npos)
    return ::access(name.c_str(), X_OK) == 0 ? name : std::string{};
  std::size_t start = 0;
  while (start <= path_env.size()) {
    auto colon = path_env.find(':', start);
    auto dir = path_env.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty()) {
      auto candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0)
        return candidate;
    }
    if (colon == std::string::npos)
      break;
    start = colon + 1;
  }
  return {};
}

std::shared_ptr<process_runner> process_runner::start(std::vector<std::string> argv, std::vector<std::string> env,
                                                      process_callbacks cb) {
  auto self = std::make_shared<process_runner>();
  std::thread{[self, argv = std::move(argv), env = std::move(env), cb = std::move(cb)]() mutable {
    self->run(std::move(argv), std::move(env), std::move(cb));
  }}.detach();
  std::unique_lock<std::mutex> lock{self->mu_};
  self->cv_.wait(lock, [&] { return self->started_; });
  return self;
}

void process_runner::run(std::vector<std::string> argv, std::vector<std::string> env, process_callbacks cb) {
  process_exit result;
  auto finish = [&] {
    {
      std::lock_guard<std::mutex> guard{mu_};
      started_ = true;
      reaped_ = true;
    }
    cv_.notify_all();
    if (cb.on_exit)
      cb.on_exit(result);
    {
      std::lock_guard<std::mutex> guard{mu_};
      done_ = true;
    }
    cv_.notify_all();
  };
  const char* path_env = std::getenv("PATH");
  std::string exe = argv.empty() ? std::string{} : find_executable(argv[0], path_env ? path_env : "/usr/bin:/bin");
  if (exe.empty()) {
    result.exit_code = 127;
    result.start_error = (argv.empty() ? std::string{"(empty argv)"} : argv[0]) + ": not found or not executable";
    finish();
    return;
  }
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    result.exit_code = 127;
    result.start_error = std::string{"pipe: "} + std::strerror(errno);
    finish();
    return;
  }
  auto c_argv = c_strings(argv);
  auto c_env = c_strings(env);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    // Child: only async-signal-safe calls from here to execve.
    ::setsid();
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s = 1; s < NSIG; ++s)
      ::signal(s, SIG_DFL);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0)
      ::dup2(devnull, 0);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::execve(exe.c_str(), c_argv.data(), c_env.data());
    int e = errno;
    [[maybe_unused]] auto n = ::write(err[1], &e, sizeof e);
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  if (pid < 0) {
    ::close(out[0]);
    ::close(err[0]);
    result.exit_code = 127;
    result.start_error = std::string{"fork: "} + std::strerror(errno);
    finish();
    return;
  }
  {
    std::lock_guard<std::mutex> guard{mu_};
    pid_ = pid;
    started_ = true;
  }
  cv_.notify_all();
  int exec_errno = 0;
  if (::read(err[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno)
    result.start_error = exe + ": " + std::strerror(exec_errno);
  ::close(err[0]);

  // Read output until every writer closed the pipe, handing out whole lines.
  std::string pending;
  char buf[8192];
  for (;;) {
    if (kill_due())
      signal_all(SIGKILL, true);
    else if (term_pending())
      signal_all(SIGTERM, false);
    pollfd p{out[0], POLLIN, 0};
    int r = ::poll(&p, 1, 100);
    if (r < 0 && errno == EINTR)
      continue;
    if (r == 0)
      continue;
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    pending.append(buf, static_cast<std::size_t>(n));
    auto nl = pending.rfind('\n');
    if (nl != std::string::npos) {
      if (cb.on_output)
        cb.on_output(std::string_view{pending}.substr(0, nl + 1));
      pending.erase(0, nl + 1);
    }
  }
  ::close(out[0]);
  if (!pending.empty() && cb.on_output)
    cb.on_output(pending);

  int status = 0;
  for (;;) {
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR))
      break;
    if (kill_due())
      signal_all(SIGKILL, true);
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
    result.exit_code = 128 + result.signal;
  }
  // Anything of the group that survived its leader (should not happen with bwrap).
  ::kill(-pid, SIGKILL);
  finish();
}

bool process_runner::term_pending() {
  std::lock_guard<std::mutex> guard{mu_};
  return term_requested_;
}

bool process_runner::kill_due() {
  std::lock_guard<std::mutex> guard{mu_};
  return kill_at_ && std::chrono::steady_clock::now() >= *kill_at_;
}

void process_runner::signal_all(int sig, bool include_root) {
  std::lock_guard<std::mutex> guard{mu_};
  if (reaped_ || pid_ <= 0)
    return;
  // Deepest processes first do not matter for SIGKILL; for SIGTERM each process gets its
  // own chance to exit. bwrap itself (the root) only gets SIGKILL: its death kills the
  // sandbox at once (--die-with-parent), which would cut the grace period short.
  for (pid_t d : descendants_of(pid_)) {
    if (sig == SIGTERM) {
      if (std::find(termed_.begin(), termed_.end(), d) != termed_.end())
        continue;
      termed_.push_back(d);
    }
    ::kill(d, sig);
  }
  if (include_root) {
    ::kill(-pid_, sig);
    ::kill(pid_, sig);
  }
}

void process_runner::terminate(std::chrono::milliseconds grace) {
  {
    std::lock_guard<std::mutex> guard{mu_};
    auto at = std::chrono::steady_clock::now() + grace;
    if (!kill_at_ || at < *kill_at_)
      kill_at_ = at;
  }
  {
    std::lock_guard<std::mutex> guard{mu_};
    term_requested_ = true;
  }
  if (grace.count() <= 0)
    signal_all(SIGKILL, true);
  else
    signal_all(SIGTERM, false);
}

void process_runner::kill_now() {
  {
    std::lock_guard<std::mutex> guard{mu_};
    kill_at_ = std::chrono::steady_clock::now();
  }
  signal_all(SIGKILL, true);
}

bool process_runner::running() const {
  std::lock_guard<std::mutex> guard{mu_};
  return !reaped_;
}

pid_t process_runner::pid() const {
  std::lock_guard<std::mutex> guard{mu_};
  return pid_;
}

bool process_runner::wait_for(std::chrono::milliseconds limit) {
  std::unique_lock<std::mutex> lock{mu_};
  return cv_.wait_for(lock, limit, [&] { return done_; });
}

} // namespace kelos::node
