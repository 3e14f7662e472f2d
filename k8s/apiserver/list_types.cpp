#include "k8s/apiserver/list_types.hpp"

namespace kelos::apiserver {

namespace {

std::vector<std::string_view> split_dots(std::string_view s) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    size_t next = s.find('.', pos);
    out.push_back(s.substr(pos, next == std::string_view::npos ? next : next - pos));
    if (next == std::string_view::npos)
      break;
    pos = next + 1;
  }
  return out;
}

bool wildcard_match(std::string_view pattern, std::string_view path) {
  auto p = split_dots(pattern);
  auto s = split_dots(path);
  if (p.size() != s.size())
    return false;
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] != "*" && p[i] != s[i])
      return false;
  return true;
}

list_type keyed(std::string key) {
  return list_type{list_kind::map, {std::move(key)}};
}

// k8s.io/api core/v1 PodSpec and Container patchMergeKey tags (the lists we serve).
void add_pod_spec(list_type_info& info, const std::string& prefix) {
  auto& l = info.lists;
  l[prefix + "volumes"] = keyed("name");
  l[prefix + "imagePullSecrets"] = keyed("name");
  l[prefix + "hostAliases"] = keyed("ip");
  l[prefix + "topologySpreadConstraints"] = keyed("topologyKey");
  l[prefix + "resourceClaims"] = keyed("name");
  l[prefix + "schedulingGates"] = keyed("name");
  for (const char* c : {"containers", "initContainers", "ephemeralContainers"}) {
    std::string base = prefix + c;
    l[base] = keyed("name");
    l[base + ".env"] = keyed("name");
    l[base + ".volumeMounts"] = keyed("mountPath");
    l[base + ".volumeDevices"] = keyed("devicePath");
    l[base + ".ports"] = keyed("containerPort");
    l[base + ".resizePolicy"] = keyed("resourceName");
  }
}

} // namespace

list_type list_type_info::lookup(std::string_view schema_path) const {
  if (auto it = lists.find(schema_path); it != lists.end())
    return it->second;
  for (const auto& [pattern, type] : lists)
    if (pattern.find('*') != std::string::npos && wildcard_match(pattern, schema_path))
      return type;
  return {};
}

list_type_info builtin_list_types(std::string_view kind) {
  list_type_info info;
  info.lists["metadata.ownerReferences"] = keyed("uid");
  info.lists["metadata.finalizers"] = list_type{list_kind::set, {}};
  if (kind == "Pod") {
    add_pod_spec(info, "spec.");
    info.lists["status.conditions"] = keyed("type");
    info.lists["status.podIPs"] = keyed("ip");
  } else if (kind == "Job") {
    add_pod_spec(info, "spec.template.spec.");
    info.lists["status.conditions"] = keyed("type");
  } else if (kind == "CronJob") {
    add_pod_spec(info, "spec.jobTemplate.spec.template.spec.");
  } else if (kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet"
             || kind == "ReplicaSet" || kind == "PodTemplate") {
    add_pod_spec(info, kind == "PodTemplate" ? "template.spec." : "spec.template.spec.");
    info.lists["status.conditions"] = keyed("type");
  } else if (kind == "ServiceAccount") {
    info.lists["secrets"] = keyed("name");
  } else if (kind == "Service") {
    info.lists["spec.ports"] = keyed("port");
  } else if (kind == "Node") {
    info.lists["status.conditions"] = keyed("type");
    info.lists["status.addresses"] = keyed("type");
  } else if (kind == "Namespace") {
    info.lists["status.conditions"] = keyed("type");
  }
  return info;
}

} // namespace kelos::apiserver
