#include "cli/capture/run_command.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "cli/capture/markers.hpp"

namespace kelos::capture {

namespace {

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0)
      ::close(fd);
  }
  void reset() {
    if (fd >= 0)
      ::close(fd);
    fd = -1;
  }
};

/// Child side between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(char* const* argv, int out_fd, int null_fd) {
  ::setpgid(0, 0);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &dfl, nullptr); // the parent ignores SIGPIPE; gh should not
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (::dup2(null_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(null_fd, 2) < 0)
    ::_exit(127);
  ::execvp(argv[0], argv);
  ::_exit(127);
}

} // namespace

std::optional<std::string> run_command(const std::vector<std::string>& argv,
                                       std::chrono::milliseconds timeout,
                                       std::size_t max_output) {
  if (argv.empty())
    return std::nullopt;
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return std::nullopt;
  fd_guard out_r{fds[0]}, out_w{fds[1]};
  fd_guard null_fd{::open("/dev/null", O_RDWR | O_CLOEXEC)};
  if (null_fd.fd < 0)
    return std::nullopt;

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pid_t pid = ::fork();
  if (pid < 0)
    return std::nullopt;
  if (pid == 0)
    exec_child(args.data(), out_w.fd, null_fd.fd);
  ::setpgid(pid, pid); // also from here, so the group exists before any kill
  out_w.reset();
  null_fd.reset();

  auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now());
  };
  std::string out;
  bool timed_out = false;
  char buf[4096];
  for (;;) {
    auto ms = left().count();
    if (ms <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out_r.fd, POLLIN, 0};
    int n = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(ms, 1000)));
    if (n < 0 && errno != EINTR) {
      timed_out = true; // cannot wait properly: treat as a failure and clean up
      break;
    }
    if (n <= 0)
      continue;
    ssize_t got = ::read(out_r.fd, buf, sizeof buf);
    if (got < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (got <= 0)
      break; // EOF: the command (and everything holding its stdout) is done writing
    if (out.size() < max_output)
      out.append(buf, std::min(static_cast<std::size_t>(got), max_output - out.size()));
  }
  int status = 0;
  while (!timed_out) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid)
      break;
    if (r < 0 && errno != EINTR)
      return std::nullopt;
    if (left().count() <= 0)
      timed_out = true;
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (timed_out) {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return std::nullopt;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return std::nullopt;
  return out;
}

std::vector<std::string> find_pr_urls(const std::string& branch, const std::string& repo) {
  std::vector<std::string> argv{"gh", "pr", "list", "--head", branch, "--json", "url"};
  if (!repo.empty()) {
    argv.emplace_back("--repo");
    argv.push_back(repo);
  }
  auto out = run_command(argv, std::chrono::seconds(30));
  return out ? parse_pr_urls(*out) : std::vector<std::string>{};
}

bool for_each_file_line(const std::string& path, std::size_t max_line,
                        const std::function<void(std::string_view)>& on_line) {
  fd_guard fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0)
    return false;
  std::string line;
  bool skipping = false; // inside a line that already exceeded max_line
  char buf[1 << 16];
  for (;;) {
    ssize_t got = ::read(fd.fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0)
      break;
    std::string_view chunk{buf, static_cast<std::size_t>(got)};
    while (!chunk.empty()) {
      auto nl = chunk.find('\n');
      std::string_view part = chunk.substr(0, nl);
      if (!skipping) {
        if (line.size() + part.size() > max_line) {
          skipping = true;
          line.clear();
          line.shrink_to_fit();
        } else {
          line.append(part);
        }
      }
      if (nl == std::string_view::npos)
        break;
      if (!skipping)
        on_line(line);
      line.clear();
      skipping = false;
      chunk.remove_prefix(nl + 1);
    }
  }
  if (!skipping && !line.empty())
    on_line(line);
  return true;
}

} // namespace kelos::capture
