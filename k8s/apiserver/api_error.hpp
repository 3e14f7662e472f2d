#pragma once

#include "k8s/json.hpp"
#include "k8s/resource_registry.hpp"
#include "runtime/error.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace kelos::apiserver {

using k8s::json;
using k8s::resource_info;

/// One entry of `details.causes` in an Invalid (422) Status.
struct status_cause {
  std::string reason;  // "FieldValueInvalid", "FieldValueRequired", "FieldValueForbidden", ...
  std::string message; // "Invalid value: \"X\": a lowercase RFC 1123 subdomain must ..."
  std::string field;   // "metadata.name"
};

/// A failure as the API server reports it: HTTP code, Status reason, message and details.
/// `kelos::error` is not enough for the HTTP layer, which must send the exact upstream
/// Status body. The helpers below produce upstream message texts, e.g.
/// `tasks.kelos.dev "x" not found`.
struct api_error {
  int code = 500;
  std::string reason = "InternalError";
  std::string message;
  /// `details` of the Status (`name`, `group`, `kind`, `causes`), or null.
  json details;

  /// The Status body (`kind: Status`, `status: Failure`) for this error.
  json to_status() const;
  /// A `kelos::error` with the matching errc (for pure callers that only need the code).
  kelos::error to_error() const;

  /// 404 `tasks.kelos.dev "x" not found`.
  static api_error not_found(const resource_info& res, std::string_view name);
  /// 409 AlreadyExists `tasks.kelos.dev "x" already exists`.
  static api_error already_exists(const resource_info& res, std::string_view name);
  /// 409 Conflict `Operation cannot be fulfilled on tasks.kelos.dev "x": <why>`; `why`
  /// defaults to the optimistic-concurrency text ("the object has been modified; please
  /// apply your changes to the latest version and try again").
  static api_error conflict(const resource_info& res, std::string_view name,
                            std::string_view why = {});
  /// 422 Invalid `Task.kelos.dev "x" is invalid: <field>: <message>, ...` with causes.
  static api_error invalid(const resource_info& res, std::string_view name,
                           std::vector<status_cause> causes);
  /// 400 BadRequest with `message` verbatim.
  static api_error bad_request(std::string message);
  /// 410 Expired with `message` verbatim (e.g. `too old resource version: 105 (200)`).
  static api_error gone(std::string message);
  /// 410 Expired `too old resource version: <requested> (<oldest available - 1>)`.
  static api_error too_old_resource_version(int64_t requested, int64_t floor);
  /// 410 Expired for a watcher closed because `queued` events waited for it: the
  /// too-old message (clients treat any 410 as "list again"), then why, for their logs.
  static api_error watch_overflow(int64_t last_queued, int64_t current, size_t queued);
  /// 403 Forbidden `<resource> "<name>" is forbidden: <why>` (name may be empty).
  static api_error forbidden(const resource_info& res, std::string_view name, std::string_view why);
  /// 500 InternalError with `message` verbatim.
  static api_error internal(std::string message);
  /// Maps a `kelos::error` (e.g. from the pure patch/validation functions) to an api_error:
  /// bad_request/parse_error → 400, invalid_spec → 422, not_found → 404, conflict → 409, ...
  static api_error from_error(const kelos::error& err, const resource_info& res,
                              std::string_view name);
  /// Reads a Status body built elsewhere (schema validation, SSA conflicts); missing
  /// fields become 500 InternalError.
  static api_error from_status(const json& status);
};

/// A value or an `api_error`. Same small surface as `kelos::expected`.
template <class T>
class api_result {
public:
  api_result(T value) : data_(std::in_place_index<0>, std::move(value)) {}
  api_result(api_error err) : data_(std::in_place_index<1>, std::move(err)) {}

  bool has_value() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }
  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const api_error& error() const& { return std::get<1>(data_); }
  api_error&& error() && { return std::get<1>(std::move(data_)); }

private:
  std::variant<T, api_error> data_;
};

/// `api_result<void>`: success or an api_error.
template <>
class api_result<void> {
public:
  api_result() = default;
  api_result(api_error err) : err_(std::move(err)), failed_(true) {}
  bool has_value() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return has_value(); }
  const api_error& error() const& { return err_; }

private:
  api_error err_;
  bool failed_ = false;
};

} // namespace kelos::apiserver
