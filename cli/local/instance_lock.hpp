#pragma once

/// One `kelos up` per state directory: an exclusive flock on DIR/kelos.lock held for the
/// life of the process (released by the kernel when it dies, even by SIGKILL), plus a pid
/// file for `kelos down`.

#include "runtime/error.hpp"

#include <filesystem>
#include <optional>
#include <sys/types.h>

namespace kelos::local {

class instance_lock {
public:
  /// Takes the lock, or fails with `already_exists` naming the running pid.
  static kelos::expected<instance_lock> acquire(const std::filesystem::path& lock_file,
                                                const std::filesystem::path& pid_file);
  instance_lock(instance_lock&& other) noexcept;
  instance_lock& operator=(instance_lock&&) = delete;
  instance_lock(const instance_lock&) = delete;
  /// Removes the pid file and releases the lock.
  ~instance_lock();

  /// Writes this process's pid into the pid file.
  kelos::expected<void> write_pid() const;

private:
  instance_lock(int fd, std::filesystem::path pid_file) : fd_(fd), pid_file_(std::move(pid_file)) {}
  int fd_ = -1;
  std::filesystem::path pid_file_;
};

/// True when some process holds the lock (a `kelos up` is running on this directory).
bool lock_is_held(const std::filesystem::path& lock_file);

/// The pid recorded in the pid file, if any.
std::optional<pid_t> read_pid(const std::filesystem::path& pid_file);

/// Writes `text` to `path` atomically (temp file + rename) with mode 0600.
kelos::expected<void> write_private_file(const std::filesystem::path& path, const std::string& text);

} // namespace kelos::local
