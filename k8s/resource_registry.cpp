#include "k8s/resource_registry.hpp"

#include <algorithm>
#include <cctype>

namespace kelos::k8s {

std::pair<std::string, std::string> split_api_version(std::string_view api_version) {
  auto slash = api_version.find('/');
  if (slash == std::string_view::npos)
    return {"", std::string{api_version}};
  return {std::string{api_version.substr(0, slash)}, std::string{api_version.substr(slash + 1)}};
}

bool resource_info::has_subresource(std::string_view s) const {
  return std::find(subresources.begin(), subresources.end(), s) != subresources.end();
}

std::string resource_info::collection_path(std::string_view ns) const {
  std::string p = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !ns.empty()) {
    p += "/namespaces/";
    p += ns;
  }
  p += "/";
  p += plural;
  return p;
}

std::string resource_info::object_path(std::string_view ns, std::string_view name,
                                       std::string_view subresource) const {
  std::string p = collection_path(ns);
  p += "/";
  p += name;
  if (!subresource.empty()) {
    p += "/";
    p += subresource;
  }
  return p;
}

std::vector<resource_info> builtin_resources() {
  return {
    {"", "v1", "Namespace", "namespaces", "namespace", false, {"ns"}, {}, {"status"}},
    {"", "v1", "Pod", "pods", "pod", true, {"po"}, {"all"}, {"status", "log"}},
    {"", "v1", "Secret", "secrets", "secret", true, {}, {}, {}},
    {"", "v1", "ConfigMap", "configmaps", "configmap", true, {"cm"}, {}, {}},
    {"", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", true, {"sa"}, {}, {}},
    {"", "v1", "Event", "events", "event", true, {"ev"}, {}, {}},
    {"events.k8s.io", "v1", "Event", "events", "event", true, {"ev"}, {}, {}},
    {"batch", "v1", "Job", "jobs", "job", true, {}, {"all"}, {"status"}},
    {"coordination.k8s.io", "v1", "Lease", "leases", "lease", true, {}, {}, {}},
    // Stored and served only (no Deployment controller): `kelos install` applies them.
    {"apps", "v1", "Deployment", "deployments", "deployment", true, {"deploy"}, {"all"},
     {"status"}},
    {"rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", "clusterrole", false, {},
     {}, {}},
    {"rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings",
     "clusterrolebinding", false, {}, {}, {}},
    {"rbac.authorization.k8s.io", "v1", "Role", "roles", "role", true, {}, {}, {}},
    {"rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", "rolebinding", true, {},
     {}, {}},
    {"apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
     "customresourcedefinition", false, {"crd", "crds"}, {"api-extensions"}, {"status"}},
  };
}

std::vector<resource_info> kelos_resources() {
  return {
    {"kelos.dev", "v1alpha1", "Task", "tasks", "task", true, {}, {"kelos"}, {"status"}},
    {"kelos.dev", "v1alpha1", "Workspace", "workspaces", "workspace", true, {"ws"}, {"kelos"}, {}},
    {"kelos.dev", "v1alpha1", "AgentConfig", "agentconfigs", "agentconfig", true, {"ac"},
     {"kelos"}, {}},
    {"kelos.dev", "v1alpha1", "TaskSpawner", "taskspawners", "taskspawner", true, {"ts"},
     {"kelos"}, {"status"}},
  };
}

resource_registry resource_registry::with_builtins() {
  resource_registry r;
  for (auto& info : builtin_resources())
    r.add(info);
  for (auto& info : kelos_resources())
    r.add(info);
  return r;
}

void resource_registry::add(resource_info info) {
  for (auto& existing : resources_) {
    if (existing.group == info.group && existing.version == info.version
        && existing.plural == info.plural) {
      existing = std::move(info);
      return;
    }
  }
  resources_.push_back(std::move(info));
}

bool resource_registry::remove(std::string_view group, std::string_view version,
                               std::string_view plural) {
  auto it = std::find_if(resources_.begin(), resources_.end(), [&](const resource_info& r) {
    return r.group == group && r.version == version && r.plural == plural;
  });
  if (it == resources_.end())
    return false;
  resources_.erase(it);
  return true;
}

const resource_info* resource_registry::by_kind(std::string_view group, std::string_view version,
                                                std::string_view kind) const {
  for (auto& r : resources_)
    if (r.group == group && r.version == version && r.kind == kind)
      return &r;
  return nullptr;
}

const resource_info* resource_registry::by_kind(std::string_view api_version,
                                                std::string_view kind) const {
  auto [group, version] = split_api_version(api_version);
  return by_kind(group, version, kind);
}

const resource_info* resource_registry::by_resource(std::string_view group,
                                                    std::string_view version,
                                                    std::string_view plural) const {
  for (auto& r : resources_)
    if (r.group == group && r.version == version && r.plural == plural)
      return &r;
  return nullptr;
}

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x))
                  == std::tolower(static_cast<unsigned char>(y));
         });
}

} // namespace

const resource_info* resource_registry::lookup(std::string_view name) const {
  // "tasks.kelos.dev" narrows by group.
  std::string_view group_filter;
  bool has_group = false;
  if (auto dot = name.find('.'); dot != std::string_view::npos) {
    group_filter = name.substr(dot + 1);
    name = name.substr(0, dot);
    has_group = true;
  }
  for (auto& r : resources_) {
    if (has_group && r.group != group_filter)
      continue;
    if (iequals(r.plural, name) || iequals(r.singular, name) || iequals(r.kind, name))
      return &r;
    for (auto& s : r.short_names)
      if (iequals(s, name))
        return &r;
  }
  return nullptr;
}

} // namespace kelos::k8s
