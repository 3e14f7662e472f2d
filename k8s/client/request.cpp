#include "k8s/client/request.hpp"

namespace kelos::k8s {

namespace {

constexpr std::string_view json_type = "application/json";

http_request make(std::string method, std::string path) {
  http_request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.headers.emplace_back("Accept", std::string{json_type});
  return r;
}

void add_if(http_request& r, const char* key, const std::string& value) {
  if (!value.empty()) r.query.emplace_back(key, value);
}

void add_write_query(http_request& r, bool dry_run, const std::string& field_manager) {
  if (dry_run) r.query.emplace_back("dryRun", "All");
  add_if(r, "fieldManager", field_manager);
}

void set_json_body(http_request& r, const json& object) {
  r.headers.emplace_back("Content-Type", std::string{json_type});
  r.body = object.dump();
}

} // namespace

std::string_view content_type(patch_type type) noexcept {
  switch (type) {
    case patch_type::merge: return "application/merge-patch+json";
    case patch_type::json: return "application/json-patch+json";
    case patch_type::strategic: return "application/strategic-merge-patch+json";
    case patch_type::apply: return "application/apply-patch+yaml";
  }
  return "application/merge-patch+json";
}

http_request get_request(const resource_info& res, std::string_view ns, std::string_view name) {
  return make("GET", res.object_path(ns, name));
}

http_request list_request(const resource_info& res, std::string_view ns, const list_options& opts) {
  auto r = make("GET", res.collection_path(ns));
  add_if(r, "labelSelector", opts.label_selector);
  add_if(r, "fieldSelector", opts.field_selector);
  if (opts.limit > 0) r.query.emplace_back("limit", std::to_string(opts.limit));
  add_if(r, "continue", opts.continue_token);
  add_if(r, "resourceVersion", opts.resource_version);
  add_if(r, "resourceVersionMatch", opts.resource_version_match);
  return r;
}

http_request watch_request(const resource_info& res, std::string_view ns, const watch_options& opts) {
  auto r = make("GET", res.collection_path(ns));
  add_if(r, "labelSelector", opts.label_selector);
  add_if(r, "fieldSelector", opts.field_selector);
  add_if(r, "resourceVersion", opts.resource_version);
  if (!opts.resource_version_match.empty())
    r.query.emplace_back("resourceVersionMatch", opts.resource_version_match);
  else if (opts.send_initial_events)
    // The API server rejects sendInitialEvents without this match (KEP-3157).
    r.query.emplace_back("resourceVersionMatch", "NotOlderThan");
  if (opts.allow_bookmarks) r.query.emplace_back("allowWatchBookmarks", "true");
  if (opts.send_initial_events) r.query.emplace_back("sendInitialEvents", "true");
  if (opts.timeout_seconds > 0) r.query.emplace_back("timeoutSeconds", std::to_string(opts.timeout_seconds));
  r.query.emplace_back("watch", "true");
  r.streaming = true;
  return r;
}

http_request create_request(const resource_info& res, std::string_view ns, const json& object,
                            const write_options& opts) {
  auto r = make("POST", res.collection_path(ns));
  add_write_query(r, opts.dry_run, opts.field_manager);
  set_json_body(r, object);
  r.idempotent = false;
  return r;
}

http_request update_request(const resource_info& res, std::string_view ns, std::string_view name,
                            const json& object, const write_options& opts) {
  auto r = make("PUT", res.object_path(ns, name));
  add_write_query(r, opts.dry_run, opts.field_manager);
  set_json_body(r, object);
  return r;
}

http_request update_status_request(const resource_info& res, std::string_view ns, std::string_view name,
                                   const json& object, const write_options& opts) {
  auto r = make("PUT", res.object_path(ns, name, "status"));
  add_write_query(r, opts.dry_run, opts.field_manager);
  set_json_body(r, object);
  return r;
}

kelos::expected<http_request> patch_request(const resource_info& res, std::string_view ns,
                                            std::string_view name, patch_type type, std::string body,
                                            const patch_options& opts, std::string_view subresource) {
  if (type == patch_type::apply && opts.field_manager.empty())
    return make_error(errc::invalid_spec, "server-side apply of " + res.qualified_plural() + " \"" +
                                            std::string{name} + "\" needs a fieldManager");
  auto r = make("PATCH", res.object_path(ns, name, subresource));
  add_write_query(r, opts.dry_run, opts.field_manager);
  if (type == patch_type::apply && opts.force) r.query.emplace_back("force", "true");
  r.headers.emplace_back("Content-Type", std::string{content_type(type)});
  r.body = std::move(body);
  // JSON patch array operations ("add" to "/-") apply twice when resent.
  r.idempotent = type != patch_type::json;
  return r;
}

json delete_options_body(const delete_options& opts) {
  json body = json::object();
  if (!opts.propagation_policy.empty()) body["propagationPolicy"] = opts.propagation_policy;
  if (opts.grace_period_seconds) body["gracePeriodSeconds"] = *opts.grace_period_seconds;
  if (!opts.precondition_uid.empty()) body["preconditions"]["uid"] = opts.precondition_uid;
  if (!opts.precondition_resource_version.empty())
    body["preconditions"]["resourceVersion"] = opts.precondition_resource_version;
  return body;
}

http_request delete_request(const resource_info& res, std::string_view ns, std::string_view name,
                            const delete_options& opts) {
  auto r = make("DELETE", res.object_path(ns, name));
  auto body = delete_options_body(opts);
  if (!body.empty()) {
    body["kind"] = "DeleteOptions";
    body["apiVersion"] = "v1";
    set_json_body(r, body);
  }
  return r;
}

http_request pod_logs_request(std::string_view ns, std::string_view name, const log_options& opts) {
  std::string path = "/api/v1/namespaces/";
  path += ns;
  path += "/pods/";
  path += name;
  path += "/log";
  http_request r;
  r.method = "GET";
  r.path = std::move(path);
  r.headers.emplace_back("Accept", "text/plain");
  add_if(r, "container", opts.container);
  if (opts.follow) r.query.emplace_back("follow", "true");
  if (opts.tail_lines) r.query.emplace_back("tailLines", std::to_string(*opts.tail_lines));
  if (opts.since_seconds) r.query.emplace_back("sinceSeconds", std::to_string(*opts.since_seconds));
  add_if(r, "sinceTime", opts.since_time);
  if (opts.timestamps) r.query.emplace_back("timestamps", "true");
  r.streaming = opts.follow;
  return r;
}

} // namespace kelos::k8s
