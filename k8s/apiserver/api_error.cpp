#include "k8s/apiserver/api_error.hpp"

#include "k8s/status.hpp"

namespace kelos::apiserver {

namespace {

json resource_details(const resource_info& res, std::string_view name) {
  json d = json::object();
  if (!name.empty())
    d["name"] = name;
  if (!res.group.empty())
    d["group"] = res.group;
  // Upstream sets details.kind to the plural resource for these errors.
  d["kind"] = res.plural;
  return d;
}

std::string quoted(std::string_view s) {
  // Go's %q for the plain ASCII names we see; names are validated before they get here.
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

} // namespace

json api_error::to_status() const {
  json s = k8s::make_status(code, reason, message);
  if (details.is_object() && !details.empty())
    s["details"] = details;
  return s;
}

kelos::error api_error::to_error() const {
  return kelos::make_error(k8s::errc_for_status(code, reason), message);
}

api_error api_error::not_found(const resource_info& res, std::string_view name) {
  return {404, "NotFound", res.qualified_plural() + " " + quoted(name) + " not found",
          resource_details(res, name)};
}

api_error api_error::already_exists(const resource_info& res, std::string_view name) {
  return {409, "AlreadyExists", res.qualified_plural() + " " + quoted(name) + " already exists",
          resource_details(res, name)};
}

api_error api_error::conflict(const resource_info& res, std::string_view name,
                              std::string_view why) {
  std::string reason_text = why.empty() ? std::string(
                              "the object has been modified; please apply your changes to the "
                              "latest version and try again")
                                        : std::string(why);
  return {409, "Conflict",
          "Operation cannot be fulfilled on " + res.qualified_plural() + " " + quoted(name) + ": "
            + reason_text,
          resource_details(res, name)};
}

api_error api_error::invalid(const resource_info& res, std::string_view name,
                             std::vector<status_cause> causes) {
  // Upstream: `<Kind>.<group> "<name>" is invalid: <field>: <message>`; several errors are
  // rendered as a bracketed, comma-separated list.
  std::string qualified_kind = res.group.empty() ? res.kind : res.kind + "." + res.group;
  std::string list;
  for (size_t i = 0; i < causes.size(); ++i) {
    if (i > 0)
      list += ", ";
    list += causes[i].field.empty() ? causes[i].message
                                    : causes[i].field + ": " + causes[i].message;
  }
  if (causes.size() > 1)
    list = "[" + list + "]";
  json d = json::object();
  if (!name.empty())
    d["name"] = name;
  if (!res.group.empty())
    d["group"] = res.group;
  d["kind"] = res.kind;
  json c = json::array();
  for (auto& cause : causes)
    c.push_back({{"reason", cause.reason}, {"message", cause.message}, {"field", cause.field}});
  d["causes"] = std::move(c);
  return {422, "Invalid", qualified_kind + " " + quoted(name) + " is invalid: " + list,
          std::move(d)};
}

api_error api_error::bad_request(std::string message) {
  return {400, "BadRequest", std::move(message), nullptr};
}

api_error api_error::gone(std::string message) {
  return {410, "Expired", std::move(message), nullptr};
}

api_error api_error::too_old_resource_version(int64_t requested, int64_t floor) {
  return gone("too old resource version: " + std::to_string(requested) + " ("
              + std::to_string(floor) + ")");
}

api_error api_error::watch_overflow(int64_t last_queued, int64_t current, size_t queued) {
  auto err = too_old_resource_version(last_queued, current);
  err.message += ": the watch was closed with " + std::to_string(queued) + (queued == 1 ? " event" : " events")
                 + " queued for a client that read too slowly";
  return err;
}

api_error api_error::forbidden(const resource_info& res, std::string_view name,
                               std::string_view why) {
  std::string msg = name.empty() ? res.qualified_plural() + " is forbidden: " + std::string(why)
                                 : res.qualified_plural() + " " + quoted(name)
                                     + " is forbidden: " + std::string(why);
  return {403, "Forbidden", std::move(msg), resource_details(res, name)};
}

api_error api_error::internal(std::string message) {
  return {500, "InternalError", std::move(message), nullptr};
}

api_error api_error::from_error(const kelos::error& err, const resource_info& res,
                                std::string_view name) {
  switch (err.code) {
    case errc::not_found: return {404, "NotFound", err.message, resource_details(res, name)};
    case errc::already_exists:
      return {409, "AlreadyExists", err.message, resource_details(res, name)};
    case errc::conflict: return {409, "Conflict", err.message, resource_details(res, name)};
    case errc::gone: return gone(err.message);
    case errc::forbidden: return {403, "Forbidden", err.message, resource_details(res, name)};
    case errc::invalid_spec: {
      api_error e = invalid(res, name, {{"FieldValueInvalid", err.message, ""}});
      return e;
    }
    case errc::parse_error:
    case errc::bad_request: return bad_request(err.message);
    default: return internal(err.message);
  }
}

api_error api_error::from_status(const json& status) {
  api_error e;
  e.code = static_cast<int>(k8s::get_int(status, "code", 500));
  e.reason = k8s::get_string(status, "reason", "InternalError");
  e.message = k8s::get_string(status, "message");
  if (auto it = status.find("details"); it != status.end())
    e.details = *it;
  return e;
}

} // namespace kelos::apiserver
