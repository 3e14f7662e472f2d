#include "k8s/apiserver/crd_controller.hpp"

#include "k8s/apiserver/admission.hpp"
#include "k8s/time.hpp"

#include <spdlog/spdlog.h>

namespace kelos::apiserver {

const resource_info& crd_resource_info() {
  static const resource_info info = [] {
    for (const auto& r : k8s::builtin_resources())
      if (r.group == "apiextensions.k8s.io" && r.plural == "customresourcedefinitions")
        return r;
    resource_info r;
    r.group = "apiextensions.k8s.io";
    r.version = "v1";
    r.kind = "CustomResourceDefinition";
    r.plural = "customresourcedefinitions";
    r.singular = "customresourcedefinition";
    r.namespaced = false;
    r.short_names = {"crd", "crds"};
    r.subresources = {"status"};
    return r;
  }();
  return info;
}

crd_controller::crd_controller(object_store& store, resource_catalog& catalog)
  : store_(store), catalog_(catalog) {
}

void crd_controller::install() {
  store_.set_admission_hook(crd_resource_info(), make_crd_admission());
  store_.set_change_hook([this](const resource_info& res, const watch_event& ev) { on_change(res, ev); });
  auto existing = store_.list(crd_resource_info(), "");
  if (existing)
    for (const auto& obj : existing->items)
      register_crd(*obj);
}

void crd_controller::on_change(const resource_info& res, const watch_event& ev) {
  if (res.group != "apiextensions.k8s.io" || res.plural != "customresourcedefinitions" || !ev.object)
    return;
  if (ev.type == watch_event_type::deleted)
    unregister_crd(*ev.object);
  else if (ev.type == watch_event_type::added || ev.type == watch_event_type::modified)
    register_crd(*ev.object);
}

void crd_controller::register_crd(const json& obj) {
  auto crd = parse_crd(obj);
  if (!crd) {
    spdlog::warn("apiserver: ignoring invalid CRD: {}", crd.error().message);
    return;
  }
  // Names already served by someone else (built-ins or another CRD) are refused.
  auto snap = catalog_.snapshot();
  std::vector<served_resource> others;
  for (const auto& e : snap->entries)
    if (e->crd_name != crd->name)
      others.push_back(e->served);
  auto conflict = find_name_conflict(*crd, others);
  if (!conflict) {
    auto entries = catalog_.set_crd(*crd);
    std::map<std::string, std::shared_ptr<const schema_node>> schemas;
    for (const auto& e : entries)
      schemas[e->served.info.api_version()] = e->schema;
    if (!entries.empty())
      store_.set_admission_hook(
        entries.front()->served.info,
        make_versioned_schema_admission(std::move(schemas), crd->group + "/" + crd->storage_version().name,
                                        crd->names.kind, crd->group));
  }
  json previous = obj.contains("status") ? obj["status"] : json();
  json status = crd_status(*crd, conflict.has_value(), k8s::format_time(k8s::now()), previous,
                           conflict.value_or(""));
  if (status == previous)
    return;
  std::string name = crd->name;
  write_options opts;
  opts.subresource = "status";
  opts.field_manager = "kelos-apiserver";
  auto r = store_.mutate(
    crd_resource_info(), "", name,
    [&status](const json* cur) -> api_result<json> {
      if (!cur)
        return api_error::not_found(crd_resource_info(), "");
      json next = *cur;
      next["status"] = status;
      return next;
    },
    opts);
  if (!r && r.error().code != 404)
    spdlog::warn("apiserver: CRD {} status update failed: {}", name, r.error().message);
}

void crd_controller::unregister_crd(const json& obj) {
  std::string name = obj.contains("metadata") ? k8s::get_string(obj["metadata"], "name") : "";
  auto removed = catalog_.remove_crd(name);
  bool purged = false;
  for (const auto& e : removed) {
    store_.set_admission_hook(e->served.info, {});
    if (!purged) {
      // Every version shares one storage (group + plural): one purge covers them all.
      purged = true;
      auto r = store_.remove_collection(e->served.info, "", list_options{});
      if (!r)
        spdlog::warn("apiserver: purging objects of CRD {} failed: {}", name, r.error().message);
    }
  }
}

} // namespace kelos::apiserver
