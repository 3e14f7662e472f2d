#include "runtime/error.hpp"

namespace kelos {

const char* to_string(errc code) noexcept {
  switch (code) {
    case errc::none: return "none";
    case errc::parse_error: return "parse_error";
    case errc::invalid_spec: return "invalid_spec";
    case errc::invalid_config: return "invalid_config";
    case errc::not_found: return "not_found";
    case errc::already_exists: return "already_exists";
    case errc::conflict: return "conflict";
    case errc::gone: return "gone";
    case errc::unauthorized: return "unauthorized";
    case errc::forbidden: return "forbidden";
    case errc::bad_request: return "bad_request";
    case errc::server_unavailable: return "server_unavailable";
    case errc::http_error: return "http_error";
    case errc::connection_failed: return "connection_failed";
    case errc::timeout: return "timeout";
    case errc::exec_plugin_failed: return "exec_plugin_failed";
    case errc::io_error: return "io_error";
    case errc::git_failed: return "git_failed";
    case errc::cancelled: return "cancelled";
    case errc::logic_error: return "logic_error";
  }
  return "unknown";
}

std::string error::render() const {
  if (message.empty())
    return to_string(code);
  return std::string{to_string(code)} + ": " + message;
}

} // namespace kelos
