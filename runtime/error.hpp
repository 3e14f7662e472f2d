#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace kelos {

/// Error codes for every failure site that needs different handling.
/// Pure code returns `kelos::expected<T>`; actors convert to `caf::error`
/// at their boundary (see runtime/caf_error.hpp).
enum class errc : uint8_t {
  /// No error.
  none = 0,
  /// Input could not be parsed (YAML, JSON, kubeconfig, ...).
  parse_error,
  /// Input parsed but violates a rule; the message names the field.
  invalid_spec,
  /// Configuration (kubeconfig, in-cluster environment, flags) is unusable.
  invalid_config,
  /// HTTP 404 / reason NotFound.
  not_found,
  /// HTTP 409 / reason AlreadyExists.
  already_exists,
  /// HTTP 409 / reason Conflict (optimistic concurrency).
  conflict,
  /// HTTP 410 / reason Expired or Gone.
  gone,
  /// HTTP 401.
  unauthorized,
  /// HTTP 403.
  forbidden,
  /// HTTP 400 / 422 (BadRequest, Invalid).
  bad_request,
  /// HTTP 429 / 5xx: the server asked us to come back later.
  server_unavailable,
  /// Any other unexpected HTTP status.
  http_error,
  /// TCP/TLS connect, read or write failed.
  connection_failed,
  /// A step did not finish within its deadline.
  timeout,
  /// An exec credential plugin failed.
  exec_plugin_failed,
  /// A file could not be read or written.
  io_error,
  /// A git operation failed.
  git_failed,
  /// The operation was cancelled (shutdown, unsubscribe).
  cancelled,
  /// A bug: a state that should be impossible.
  logic_error,
};

/// Returns the stable name of a code, e.g. "conflict".
const char* to_string(errc code) noexcept;

/// An error value: a code plus a message that names the object or field.
struct error {
  errc code = errc::none;
  std::string message;

  error() = default;
  error(errc c, std::string msg) : code(c), message(std::move(msg)) {}

  explicit operator bool() const noexcept { return code != errc::none; }
  /// "conflict: Operation cannot be fulfilled on ..."
  std::string render() const;
};

inline bool operator==(const error& e, errc c) noexcept { return e.code == c; }

/// A value or an error. Deliberately small: `has_value`, `value`, `error`.
template <class T>
class expected {
public:
  expected(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  expected(kelos::error err) : data_(std::in_place_index<1>, std::move(err)) {}

  bool has_value() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const kelos::error& error() const& { return std::get<1>(data_); }
  kelos::error&& error() && { return std::get<1>(std::move(data_)); }

private:
  std::variant<T, kelos::error> data_;
};

/// `expected<void>`: success or an error.
template <>
class expected<void> {
public:
  expected() = default;
  expected(kelos::error err) : err_(std::move(err)) {}
  bool has_value() const noexcept { return !err_; }
  explicit operator bool() const noexcept { return has_value(); }
  const kelos::error& error() const& { return err_; }

private:
  kelos::error err_;
};

inline kelos::error make_error(errc code, std::string message) {
  return kelos::error{code, std::move(message)};
}

} // namespace kelos
