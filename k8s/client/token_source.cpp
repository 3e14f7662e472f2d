#include "k8s/client/token_source.hpp"

#include <sys/stat.h>

#include <mutex>

#include "k8s/client/rest_config.hpp"

namespace kelos::k8s::client {

kelos::expected<std::string> token_source::token() {
  auto c = current();
  if (!c)
    return std::move(c).error();
  return std::move(c->token);
}

namespace {

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

class static_token_source final : public token_source {
public:
  explicit static_token_source(std::string token) : token_(std::move(token)) {}
  kelos::expected<credential> current() override { return credential{token_, {}, {}, {}}; }
  std::optional<std::string> cached_token() override { return token_; }
  std::string describe() const override { return "static token"; }

private:
  const std::string token_;
};

class file_token_source final : public token_source {
public:
  file_token_source(std::string path, file_token_options options)
      : path_(std::move(path)), options_(options) {}

  kelos::expected<credential> current() override {
    std::lock_guard lock{mutex_};
    struct stat st {};
    bool stat_ok = ::stat(path_.c_str(), &st) == 0;
    auto now = std::chrono::steady_clock::now();
    bool changed = !stat_ok || !have_token_ || st.st_ino != ino_ || st.st_size != size_ ||
                   st.st_mtim.tv_sec != mtime_.tv_sec || st.st_mtim.tv_nsec != mtime_.tv_nsec;
    if (!changed && !stale_ && now - read_at_ < options_.max_age) {
      checked_at_ = now;
      return credential{token_, {}, {}, {}};
    }

    auto bytes = read_file_bytes(path_);
    std::string value = bytes ? trim(std::move(*bytes)) : std::string{};
    if (!bytes || value.empty()) {
      // Keep serving the last good token: a rotation may be half-way (client-go does the same).
      if (have_token_)
        return credential{token_, {}, {}, {}};
      if (!bytes)
        return kelos::make_error(errc::io_error, "token file: " + bytes.error().message);
      return kelos::make_error(errc::io_error, "token file " + path_ + " is empty");
    }
    token_ = std::move(value);
    have_token_ = true;
    stale_ = false;
    read_at_ = now;
    checked_at_ = stat_ok ? now : std::chrono::steady_clock::time_point{};
    if (stat_ok) {
      ino_ = st.st_ino;
      size_ = st.st_size;
      mtime_ = st.st_mtim;
    }
    return credential{token_, {}, {}, {}};
  }

  std::optional<std::string> cached_token() override {
    std::unique_lock lock{mutex_, std::try_to_lock};
    if (!lock.owns_lock() || !have_token_ || stale_ || checked_at_ == std::chrono::steady_clock::time_point{})
      return std::nullopt;
    const auto now = std::chrono::steady_clock::now();
    if (now - checked_at_ >= options_.check_interval || now - read_at_ >= options_.max_age)
      return std::nullopt;
    return token_;
  }

  void invalidate() override {
    std::lock_guard lock{mutex_};
    stale_ = true;
  }

  std::string describe() const override { return "token file \"" + path_ + "\""; }

private:
  const std::string path_;
  const file_token_options options_;
  std::mutex mutex_;
  std::string token_;
  bool have_token_ = false;
  bool stale_ = false;
  std::chrono::steady_clock::time_point read_at_{};
  // When `current()` last saw the file unchanged (or read it); zero after a failed stat.
  std::chrono::steady_clock::time_point checked_at_{};
  ino_t ino_ = 0;
  off_t size_ = 0;
  timespec mtime_{};
};

} // namespace

std::shared_ptr<token_source> make_static_token_source(std::string token) {
  return std::make_shared<static_token_source>(std::move(token));
}

std::shared_ptr<token_source> make_file_token_source(std::string path,
                                                     file_token_options options) {
  return std::make_shared<file_token_source>(std::move(path), options);
}

} // namespace kelos::k8s::client
