#include "actors/task/cache_projection.hpp"

namespace kelos::task {
namespace {

using k8s::json;

/// Keeps only `keys` of `from[field]` (an object), if present.
void keep_fields(json& obj, const char* field, std::initializer_list<const char*> keys) {
  auto it = obj.find(field);
  if (it == obj.end() || !it->is_object())
    return;
  json kept = json::object();
  for (const char* k : keys)
    if (auto f = it->find(k); f != it->end())
      kept[k] = std::move(*f);
  *it = std::move(kept);
}

/// `[{name: …}, …]` from a container list.
json names_only(const json& containers) {
  json out = json::array();
  if (containers.is_array())
    for (const auto& c : containers)
      if (c.is_object() && c.contains("name"))
        out.push_back(json{{"name", c["name"]}});
  return out;
}

} // namespace

json project_for_task_controller(std::string_view kind, json&& object) {
  json obj = std::move(object);
  if (!obj.is_object())
    return obj;
  bool kelos_kind = kind == "Task" || kind == "Workspace" || kind == "AgentConfig" || kind == "TaskSpawner";
  if (auto m = obj.find("metadata"); m != obj.end() && m->is_object()) {
    m->erase("managedFields");
    if (!kelos_kind) {
      m->erase("annotations");
    } else if (auto a = m->find("annotations"); a != m->end() && a->is_object()) {
      a->erase("kubectl.kubernetes.io/last-applied-configuration");
      if (a->empty())
        m->erase("annotations");
    }
  }
  if (kind == "Job") {
    keep_fields(obj, "spec", {"activeDeadlineSeconds", "backoffLimit"});
  } else if (kind == "Pod") {
    if (auto s = obj.find("spec"); s != obj.end() && s->is_object()) {
      json spec = json::object();
      if (auto n = s->find("nodeName"); n != s->end())
        spec["nodeName"] = std::move(*n);
      spec["containers"] = names_only(s->value("containers", json::array()));
      if (s->contains("initContainers"))
        spec["initContainers"] = names_only((*s)["initContainers"]);
      *s = std::move(spec);
    }
  } else if (kind == "Secret") {
    obj.erase("stringData");
    if (auto d = obj.find("data"); d != obj.end() && d->is_object())
      for (auto& [key, value] : d->items())
        value = "";
  }
  return obj;
}

std::optional<k8s::filter_node> decode_filter_for_task_controller(std::string_view kind) {
  // object_filter keeps apiVersion, kind, every ObjectMeta field but managedFields, and
  // the Status fields of ERROR events.
  if (kind == "Task" || kind == "Workspace" || kind == "AgentConfig" || kind == "TaskSpawner")
    return k8s::object_filter({"spec", "status"});
  if (kind == "Job")
    return k8s::object_filter({"spec.activeDeadlineSeconds", "spec.backoffLimit", "status"});
  if (kind == "Pod")
    return k8s::object_filter({"spec.nodeName", "spec.containers", "spec.initContainers", "status"});
  if (kind == "Secret")
    return k8s::object_filter({"type", "immutable", "data"});
  return std::nullopt;
}

} // namespace kelos::task
