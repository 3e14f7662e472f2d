#include "k8s/status.hpp"

#include <cctype>

namespace kelos::k8s {

std::optional<api_status> parse_status(const json& body) {
  if (!body.is_object() || get_string(body, "kind") != "Status")
    return std::nullopt;
  api_status s;
  s.code = static_cast<int>(get_int(body, "code"));
  s.reason = get_string(body, "reason");
  s.message = get_string(body, "message");
  if (auto it = body.find("details"); it != body.end() && it->is_object()) {
    s.details_name = get_string(*it, "name");
    s.details_kind = get_string(*it, "kind");
  }
  return s;
}

json make_status(int code, std::string_view reason, std::string_view message,
                 std::string_view details_name, std::string_view details_kind,
                 std::string_view details_group) {
  json j = {{"kind", "Status"},
            {"apiVersion", "v1"},
            {"metadata", json::object()},
            {"status", "Failure"},
            {"message", message},
            {"reason", reason},
            {"code", code}};
  if (!details_name.empty() || !details_kind.empty()) {
    json d = json::object();
    if (!details_name.empty())
      d["name"] = details_name;
    if (!details_group.empty())
      d["group"] = details_group;
    if (!details_kind.empty())
      d["kind"] = details_kind;
    j["details"] = std::move(d);
  }
  return j;
}

std::string_view reason_for_code(int code) {
  switch (code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return "Conflict";
    case 410: return "Expired";
    case 413: return "RequestEntityTooLarge";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return "Unknown";
  }
}

errc errc_for_status(int code, std::string_view reason) {
  switch (code) {
    case 400:
    case 422: return errc::bad_request;
    case 401: return errc::unauthorized;
    case 403: return errc::forbidden;
    case 404: return errc::not_found;
    case 409: return reason == "AlreadyExists" ? errc::already_exists : errc::conflict;
    case 410: return errc::gone;
    case 429: return errc::server_unavailable;
    default: break;
  }
  if (code >= 500)
    return errc::server_unavailable;
  return errc::http_error;
}

std::string redact_credentials(std::string_view text) {
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  auto starts_with_scheme = [&](std::size_t i, std::string_view scheme) {
    if (text.size() - i < scheme.size())
      return false;
    for (std::size_t k = 0; k < scheme.size(); ++k)
      if (lower(text[i + k]) != scheme[k])
        return false;
    return true;
  };
  auto ends_credential = [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || std::string_view{"\"'`<>()[]{},;"}.find(c) != std::string_view::npos;
  };
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t len = 0;
    for (std::string_view scheme : {std::string_view{"bearer "}, std::string_view{"basic "}})
      if (starts_with_scheme(i, scheme))
        len = scheme.size();
    if (len == 0) {
      out.push_back(text[i++]);
      continue;
    }
    out.append(text.substr(i, len));
    i += len;
    std::size_t end = i;
    while (end < text.size() && !ends_credential(text[end]))
      ++end;
    if (end > i)
      out += "[redacted]";
    i = end;
  }
  return out;
}

kelos::error error_from_response(int code, const std::string& body, std::string_view what) {
  auto parsed = json::parse(body, nullptr, false);
  if (auto st = parse_status(parsed)) {
    return kelos::error{errc_for_status(code, st->reason),
                        std::string{what} + ": " + redact_credentials(st->message)};
  }
  // Redacted before the cut, so that no part of an echoed credential is quoted.
  std::string snippet = redact_credentials(body).substr(0, 200);
  return kelos::error{errc_for_status(code, {}),
                      std::string{what} + ": HTTP " + std::to_string(code)
                        + (snippet.empty() ? "" : ": " + snippet)};
}

bool is_retryable(errc code) noexcept {
  return code == errc::server_unavailable || code == errc::connection_failed
         || code == errc::timeout;
}

} // namespace kelos::k8s
