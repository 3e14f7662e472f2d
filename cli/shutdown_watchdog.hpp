#pragma once

/// The last line of defence of a bounded graceful shutdown: a thread that, unless
/// disarmed first, logs what the process was still doing when `deadline` came and ends
/// the process with exit code 1 (std::_Exit: no destructor can hang it). kelos-controller
/// arms it on SIGTERM/SIGINT with --graceful-shutdown-timeout.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace kelos::cli {

class shutdown_watchdog {
public:
  /// Starts the thread. `who` prefixes the log line ("kelos-controller").
  shutdown_watchdog(std::string who, std::chrono::steady_clock::time_point deadline,
                    std::chrono::milliseconds bound);
  /// Disarms and joins.
  ~shutdown_watchdog();
  shutdown_watchdog(const shutdown_watchdog&) = delete;
  shutdown_watchdog& operator=(const shutdown_watchdog&) = delete;

  /// Names the step in progress, reported if the deadline passes during it.
  void phase(std::string what);

  /// The process finished in time: the thread ends without acting.
  void disarm();

private:
  void run();

  std::string who_;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::milliseconds bound_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool disarmed_ = false;
  std::string phase_ = "starting the shutdown";
  std::thread thread_;
};

} // namespace kelos::cli
