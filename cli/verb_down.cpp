// `kelos down`: stops a background `kelos up` (SIGTERM, SIGKILL after the timeout).

#include "cli/local/instance_lock.hpp"
#include "cli/local/up_options.hpp"
#include "cli/verbs.hpp"

#include <cerrno>
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

namespace kelos::cli {
namespace {

/// True when `pid` runs a `kelos` binary (guards against a recycled pid).
bool is_kelos_process(pid_t pid) {
  std::ifstream cmdline{"/proc/" + std::to_string(pid) + "/cmdline"};
  std::string argv0;
  std::getline(cmdline, argv0, '\0');
  return std::filesystem::path{argv0}.filename() == "kelos";
}

/// True once `pid` has exited (gone, or a zombie waiting for a parent that is not us).
bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH)
    return true;
  std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
  std::string line;
  std::getline(stat, line);
  auto close = line.rfind(')');
  return close == std::string::npos || (close + 2 < line.size() && line[close + 2] == 'Z');
}

/// Waits until the lock is free and the process has exited (the lock is released when the
/// process closes its files, slightly before it is gone).
bool wait_stopped(pid_t pid, const std::filesystem::path& lock_file, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (local::lock_is_held(lock_file) || !process_gone(pid)) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  }
  return true;
}

} // namespace

int verb_down(const std::vector<std::string>& args, const environment& env) {
  auto parsed = local::parse_down_options(args, env);
  if (!parsed) {
    std::cerr << "kelos down: " << parsed.error().message << "\n";
    return 2;
  }
  if (parsed->help) {
    std::cout << local::down_usage();
    return 0;
  }
  const auto& paths = parsed->paths;
  if (!local::lock_is_held(paths.lock_file())) {
    std::error_code ec;
    std::filesystem::remove(paths.pid_file(), ec);
    std::cout << "kelos down: Kelos is not running on " << paths.root.string() << "\n";
    return 0;
  }
  auto pid = local::read_pid(paths.pid_file());
  if (!pid || !is_kelos_process(*pid)) {
    std::cerr << "kelos down: Kelos holds " << paths.lock_file().string()
              << " but its pid file is missing or stale; is it still starting? Try again.\n";
    return 1;
  }
  ::kill(*pid, SIGTERM);
  if (!wait_stopped(*pid, paths.lock_file(), std::chrono::seconds{parsed->timeout_seconds})) {
    std::cerr << "kelos down: pid " << *pid << " did not stop within " << parsed->timeout_seconds
              << " s; sending SIGKILL\n";
    ::kill(*pid, SIGKILL);
    if (!wait_stopped(*pid, paths.lock_file(), std::chrono::seconds{10})) {
      std::cerr << "kelos down: pid " << *pid << " is still running\n";
      return 1;
    }
  }
  std::cout << "kelos down: stopped (pid " << *pid << "); objects are kept in " << paths.root.string() << "\n";
  return 0;
}

} // namespace kelos::cli
