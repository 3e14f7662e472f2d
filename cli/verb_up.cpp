// `kelos up`: local mode in the foreground (Ctrl-C stops it) or, with --detach, in the
// background with a pid and log file; `kelos down` (cli/verb_down.cpp) stops the latter.

#include "cli/local/demo.hpp"
#include "cli/local/instance_lock.hpp"
#include "cli/local/kubeconfig_merge.hpp"
#include "cli/local/local_cluster.hpp"
#include "cli/rest.hpp"
#include "cli/verbs.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <poll.h>
#include <pthread.h>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace kelos::cli {
namespace {

using local::up_options;

void say(const std::string& line) {
  std::cout << "kelos up: " << line << std::endl;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in{path};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Adds the kelos-local context to the user's kubeconfig; a malformed user file is left
/// untouched (with a warning), never overwritten.
void merge_user_kubeconfig(const up_options& opts) {
  if (!opts.merge || opts.merge_kubeconfig.empty())
    return;
  std::filesystem::path target{opts.merge_kubeconfig};
  std::error_code ec;
  std::string existing = std::filesystem::exists(target, ec) ? read_text(target) : std::string{};
  auto merged = local::merge_kubeconfig(existing, read_text(opts.paths.kubeconfig()), "kelos-local");
  if (!merged) {
    say("warning: not adding the kelos-local context to " + target.string() + ": " + merged.error().message);
    return;
  }
  if (auto w = local::write_private_file(target, *merged); !w) {
    say("warning: " + w.error().message);
    return;
  }
  say("kubeconfig " + target.string() + ": context kelos-local added and selected");
}

void print_ready(const up_options& opts, const std::string& url) {
  std::cout << "\nKelos is running on this machine (API server " << url << ").\n"
            << "  export KUBECONFIG=" << opts.paths.kubeconfig().string() << "\n"
            << "  kubectl get tasks\n"
            << "Stop it with " << (opts.detach ? "`kelos down`" : "Ctrl-C") << "; objects are kept in "
            << opts.paths.root.string() << ".\n"
            << std::endl;
}

int report_demo(const up_options& opts, const std::string& kubeconfig) {
  auto http = client_for_kubeconfig(kubeconfig);
  if (!http) {
    say("demo: " + http.error().message);
    return 1;
  }
  auto result = local::run_demo(**http, opts.paths.repos(), "default", std::chrono::minutes{5},
                                [](const std::string& line) { std::cout << "demo: " << line << std::endl; });
  if (!result) {
    say("demo failed: " + result.error().message);
    return 1;
  }
  std::cout << "\ndemo: Task " << result->task << " " << result->phase
            << (result->message.empty() ? "" : " (" + result->message + ")") << "\n";
  for (const auto& [key, value] : result->results)
    std::cout << "  " << key << ": " << value << "\n";
  if (result->phase != "Succeeded")
    return 1;
  auto branch = result->results.count("branch") ? result->results.at("branch") : std::string{};
  auto commit = result->results.count("commit") ? result->results.at("commit") : std::string{};
  auto head = local::branch_head(opts.paths.repos() / "demo.git", branch);
  if (!head || head->empty() || *head != commit) {
    say("demo: branch " + branch + " of " + (opts.paths.repos() / "demo.git").string() + " does not hold commit " +
        commit + (head ? "" : ": " + head.error().message));
    return 1;
  }
  std::cout << "demo: commit " << commit.substr(0, 12) << " is on branch " << branch << " of "
            << (opts.paths.repos() / "demo.git").string() << "\n"
            << "      (git -C " << (opts.paths.repos() / "demo.git").string() << " log " << branch << ")\n"
            << std::endl;
  return 0;
}

/// Writes one line to the detach pipe (if any) and closes it.
void notify(int& fd, const std::string& line) {
  if (fd < 0)
    return;
  auto text = line + "\n";
  [[maybe_unused]] auto n = ::write(fd, text.data(), text.size());
  ::close(fd);
  fd = -1;
}

int run_foreground(const up_options& opts, int notify_fd) {
  std::error_code ec;
  std::filesystem::create_directories(opts.paths.root, ec);
  auto lock = local::instance_lock::acquire(opts.paths.lock_file(), opts.paths.pid_file());
  if (!lock) {
    say(lock.error().message);
    notify(notify_fd, "error " + lock.error().message);
    return 1;
  }
  char exe[4096] = {};
  auto len = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  auto assets = local::find_local_assets(opts, len > 0 ? std::filesystem::path{std::string{exe, static_cast<std::size_t>(len)}}
                                                       : std::filesystem::path{});
  if (!assets) {
    say(assets.error().message);
    notify(notify_fd, "error " + assets.error().message);
    return 1;
  }

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto cluster = local::local_cluster::start(opts, *assets, say);
  if (!cluster) {
    say("cannot start: " + cluster.error().message);
    notify(notify_fd, "error " + cluster.error().message);
    return 1;
  }
  if (auto w = lock->write_pid(); !w)
    say("warning: " + w.error().message);
  merge_user_kubeconfig(opts);
  auto url = (*cluster)->url();
  if (notify_fd < 0)
    print_ready(opts, url);
  else
    say("ready on " + url);
  notify(notify_fd, "ready " + url);

  std::thread demo;
  if (opts.demo && !opts.detach)
    demo = std::thread{[&] { report_demo(opts, opts.paths.kubeconfig().string()); }};
  int sig = 0;
  sigwait(&stop_signals, &sig);
  say(std::string{"signal "} + strsignal(sig) + ", stopping (running pods are stopped; they resume on the next kelos up)");
  (*cluster)->stop();
  if (demo.joinable())
    demo.join();
  say("stopped");
  return 0;
}

/// Forks a background `kelos up`, waits until it is ready (or failed), and reports.
int run_detached(const up_options& opts) {
  std::error_code ec;
  std::filesystem::create_directories(opts.paths.root, ec);
  if (ec) {
    say("cannot create " + opts.paths.root.string() + ": " + ec.message());
    return 1;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    say(std::string{"pipe: "} + std::strerror(errno));
    return 1;
  }
  std::cout.flush();
  pid_t child = ::fork();
  if (child < 0) {
    say(std::string{"fork: "} + std::strerror(errno));
    return 1;
  }
  if (child == 0) {
    ::close(fds[0]);
    ::setsid();
    int devnull = ::open("/dev/null", O_RDONLY);
    int log = ::open(opts.paths.log_file().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (devnull >= 0)
      ::dup2(devnull, STDIN_FILENO);
    if (log >= 0) {
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
    }
    std::_Exit(run_foreground(opts, fds[1]));
  }
  ::close(fds[1]);
  std::string line;
  pollfd pfd{fds[0], POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{120};
  char buf[512];
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      break;
    int r = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    auto n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0)
      break;
    line.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  line = line.substr(0, line.find('\n'));
  if (line.rfind("ready ", 0) != 0) {
    say(line.rfind("error ", 0) == 0 ? line.substr(6) : "the background process did not become ready within 120 s");
    say("log: " + opts.paths.log_file().string());
    return 1;
  }
  say("running in the background (pid " + std::to_string(child) + ", log " + opts.paths.log_file().string() + ")");
  print_ready(opts, line.substr(6));
  if (opts.demo)
    return report_demo(opts, opts.paths.kubeconfig().string());
  return 0;
}

} // namespace

int verb_up(const std::vector<std::string>& args, const environment& env) {
  auto parsed = local::parse_up_options(args, env);
  if (!parsed) {
    std::cerr << "kelos up: " << parsed.error().message << "\n";
    return 2;
  }
  if (parsed->help) {
    std::cout << local::up_usage();
    return 0;
  }
  spdlog::set_level(spdlog::level::from_str(parsed->log_level));
  return parsed->detach ? run_detached(*parsed) : run_foreground(*parsed, -1);
}

} // namespace kelos::cli
