#include "k8s/apiserver/openapi.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>

namespace kelos::apiserver {

namespace {

using k8s::json;

const char* const object_meta_ref = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const char* const list_meta_ref = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";
const char* const status_ref = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status";
const char* const delete_options_ref =
  "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";
const char* const patch_ref = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
const char* const scale_name = "io.k8s.api.autoscaling.v1.Scale";

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

std::string capitalize(std::string s) {
  if (!s.empty())
    s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

bool is_builtin_group(std::string_view group) {
  return group.empty() || group.find('.') == std::string_view::npos
         || group.ends_with(".k8s.io");
}

// "patchKelosDevV1alpha1NamespacedTask", "listCoreV1PodForAllNamespaces".
std::string operation_id(std::string_view verb, const served_resource& r, bool namespaced,
                         std::string_view suffix = {}) {
  std::string group_part;
  if (r.info.group.empty()) {
    group_part = "Core";
  } else {
    std::string_view g = r.info.group;
    if (g.ends_with(".k8s.io"))
      g.remove_suffix(7);
    for (auto& part : split(g, '.'))
      for (auto& piece : split(part, '-'))
        group_part += capitalize(piece);
  }
  return std::string{verb} + group_part + capitalize(r.info.version)
         + (namespaced ? "Namespaced" : "") + r.info.kind + std::string{suffix};
}

json gvk_json(const k8s::gvk& t) {
  return json{{"group", t.group}, {"version", t.version}, {"kind", t.kind}};
}

json ref(const std::string& target) { return json{{"$ref", target}}; }

json query_param(const char* name, const char* description, const char* type = "string") {
  return json{{"name", name},
              {"in", "query"},
              {"description", description},
              {"schema", {{"type", type}, {"uniqueItems", true}}}};
}

json write_params(bool with_force) {
  json p = json::array({
    query_param("dryRun",
                "When present, indicates that modifications should not be persisted. Valid "
                "values are: - All: all dry run stages will be processed"),
    query_param("fieldManager",
                "fieldManager is a name associated with the actor or entity that is making "
                "these changes."),
    query_param("fieldValidation",
                "fieldValidation instructs the server on how to handle objects in the request "
                "containing unknown or duplicate fields. Valid values are: Ignore, Warn, "
                "Strict."),
  });
  if (with_force)
    p.push_back(query_param("force",
                            "Force is going to \"force\" Apply requests. It means user will "
                            "re-acquire conflicting fields owned by other people.",
                            "boolean"));
  return p;
}

json list_params() {
  return json::array({
    query_param("allowWatchBookmarks", "requests watch events with type BOOKMARK", "boolean"),
    query_param("continue", "The continue option should be set when retrieving more results."),
    query_param("fieldSelector", "A selector to restrict the list of returned objects by fields."),
    query_param("labelSelector", "A selector to restrict the list of returned objects by labels."),
    query_param("limit", "limit is a maximum number of responses to return for a list call.",
                "integer"),
    query_param("resourceVersion", "resourceVersion sets a constraint on what resource versions "
                                   "a request may be served from."),
    query_param("resourceVersionMatch",
                "resourceVersionMatch determines how resourceVersion is applied to list calls."),
    query_param("sendInitialEvents",
                "sendInitialEvents=true may be set together with watch=true.", "boolean"),
    query_param("timeoutSeconds", "Timeout for the list/watch call.", "integer"),
    query_param("watch", "Watch for changes to the described resources.", "boolean"),
  });
}

json json_content(const std::string& schema_ref) {
  json schema = ref(schema_ref);
  return json{{"application/json", {{"schema", schema}}},
              {"application/yaml", {{"schema", schema}}}};
}

json response(const char* description, const std::string& schema_ref) {
  return json{{"description", description}, {"content", json_content(schema_ref)}};
}

json operation(const std::string& id, const char* action, const k8s::gvk& type,
               const std::string& description) {
  return json{{"description", description},
              {"operationId", id},
              {"x-kubernetes-action", action},
              {"x-kubernetes-group-version-kind", gvk_json(type)}};
}

bool has_verb(const served_resource& r, std::string_view verb) {
  return std::find(r.verbs.begin(), r.verbs.end(), verb) != r.verbs.end();
}

json path_param(const char* name, const char* description) {
  return json{{"name", name},
              {"in", "path"},
              {"description", description},
              {"required", true},
              {"schema", {{"type", "string"}, {"uniqueItems", true}}}};
}

json common_path_params(bool namespaced, bool with_name) {
  json p = json::array();
  if (with_name)
    p.push_back(path_param("name", "name of the object"));
  if (namespaced)
    p.push_back(path_param("namespace", "object name and auth scope, such as for teams and projects"));
  p.push_back(query_param("pretty", "If 'true', then the output is pretty printed."));
  return p;
}

// The operations of an object-level path (the object itself, or /status, /scale).
json object_operations(const served_resource& r, const k8s::gvk& type,
                       const std::string& schema, bool namespaced, std::string_view suffix,
                       bool with_delete) {
  json item = json::object();
  item["parameters"] = common_path_params(namespaced, true);
  std::string what = suffix.empty() ? "the specified " + type.kind
                                    : std::string{suffix.substr(1)} + " of the specified "
                                        + r.info.kind;
  std::string id_suffix;
  if (!suffix.empty())
    id_suffix = capitalize(std::string{suffix.substr(1)});
  if (has_verb(r, "get")) {
    json op = operation(operation_id("read", r, namespaced, id_suffix), "get", type, "read " + what);
    op["responses"] = json{{"200", response("OK", schema)}};
    item["get"] = std::move(op);
  }
  if (has_verb(r, "update")) {
    json op = operation(operation_id("replace", r, namespaced, id_suffix), "put", type,
                        "replace " + what);
    op["parameters"] = write_params(false);
    op["requestBody"] = json{{"content", json_content(schema)}, {"required", true}};
    op["responses"] = json{{"200", response("OK", schema)}, {"201", response("Created", schema)}};
    item["put"] = std::move(op);
  }
  if (has_verb(r, "patch")) {
    json op = operation(operation_id("patch", r, namespaced, id_suffix), "patch", type,
                        "partially update " + what);
    op["parameters"] = write_params(true);
    // No strategic-merge-patch here on purpose: kubectl then sends merge patches for
    // CRs and uses its compiled-in strategic merge for built-ins.
    json patch_schema = json{{"schema", ref(patch_ref)}};
    op["requestBody"] = json{{"content",
                              {{"application/json-patch+json", patch_schema},
                               {"application/merge-patch+json", patch_schema},
                               {"application/apply-patch+yaml", patch_schema}}},
                             {"required", true}};
    op["responses"] = json{{"200", response("OK", schema)}, {"201", response("Created", schema)}};
    item["patch"] = std::move(op);
  }
  if (with_delete && has_verb(r, "delete")) {
    json op = operation(operation_id("delete", r, namespaced), "delete", type, "delete " + what);
    json params = json::array({query_param("dryRun", "When present, indicates that "
                                                     "modifications should not be persisted."),
                               query_param("gracePeriodSeconds",
                                           "The duration in seconds before the object should be "
                                           "deleted.",
                                           "integer"),
                               query_param("propagationPolicy",
                                           "Whether and how garbage collection will be "
                                           "performed.")});
    op["parameters"] = std::move(params);
    op["requestBody"] = json{{"content", json_content(delete_options_ref)}};
    op["responses"] = json{{"200", response("OK", status_ref)},
                           {"202", response("Accepted", status_ref)}};
    item["delete"] = std::move(op);
  }
  return item;
}

json collection_operations(const served_resource& r, const std::string& schema,
                           const std::string& list_schema, bool namespaced) {
  json item = json::object();
  item["parameters"] = common_path_params(namespaced, false);
  auto type = r.info.type();
  if (has_verb(r, "list")) {
    json op = operation(operation_id("list", r, namespaced), "list", type,
                        "list or watch objects of kind " + r.info.kind);
    op["parameters"] = list_params();
    op["responses"] = json{{"200", response("OK", list_schema)}};
    item["get"] = std::move(op);
  }
  if (has_verb(r, "create")) {
    json op = operation(operation_id("create", r, namespaced), "post", type,
                        "create a " + r.info.kind);
    op["parameters"] = write_params(false);
    op["requestBody"] = json{{"content", json_content(schema)}, {"required", true}};
    op["responses"] = json{{"200", response("OK", schema)},
                           {"201", response("Created", schema)},
                           {"202", response("Accepted", schema)}};
    item["post"] = std::move(op);
  }
  if (has_verb(r, "deletecollection")) {
    json op = operation(operation_id("deletecollection", r, namespaced), "deletecollection",
                        type, "delete collection of " + r.info.kind);
    op["parameters"] = list_params();
    op["requestBody"] = json{{"content", json_content(delete_options_ref)}};
    op["responses"] = json{{"200", response("OK", status_ref)}};
    item["delete"] = std::move(op);
  }
  return item;
}

json kind_schema(const served_resource& r) {
  json s;
  if (r.schema.is_object()) {
    s = r.schema;
  } else {
    s = json{{"type", "object"},
             {"description", r.info.kind + " (full schema not published by this server)"},
             {"x-kubernetes-preserve-unknown-fields", true}};
  }
  s["type"] = "object";
  json& props = s["properties"];
  if (!props.is_object())
    props = json::object();
  props["apiVersion"] = json{{"type", "string"},
                             {"description", "APIVersion defines the versioned schema of this "
                                             "representation of an object."}};
  props["kind"] = json{{"type", "string"},
                       {"description", "Kind is a string value representing the REST resource "
                                       "this object represents."}};
  props["metadata"] = json{{"allOf", json::array({ref(object_meta_ref)})},
                           {"default", json::object()},
                           {"description", "Standard object's metadata."}};
  s["x-kubernetes-group-version-kind"] = json::array({gvk_json(r.info.type())});
  return s;
}

json list_schema(const served_resource& r, const std::string& item_ref) {
  k8s::gvk list_type{r.info.group, r.info.version,
                     r.list_kind.empty() ? r.info.kind + "List" : r.list_kind};
  return json{
    {"type", "object"},
    {"description", list_type.kind + " is a list of " + r.info.kind},
    {"required", json::array({"items"})},
    {"properties",
     {{"apiVersion", {{"type", "string"}}},
      {"kind", {{"type", "string"}}},
      {"items", {{"type", "array"}, {"items", ref(item_ref)}}},
      {"metadata", {{"allOf", json::array({ref(list_meta_ref)})}, {"default", json::object()}}}}},
    {"x-kubernetes-group-version-kind", json::array({gvk_json(list_type)})}};
}

json meta_schemas() {
  auto open_object = [](const char* description) {
    return json{{"type", "object"},
                {"description", description},
                {"x-kubernetes-preserve-unknown-fields", true}};
  };
  json object_meta = open_object("ObjectMeta is metadata that all persisted resources must have.");
  object_meta["properties"] = json{
    {"name", {{"type", "string"}, {"description", "Name must be unique within a namespace."}}},
    {"generateName", {{"type", "string"}}},
    {"namespace", {{"type", "string"}}},
    {"uid", {{"type", "string"}}},
    {"resourceVersion", {{"type", "string"}}},
    {"generation", {{"type", "integer"}, {"format", "int64"}}},
    {"creationTimestamp", {{"type", "string"}, {"format", "date-time"}}},
    {"deletionTimestamp", {{"type", "string"}, {"format", "date-time"}}},
    {"labels", {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}},
    {"annotations", {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}},
    {"finalizers", {{"type", "array"}, {"items", {{"type", "string"}}}}},
    {"ownerReferences", {{"type", "array"}, {"items", open_object("OwnerReference")}}},
    {"managedFields", {{"type", "array"}, {"items", open_object("ManagedFieldsEntry")}}},
  };
  return json{
    {"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", object_meta},
    {"io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta",
     open_object("ListMeta describes metadata that synthetic resources must have.")},
    {"io.k8s.apimachinery.pkg.apis.meta.v1.Status",
     open_object("Status is a return value for calls that don't return other objects.")},
    {"io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
     open_object("DeleteOptions may be provided when deleting an API object.")},
    {"io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
     json{{"type", "object"},
          {"description", "Patch is provided to give a concrete name and type to the "
                          "Kubernetes PATCH request body."}}},
  };
}

uint64_t fnv1a(std::string_view s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

} // namespace

std::string openapi_gv_key(std::string_view group, std::string_view version) {
  if (group.empty())
    return "api/" + std::string{version};
  return "apis/" + std::string{group} + "/" + std::string{version};
}

std::string openapi_schema_name(const k8s::gvk& type) {
  std::string prefix;
  if (type.group == "apiextensions.k8s.io") {
    prefix = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions";
  } else if (is_builtin_group(type.group)) {
    auto first = type.group.empty() ? std::string{"core"} : split(type.group, '.').front();
    prefix = "io.k8s.api." + first;
  } else {
    auto parts = split(type.group, '.');
    std::reverse(parts.begin(), parts.end());
    for (auto& p : parts)
      prefix += (prefix.empty() ? "" : ".") + p;
  }
  return prefix + "." + type.version + "." + type.kind;
}

std::string content_hash(const k8s::json& doc) {
  auto text = doc.dump();
  uint64_t a = fnv1a(text, 1469598103934665603ULL);
  uint64_t b = fnv1a(text, 0x84222325cbf29ce4ULL ^ text.size());
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llX%016llX", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return buf;
}

std::optional<k8s::json> openapi_v3_document(const std::vector<served_resource>& resources,
                                             std::string_view group, std::string_view version) {
  json paths = json::object();
  json schemas = meta_schemas();
  bool found = false;
  for (auto& r : resources) {
    if (r.info.group != group || r.info.version != version)
      continue;
    found = true;
    auto type = r.info.type();
    auto name = openapi_schema_name(type);
    auto list_name = openapi_schema_name(
      {type.group, type.version, r.list_kind.empty() ? type.kind + "List" : r.list_kind});
    std::string schema = "#/components/schemas/" + name;
    std::string list_ref = "#/components/schemas/" + list_name;
    schemas[name] = kind_schema(r);
    schemas[list_name] = list_schema(r, schema);

    std::string prefix = group.empty() ? "/api/" + std::string{version}
                                       : "/apis/" + std::string{group} + "/" + std::string{version};
    bool ns = r.info.namespaced;
    std::string coll = ns ? prefix + "/namespaces/{namespace}/" + r.info.plural
                          : prefix + "/" + r.info.plural;
    std::string obj = coll + "/{name}";
    paths[coll] = collection_operations(r, schema, list_ref, ns);
    paths[obj] = object_operations(r, type, schema, ns, {}, true);
    for (auto& sub : r.info.subresources) {
      if (sub == "status") {
        paths[obj + "/status"] = object_operations(r, type, schema, ns, "/status", false);
      } else if (sub == "scale") {
        schemas[scale_name] = json{
          {"type", "object"},
          {"description", "Scale represents a scaling request for a resource."},
          {"x-kubernetes-preserve-unknown-fields", true},
          {"x-kubernetes-group-version-kind",
           json::array({gvk_json({"autoscaling", "v1", "Scale"})})}};
        paths[obj + "/scale"] = object_operations(r, {"autoscaling", "v1", "Scale"},
                                                  std::string{"#/components/schemas/"} + scale_name,
                                                  ns, "/scale", false);
      } else if (sub == "log") {
        json op = operation(operation_id("read", r, ns, "Log"), "get", type,
                            "read log of the specified " + r.info.kind);
        op["parameters"] = json::array({query_param("container", "The container for which to "
                                                                 "stream logs."),
                                        query_param("follow", "Follow the log stream.", "boolean"),
                                        query_param("tailLines", "Lines from the end.", "integer"),
                                        query_param("sinceSeconds", "Relative time in seconds.",
                                                    "integer")});
        op["responses"] = json{
          {"200", {{"description", "OK"},
                   {"content", {{"text/plain", {{"schema", {{"type", "string"}}}}}}}}}};
        paths[obj + "/log"] = json{{"parameters", common_path_params(ns, true)}, {"get", op}};
      }
    }
    if (ns && has_verb(r, "list")) {
      json op = operation(operation_id("list", r, false, "ForAllNamespaces"), "list", type,
                          "list or watch objects of kind " + r.info.kind);
      op["responses"] = json{{"200", response("OK", list_ref)}};
      paths[prefix + "/" + r.info.plural] =
        json{{"parameters", list_params()}, {"get", std::move(op)}};
    }
  }
  if (!found)
    return std::nullopt;
  return json{{"openapi", "3.0.0"},
              {"info", {{"title", "Kubernetes"}, {"version", "v0.0.0-kelos"}}},
              {"paths", paths},
              {"components", {{"schemas", schemas}}}};
}

k8s::json openapi_v3_index(const std::vector<served_resource>& resources) {
  json paths = json::object();
  for (auto& r : resources) {
    auto key = openapi_gv_key(r.info.group, r.info.version);
    if (paths.contains(key))
      continue;
    auto doc = openapi_v3_document(resources, r.info.group, r.info.version);
    paths[key] = json{{"serverRelativeURL", "/openapi/v3/" + key + "?hash=" + content_hash(*doc)}};
  }
  return json{{"paths", paths}};
}

} // namespace kelos::apiserver
