#include "cli/local/instance_lock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/file.h>
#include <unistd.h>

namespace kelos::local {

kelos::expected<instance_lock> instance_lock::acquire(const std::filesystem::path& lock_file,
                                                      const std::filesystem::path& pid_file) {
  int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return kelos::error{errc::io_error, "cannot open " + lock_file.string() + ": " + std::strerror(errno)};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    auto pid = read_pid(pid_file);
    return kelos::error{errc::already_exists,
                        "Kelos is already running on " + lock_file.parent_path().string() +
                            (pid ? " (pid " + std::to_string(*pid) + ")" : std::string{}) +
                            "; stop it with `kelos down` or use another --home"};
  }
  return instance_lock{fd, pid_file};
}

instance_lock::instance_lock(instance_lock&& other) noexcept : fd_(other.fd_), pid_file_(std::move(other.pid_file_)) {
  other.fd_ = -1;
}

instance_lock::~instance_lock() {
  if (fd_ < 0)
    return;
  std::error_code ec;
  std::filesystem::remove(pid_file_, ec);
  ::close(fd_);
}

kelos::expected<void> instance_lock::write_pid() const {
  return write_private_file(pid_file_, std::to_string(::getpid()) + "\n");
}

bool lock_is_held(const std::filesystem::path& lock_file) {
  int fd = ::open(lock_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return held;
}

std::optional<pid_t> read_pid(const std::filesystem::path& pid_file) {
  std::ifstream in{pid_file};
  long pid = 0;
  if (!(in >> pid) || pid <= 1)
    return std::nullopt;
  return static_cast<pid_t>(pid);
}

kelos::expected<void> write_private_file(const std::filesystem::path& path, const std::string& text) {
  std::error_code ec;
  if (path.has_parent_path())
    std::filesystem::create_directories(path.parent_path(), ec);
  auto tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return kelos::error{errc::io_error, "cannot write " + path.string() + ": " + std::strerror(errno)};
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      auto err = std::strerror(errno);
      ::close(fd);
      std::filesystem::remove(tmp, ec);
      return kelos::error{errc::io_error, "cannot write " + path.string() + ": " + err};
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto err = std::strerror(errno);
    std::filesystem::remove(tmp, ec);
    return kelos::error{errc::io_error, "cannot replace " + path.string() + ": " + err};
  }
  return {};
}

} // namespace kelos::local
