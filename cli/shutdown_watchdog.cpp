#include "cli/shutdown_watchdog.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>

namespace kelos::cli {

shutdown_watchdog::shutdown_watchdog(std::string who, std::chrono::steady_clock::time_point deadline,
                                     std::chrono::milliseconds bound)
  : who_(std::move(who)), deadline_(deadline), bound_(bound), thread_([this] { run(); }) {}

shutdown_watchdog::~shutdown_watchdog() {
  disarm();
}

void shutdown_watchdog::phase(std::string what) {
  std::lock_guard<std::mutex> g{mu_};
  phase_ = std::move(what);
}

void shutdown_watchdog::disarm() {
  {
    std::lock_guard<std::mutex> g{mu_};
    disarmed_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void shutdown_watchdog::run() {
  std::unique_lock<std::mutex> lk{mu_};
  if (cv_.wait_until(lk, deadline_, [this] { return disarmed_; }))
    return;
  spdlog::error("{}: graceful shutdown did not finish within --graceful-shutdown-timeout {} ms; abandoned: {}; "
                "exiting with code 1",
                who_, bound_.count(), phase_);
  spdlog::default_logger()->flush();
  std::_Exit(1);
}

} // namespace kelos::cli
