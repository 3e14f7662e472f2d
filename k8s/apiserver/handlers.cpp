#include "k8s/apiserver/handlers.hpp"

#include "k8s/apiserver/admission.hpp"
#include "k8s/apiserver/content.hpp"
#include "k8s/apiserver/discovery.hpp"
#include "k8s/apiserver/json_patch.hpp"
#include "k8s/apiserver/managed_fields.hpp"
#include "k8s/apiserver/merge_patch.hpp"
#include "k8s/apiserver/openapi.hpp"
#include "k8s/apiserver/request_context.hpp"
#include "k8s/apiserver/server_side_apply.hpp"
#include "k8s/apiserver/stored_object.hpp"
#include "k8s/apiserver/strategic_merge.hpp"
#include "k8s/apiserver/table.hpp"
#include "k8s/status.hpp"
#include "k8s/time.hpp"

#include <algorithm>

namespace kelos::apiserver {

namespace {

server_response json_response(int code, const json& body) {
  server_response r;
  r.status = code;
  r.body = body.dump();
  return r;
}

server_response error_response(const api_error& e) {
  return json_response(e.code, e.to_status());
}

server_response status_response(int code, std::string_view reason, std::string message) {
  api_error e;
  e.code = code;
  e.reason = std::string(reason);
  e.message = std::move(message);
  return error_response(e);
}

server_response not_found_response() {
  return status_response(404, "NotFound", "the server could not find the requested resource");
}

server_response method_not_allowed() {
  return status_response(405, "MethodNotAllowed",
                         "the server does not allow this method on the requested resource");
}

void add_warnings(server_response& r, const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) {
    std::string v = "299 - \"";
    for (char c : w) {
      if (c == '"' || c == '\\')
        v.push_back('\\');
      v.push_back(c);
    }
    v += "\"";
    r.headers.emplace_back("Warning", v);
  }
}

// Objects are stored with the apiVersion they were written with; every served version
// of a resource shares that storage, so the way out rewrites apiVersion.
json outgoing(const std::shared_ptr<const json>& obj, const resource_info& info) {
  json out = *obj;
  if (out.is_object()) {
    out["apiVersion"] = info.api_version();
    if (!out.contains("kind"))
      out["kind"] = info.kind;
  }
  return out;
}

/// The reply to a write: the committed text as it is when it already reads as `outgoing`
/// would make it (this version, a kind), which spares a copy and a serialisation of the
/// object per write; else the tree, made outgoing.
server_response write_response(int code, const write_result& w, const resource_info& info) {
  if (w.stored && w.object && served_as_stored(*w.object, info.api_version())) {
    server_response r;
    r.status = code;
    r.body = w.stored->text();
    return r;
  }
  return json_response(code, outgoing(w.object, info));
}

std::string user_agent_manager(const server_request& req) {
  std::string ua = req.header("user-agent");
  auto slash = ua.find('/');
  ua = ua.substr(0, slash);
  if (ua.empty())
    ua = "unknown";
  return ua;
}

// "fieldManager" or, as upstream, the User-Agent's product token.
std::string field_manager_of(const server_request& req) {
  auto m = query_value(req, "fieldManager");
  return m.empty() ? user_agent_manager(req) : m;
}

api_result<bool> dry_run_of(const server_request& req) {
  const auto* v = req.param("dryRun");
  if (!v || v->empty())
    return false;
  if (*v == "All")
    return true;
  return api_error::bad_request("unsupported dry run value \"" + *v + "\": only \"All\" is supported");
}

std::optional<int64_t> int_param(const server_request& req, std::string_view name) {
  const auto* v = req.param(name);
  if (!v || v->empty())
    return std::nullopt;
  try {
    return std::stoll(*v);
  } catch (...) {
    return std::nullopt;
  }
}

} // namespace

api_handlers::api_handlers(object_store& store, resource_catalog& catalog, pod_log_store& logs,
                           stream_pump& pump, handler_config config)
  : store_(store), catalog_(catalog), logs_(logs), pump_(pump), config_(std::move(config)) {
}

server_response api_handlers::handle(server_request& req) {
  auto path = parse_api_path(req.path);
  bool get = req.method == "GET" || req.method == "HEAD";
  auto snap = catalog_.snapshot();
  switch (path.kind) {
    case route::version: {
      if (!get)
        return method_not_allowed();
      json v = {{"major", "1"},
                {"minor", config_.version_minor},
                {"gitVersion", "v1." + config_.version_minor + ".0-kelos"},
                {"gitCommit", "0000000000000000000000000000000000000000"},
                {"gitTreeState", "clean"},
                {"buildDate", "2026-11-23T00:00:00Z"},
                {"goVersion", "go1.23.0"},
                {"compiler", "gc"},
                {"platform", "linux/amd64"}};
      return json_response(200, v);
    }
    case route::health: {
      server_response r;
      r.content_type = "text/plain; charset=utf-8";
      r.body = "ok";
      return r;
    }
    case route::core_versions:
    case route::group_list: {
      if (!get)
        return method_not_allowed();
      bool core = path.kind == route::core_versions;
      auto choice = negotiate_discovery(req.header("accept"));
      if (config_.aggregated_discovery && choice.format != discovery_format::legacy) {
        auto r = json_response(200, aggregated_discovery(snap->served, core, choice.format));
        r.content_type = choice.content_type;
        return r;
      }
      return json_response(200, core ? api_versions(config_.server_address.empty() ? req.header("host") : config_.server_address)
                                     : api_group_list(snap->served));
    }
    case route::group: {
      if (!get)
        return method_not_allowed();
      auto g = api_group(snap->served, path.group);
      return g ? json_response(200, *g) : not_found_response();
    }
    case route::resource_list: {
      if (!get)
        return method_not_allowed();
      auto l = api_resource_list(snap->served, path.group, path.version);
      return l ? json_response(200, *l) : not_found_response();
    }
    case route::openapi_v3_index:
      if (!config_.openapi)
        return not_found_response();
      return json_response(200, openapi_v3_index(snap->served));
    case route::openapi_v3_doc: {
      if (!config_.openapi)
        return not_found_response();
      std::string group, version;
      const auto& key = path.openapi_key;
      if (key.rfind("api/", 0) == 0) {
        version = key.substr(4);
      } else if (key.rfind("apis/", 0) == 0) {
        auto rest = key.substr(5);
        auto slash = rest.find('/');
        if (slash == std::string::npos)
          return not_found_response();
        group = rest.substr(0, slash);
        version = rest.substr(slash + 1);
      } else {
        return not_found_response();
      }
      auto doc = openapi_v3_document(snap->served, group, version);
      return doc ? json_response(200, *doc) : not_found_response();
    }
    case route::openapi_v2:
    case route::unknown:
      return not_found_response();
    case route::resource:
      return handle_resource(req, path);
  }
  return not_found_response();
}

server_response api_handlers::handle_resource(server_request& req, const api_path& path) {
  auto snap = catalog_.snapshot();
  auto entry = snap->find(path.group, path.version, path.plural);
  if (!entry)
    return not_found_response();
  const auto& info = entry->served.info;
  if (!info.namespaced && !path.namespace_.empty())
    return not_found_response();
  if (!path.subresource.empty() && !info.has_subresource(path.subresource))
    return not_found_response();
  // A namespaced object is only addressable with its namespace.
  if (info.namespaced && path.namespace_.empty() && !path.name.empty())
    return not_found_response();
  // Only `/status` is writable; other subresources (log, scale) are read-only here.
  if (!path.subresource.empty() && path.subresource != "status" && req.method != "GET" &&
      req.method != "HEAD")
    return method_not_allowed();

  const std::string& ns = path.namespace_;
  const std::string& name = path.name;
  const std::string& method = req.method;
  auto accept = req.header("accept");
  auto tbl = negotiate_table(accept);
  bool as_table = config_.table && tbl.table;

  auto table_of = [&](const std::vector<json>& objects, const json& list_meta) {
    table_options opts;
    opts.version = tbl.version.empty() ? "v1" : tbl.version;
    opts.include = parse_include_object(query_value(req, "includeObject"));
    auto r = json_response(200, to_table(entry->served, objects, list_meta, opts));
    r.content_type = tbl.content_type;
    return r;
  };

  auto dry = dry_run_of(req);
  if (!dry)
    return error_response(dry.error());

  request_admission adm;
  if (!parse_field_validation(query_value(req, "fieldValidation"), adm.mode))
    return status_response(400, "BadRequest",
                           "fieldValidation must be one of Ignore, Warn or Strict, got \"" +
                             query_value(req, "fieldValidation") + "\"");

  std::string now = k8s::format_time(k8s::now());
  std::string manager = field_manager_of(req);

  // ---- GET / LIST / WATCH ----
  if (method == "GET" || method == "HEAD") {
    if (path.is_collection()) {
      bool watch = query_flag(req, "watch");
      if (watch) {
        watch_options wo;
        wo.resource_version = query_value(req, "resourceVersion");
        wo.label_selector = query_value(req, "labelSelector");
        wo.field_selector = query_value(req, "fieldSelector");
        wo.send_initial_events = query_flag(req, "sendInitialEvents");
        wo.allow_bookmarks = query_flag(req, "allowWatchBookmarks") || wo.send_initial_events;
        auto st = store_.watch(info, ns, wo);
        if (!st)
          return error_response(st.error());
        auto timeout = config_.default_watch_timeout;
        if (auto t = int_param(req, "timeoutSeconds"); t && *t > 0)
          timeout = std::chrono::seconds(*t);
        stream_pump::watch_job job;
        job.stream = std::move(st).value();
        job.resource = entry;
        job.table = as_table;
        job.table_version = tbl.version.empty() ? "v1" : tbl.version;
        job.bookmarks = wo.allow_bookmarks;
        job.deadline = std::chrono::steady_clock::now() + timeout;
        server_response r;
        r.content_type = as_table ? tbl.content_type : "application/json";
        r.stream = [this, job](std::shared_ptr<chunk_sink> sink) mutable {
          job.sink = std::move(sink);
          pump_.add_watch(std::move(job));
        };
        return r;
      }
      list_options lo;
      lo.label_selector = query_value(req, "labelSelector");
      lo.field_selector = query_value(req, "fieldSelector");
      lo.limit = int_param(req, "limit").value_or(0);
      lo.continue_token = query_value(req, "continue");
      lo.resource_version = query_value(req, "resourceVersion");
      lo.resource_version_match = query_value(req, "resourceVersionMatch");
      auto l = store_.list(info, ns, lo);
      if (!l)
        return error_response(l.error());
      if (as_table) {
        std::vector<json> objs;
        objs.reserve(l->items.size());
        for (const auto& o : l->items)
          objs.push_back(outgoing(o, info));
        json meta = json::object();
        meta["resourceVersion"] = l->resource_version;
        if (!l->continue_token.empty())
          meta["continue"] = l->continue_token;
        if (l->remaining_item_count)
          meta["remainingItemCount"] = *l->remaining_item_count;
        return table_of(objs, meta);
      }
      json body = l->to_json(info);
      if (body.contains("items"))
        for (auto& item : body["items"])
          if (item.is_object())
            item["apiVersion"] = info.api_version();
      return json_response(200, body);
    }
    if (path.subresource == "log")
      return handle_log(req, entry, ns, name);
    auto g = store_.get(info, ns, name);
    if (!g)
      return error_response(g.error());
    if (as_table && path.subresource.empty()) {
      json meta = json::object();
      return table_of({outgoing(*g, info)}, meta);
    }
    return json_response(200, outgoing(*g, info));
  }

  // ---- POST (create) ----
  if (method == "POST") {
    if (!path.is_collection() || (info.namespaced && ns.empty()))
      return method_not_allowed();
    auto body = decode_object_body(req);
    if (!body)
      return error_response(body.error());
    json obj = std::move(body).value();
    std::string av = k8s::get_string(obj, "apiVersion");
    if (!av.empty() && av != info.api_version())
      return status_response(400, "BadRequest",
                             "the API version in the data (" + av +
                               ") does not match the expected API version (" + info.api_version() + ")");
    std::string kind = k8s::get_string(obj, "kind");
    if (!kind.empty() && kind != info.kind)
      return status_response(400, "BadRequest",
                             "the kind in the data (" + kind + ") does not match the expected kind (" +
                               info.kind + ")");
    obj["apiVersion"] = info.api_version();
    obj["kind"] = info.kind;
    if (!obj.contains("metadata") || !obj["metadata"].is_object())
      obj["metadata"] = json::object();
    normalize_micro_times(info, obj);
    auto mf = update_managed_fields(json(), obj, manager, info.api_version(), now, entry->lists);
    if (mf && !mf->empty())
      obj["metadata"]["managedFields"] = *mf;
    else
      obj["metadata"].erase("managedFields");
    write_options wo;
    wo.dry_run = *dry;
    wo.field_manager = manager;
    api_result<write_result> w = [&] {
      admission_scope scope(adm);
      return store_.create(info, ns, std::move(obj), wo);
    }();
    if (!w)
      return error_response(w.error());
    auto r = write_response(201, *w, info);
    add_warnings(r, adm.warnings);
    return r;
  }

  // ---- PUT (update) ----
  if (method == "PUT") {
    if (path.is_collection())
      return method_not_allowed();
    auto body = decode_object_body(req);
    if (!body)
      return error_response(body.error());
    json obj = std::move(body).value();
    if (!obj.contains("metadata") || !obj["metadata"].is_object())
      obj["metadata"] = json::object();
    std::string body_name = k8s::get_string(obj["metadata"], "name");
    if (!body_name.empty() && body_name != name)
      return status_response(400, "BadRequest",
                             "the name of the object (" + body_name +
                               ") does not match the name on the URL (" + name + ")");
    std::string av = k8s::get_string(obj, "apiVersion");
    if (!av.empty() && av != info.api_version())
      return status_response(400, "BadRequest",
                             "the API version in the data (" + av +
                               ") does not match the expected API version (" + info.api_version() + ")");
    obj["metadata"]["name"] = name;
    obj["apiVersion"] = info.api_version();
    obj["kind"] = info.kind;
    normalize_micro_times(info, obj);
    write_options wo;
    wo.dry_run = *dry;
    wo.field_manager = manager;
    wo.subresource = path.subresource;
    auto lists = entry->lists;
    api_result<write_result> w = [&] {
      admission_scope scope(adm);
      return store_.mutate(
        info, ns, name,
        [&](const json* cur) -> api_result<json> {
          if (!cur)
            return api_error::not_found(info, name);
          json next = obj;
          auto mf = update_managed_fields(*cur, next, manager, info.api_version(), now, lists,
                                          path.subresource);
          if (mf)
            next["metadata"]["managedFields"] = *mf;
          return next;
        },
        wo);
    }();
    if (!w)
      return error_response(w.error());
    auto r = write_response(w->created ? 201 : 200, *w, info);
    add_warnings(r, adm.warnings);
    return r;
  }

  // ---- PATCH ----
  if (method == "PATCH") {
    if (path.is_collection())
      return method_not_allowed();
    bool strategic_ok = !entry->served.from_crd && strategic_merge_supported(info.kind);
    auto pt = decode_patch_type(req, strategic_ok);
    if (!pt)
      return error_response(pt.error());
    auto patch = decode_patch_body(req, *pt);
    if (!patch)
      return error_response(patch.error());
    if (*pt == patch_type::apply && query_value(req, "fieldManager").empty())
      return status_response(400, "BadRequest",
                             "PATCH with apply-patch requires fieldManager to be set");
    bool force = query_flag(req, "force");
    if (*pt != patch_type::apply && req.param("force"))
      return status_response(400, "BadRequest", "force may only be specified with apply patches");
    write_options wo;
    wo.dry_run = *dry;
    wo.field_manager = manager;
    wo.subresource = path.subresource;
    const json& p = *patch;
    auto lists = entry->lists;
    std::string kind = info.kind;
    api_result<write_result> w = [&] {
      admission_scope scope(adm);
      return store_.mutate(
        info, ns, name,
        [&](const json* cur) -> api_result<json> {
          if (*pt == patch_type::apply) {
            apply_request ar;
            ar.live = cur ? *cur : json();
            ar.applied = p;
            if (!ar.applied.contains("metadata") || !ar.applied["metadata"].is_object())
              ar.applied["metadata"] = json::object();
            auto applied_name = k8s::get_string(ar.applied["metadata"], "name");
            if (!applied_name.empty() && applied_name != name)
              return api_error::bad_request("the name of the object (" + applied_name +
                                            ") does not match the name on the URL (" + name + ")");
            ar.applied["metadata"]["name"] = name;
            if (info.namespaced && !ar.applied["metadata"].contains("namespace"))
              ar.applied["metadata"]["namespace"] = ns;
            ar.manager = manager;
            ar.force = force;
            ar.api_version = info.api_version();
            ar.now = now;
            ar.lists = lists;
            ar.ignore_status = path.subresource != "status";
            auto res = server_side_apply(ar);
            if (!res)
              return api_error::from_error(res.error(), info, name);
            if (!res->ok())
              return api_error::from_status(apply_conflict_status(*res));
            normalize_micro_times(info, res->object);
            // Re-applying the same configuration only moves this manager's timestamp:
            // keep the stored object so nothing is written and no event is sent.
            if (cur && equal_ignoring_managed_fields_times(*cur, res->object))
              return *cur;
            return std::move(res->object);
          }
          if (!cur)
            return api_error::not_found(info, name);
          json next;
          if (*pt == patch_type::merge) {
            next = apply_merge_patch(*cur, p);
          } else if (*pt == patch_type::json_patch) {
            auto r = apply_json_patch(*cur, p);
            if (!r) {
              api_error e;
              e.code = 422;
              e.reason = "Invalid";
              e.message = r.error().message;
              return e;
            }
            next = std::move(r).value();
          } else {
            auto r = apply_strategic_merge_patch(kind, *cur, p);
            if (!r)
              return api_error::from_error(r.error(), info, name);
            next = std::move(r).value();
          }
          if (!next.is_object())
            return api_error::bad_request("the patch result is not an object");
          if (!next.contains("metadata") || !next["metadata"].is_object())
            next["metadata"] = json::object();
          // The request's version decides which schema admits the result.
          next["apiVersion"] = info.api_version();
          normalize_micro_times(info, next);
          auto mf = update_managed_fields(*cur, next, manager, info.api_version(), now, lists,
                                          path.subresource);
          if (mf)
            next["metadata"]["managedFields"] = *mf;
          return next;
        },
        wo, *pt == patch_type::apply);
    }();
    if (!w)
      return error_response(w.error());
    auto r = write_response(w->created ? 201 : 200, *w, info);
    add_warnings(r, adm.warnings);
    return r;
  }

  // ---- DELETE ----
  if (method == "DELETE") {
    if (!path.subresource.empty())
      return method_not_allowed();
    delete_options d;
    d.dry_run = *dry;
    d.propagation_policy = query_value(req, "propagationPolicy");
    bool orphan_false = false;
    if (!req.body.empty()) {
      auto opts = json::parse(req.body, nullptr, false);
      if (opts.is_discarded() || !opts.is_object())
        return status_response(400, "BadRequest", "the DeleteOptions body is not valid JSON");
      if (auto pp = k8s::get_string(opts, "propagationPolicy"); !pp.empty())
        d.propagation_policy = pp;
      if (opts.contains("orphanDependents") && opts["orphanDependents"].is_boolean()) {
        bool orphan = opts["orphanDependents"].get<bool>();
        if (d.propagation_policy.empty())
          d.propagation_policy = orphan ? "Orphan" : "Background";
        orphan_false = !orphan;
      }
      if (auto pre = opts.find("preconditions"); pre != opts.end() && pre->is_object()) {
        if (auto u = k8s::get_string(*pre, "uid"); !u.empty())
          d.precondition_uid = u;
        if (auto rv = k8s::get_string(*pre, "resourceVersion"); !rv.empty())
          d.precondition_resource_version = rv;
      }
      if (auto dr = opts.find("dryRun"); dr != opts.end() && dr->is_array() && !dr->empty())
        d.dry_run = true;
    }
    if (!d.propagation_policy.empty() && d.propagation_policy != "Background" &&
        d.propagation_policy != "Foreground" && d.propagation_policy != "Orphan")
      return status_response(400, "BadRequest",
                             "propagationPolicy must be one of Background, Foreground or Orphan");
    if (path.is_collection()) {
      list_options lo;
      lo.label_selector = query_value(req, "labelSelector");
      lo.field_selector = query_value(req, "fieldSelector");
      auto removed = store_.remove_collection(info, ns, lo, d);
      if (!removed)
        return error_response(removed.error());
      json list = {{"kind", info.kind + "List"},
                   {"apiVersion", info.api_version()},
                   {"metadata", json::object()},
                   {"items", json::array()}};
      for (const auto& o : *removed)
        list["items"].push_back(outgoing(o, info));
      return json_response(200, list);
    }
    auto r = store_.remove(info, ns, name, d);
    if (!r)
      return error_response(r.error());
    if (r->removed && entry->served.from_crd) {
      json details = {{"name", name}, {"kind", info.plural}};
      if (!info.group.empty())
        details["group"] = info.group;
      if (r->object && r->object->contains("metadata"))
        details["uid"] = k8s::get_string((*r->object)["metadata"], "uid");
      json status = {{"kind", "Status"},
                     {"apiVersion", "v1"},
                     {"metadata", json::object()},
                     {"status", "Success"},
                     {"details", details}};
      return json_response(200, status);
    }
    return json_response(!r->removed && orphan_false ? 202 : 200, outgoing(r->object, info));
  }

  return method_not_allowed();
}

server_response api_handlers::handle_log(server_request& req,
                                         const std::shared_ptr<const catalog_entry>& entry,
                                         const std::string& ns, const std::string& name) {
  const auto& info = entry->served.info;
  auto g = store_.get(info, ns, name);
  if (!g)
    return error_response(g.error());
  const json& pod = **g;
  std::vector<std::string> containers, all;
  if (const json* spec = k8s::find_path(pod, "spec")) {
    for (const char* key : {"containers", "initContainers", "ephemeralContainers"})
      if (auto it = spec->find(key); it != spec->end() && it->is_array())
        for (const auto& c : *it) {
          auto n = k8s::get_string(c, "name");
          if (std::string(key) == "containers")
            containers.push_back(n);
          all.push_back(n);
        }
  }
  std::string container = query_value(req, "container");
  if (container.empty()) {
    if (containers.size() == 1) {
      container = containers[0];
    } else if (containers.empty()) {
      return status_response(400, "BadRequest", "pod " + name + " has no containers");
    } else {
      std::string list;
      for (std::size_t i = 0; i < containers.size(); ++i)
        list += (i ? " " : "") + containers[i];
      return status_response(400, "BadRequest",
                             "a container name must be specified for pod " + name +
                               ", choose one of: [" + list + "]");
    }
  } else if (std::find(all.begin(), all.end(), container) == all.end()) {
    return status_response(400, "BadRequest",
                           "container " + container + " is not valid for pod " + name);
  }
  pod_log_store::read_options opts;
  opts.tail_lines = int_param(req, "tailLines");
  opts.limit_bytes = int_param(req, "limitBytes");
  opts.timestamps = query_flag(req, "timestamps");
  if (auto s = int_param(req, "sinceSeconds"); s && *s > 0)
    opts.since = k8s::now() - std::chrono::seconds(*s);
  if (const auto* st = req.param("sinceTime"); st && !st->empty()) {
    auto t = k8s::parse_time(*st);
    if (!t)
      return status_response(400, "BadRequest", "sinceTime is not an RFC 3339 time: " + *st);
    opts.since = *t;
  }
  if (!query_flag(req, "follow")) {
    auto r = logs_.read(ns, name, container, 0, opts);
    server_response resp;
    resp.content_type = "text/plain";
    resp.body = std::move(r.text);
    return resp;
  }
  server_response resp;
  resp.content_type = "text/plain";
  stream_pump::log_job job;
  job.ns = ns;
  job.pod = name;
  job.container = container;
  job.resource = entry;
  job.uid = k8s::get_string(pod["metadata"], "uid");
  job.options = opts;
  resp.stream = [this, job](std::shared_ptr<chunk_sink> sink) mutable {
    job.sink = std::move(sink);
    pump_.add_log(std::move(job));
  };
  return resp;
}

} // namespace kelos::apiserver
