#include "k8s/apiserver/discovery.hpp"

#include <algorithm>
#include <cstdint>

#include "k8s/apiserver/accept.hpp"
#include "k8s/kinds.hpp"

namespace kelos::apiserver {

namespace {

using k8s::json;

// Groups in order of first appearance, each with its versions by priority.
struct group_versions {
  std::string group;
  std::vector<std::string> versions;
};

std::vector<group_versions> collect_groups(const std::vector<served_resource>& resources) {
  std::vector<group_versions> out;
  for (auto& r : resources) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const group_versions& g) { return g.group == r.info.group; });
    if (it == out.end()) {
      out.push_back({r.info.group, {}});
      it = std::prev(out.end());
    }
    if (std::find(it->versions.begin(), it->versions.end(), r.info.version) == it->versions.end())
      it->versions.push_back(r.info.version);
  }
  for (auto& g : out)
    std::stable_sort(g.versions.begin(), g.versions.end(),
                     [](const std::string& a, const std::string& b) {
                       return version_higher_priority(a, b);
                     });
  return out;
}

json group_version_json(const std::string& group, const std::string& version) {
  return json{{"groupVersion", group.empty() ? version : group + "/" + version},
              {"version", version}};
}

json api_group_json(const group_versions& g) {
  json versions = json::array();
  for (auto& v : g.versions)
    versions.push_back(group_version_json(g.group, v));
  return json{{"name", g.group},
              {"versions", versions},
              {"preferredVersion", group_version_json(g.group, g.versions.front())}};
}

// What a subresource looks like in discovery: its kind, group/version and verbs.
struct subresource_shape {
  std::string group;
  std::string version;
  std::string kind;
  std::vector<std::string> verbs;
};

subresource_shape shape_of(const served_resource& r, const std::string& sub) {
  if (sub == "scale")
    return {"autoscaling", "v1", "Scale", {"get", "patch", "update"}};
  if (sub == "log")
    return {r.info.group, r.info.version, r.info.kind, {"get"}};
  return {r.info.group, r.info.version, r.info.kind, {"get", "patch", "update"}};
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

} // namespace

std::string storage_version_hash(const served_resource& r) {
  uint64_t h = fnv1a(r.info.group + "/" + r.storage_version + "/" + r.info.kind);
  std::string bytes;
  for (int i = 0; i < 8; ++i)
    bytes.push_back(static_cast<char>((h >> (8 * i)) & 0xff));
  return k8s::base64_encode(bytes);
}

k8s::json api_versions(std::string_view server_address) {
  json cidrs = json::array();
  if (!server_address.empty())
    cidrs.push_back(json{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}});
  return json{{"kind", "APIVersions"},
              {"versions", json::array({"v1"})},
              {"serverAddressByClientCIDRs", cidrs}};
}

k8s::json api_group_list(const std::vector<served_resource>& resources) {
  json groups = json::array();
  for (auto& g : collect_groups(resources))
    if (!g.group.empty())
      groups.push_back(api_group_json(g));
  return json{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

std::optional<k8s::json> api_group(const std::vector<served_resource>& resources,
                                   std::string_view group) {
  if (group.empty())
    return std::nullopt;
  for (auto& g : collect_groups(resources)) {
    if (g.group != group)
      continue;
    json j = api_group_json(g);
    j["kind"] = "APIGroup";
    j["apiVersion"] = "v1";
    return j;
  }
  return std::nullopt;
}

std::optional<k8s::json> api_resource_list(const std::vector<served_resource>& resources,
                                           std::string_view group, std::string_view version) {
  json list = json::array();
  bool found = false;
  for (auto& r : resources) {
    if (r.info.group != group || r.info.version != version)
      continue;
    found = true;
    json e{{"name", r.info.plural},         {"singularName", r.info.singular},
           {"namespaced", r.info.namespaced}, {"kind", r.info.kind},
           {"verbs", r.verbs}};
    if (!r.info.short_names.empty())
      e["shortNames"] = r.info.short_names;
    if (!r.info.categories.empty())
      e["categories"] = r.info.categories;
    e["storageVersionHash"] = storage_version_hash(r);
    list.push_back(std::move(e));
    for (auto& sub : r.info.subresources) {
      auto shape = shape_of(r, sub);
      json s{{"name", r.info.plural + "/" + sub},
             {"singularName", ""},
             {"namespaced", r.info.namespaced},
             {"kind", shape.kind},
             {"verbs", shape.verbs}};
      if (shape.group != r.info.group || shape.version != r.info.version) {
        s["group"] = shape.group;
        s["version"] = shape.version;
      }
      list.push_back(std::move(s));
    }
  }
  if (!found)
    return std::nullopt;
  std::string gv{group};
  gv = gv.empty() ? std::string{version} : gv + "/" + std::string{version};
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", gv},
              {"resources", list}};
}

discovery_choice negotiate_discovery(std::string_view accept) {
  for (auto& m : parse_accept(accept)) {
    if (m.type == "application" && m.subtype == "json"
        && m.param("as") == "APIGroupDiscoveryList" && m.param("g") == "apidiscovery.k8s.io") {
      auto v = m.param("v");
      if (v == "v2")
        return {discovery_format::aggregated_v2,
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"};
      if (v == "v2beta1")
        return {discovery_format::aggregated_v2beta1,
                "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"};
      continue;  // an aggregated version we do not serve: try the next range
    }
    if (m.accepts_json() && m.params.count("as") == 0)
      break;  // the client prefers plain JSON from here on
  }
  return {};
}

k8s::json aggregated_discovery(const std::vector<served_resource>& resources, bool core,
                               discovery_format format) {
  json items = json::array();
  for (auto& g : collect_groups(resources)) {
    if (g.group.empty() != core)
      continue;
    json versions = json::array();
    for (auto& v : g.versions) {
      json res = json::array();
      for (auto& r : resources) {
        if (r.info.group != g.group || r.info.version != v)
          continue;
        json e{{"resource", r.info.plural},
               {"responseKind", {{"group", r.info.group}, {"version", v}, {"kind", r.info.kind}}},
               {"scope", r.info.namespaced ? "Namespaced" : "Cluster"},
               {"singularResource", r.info.singular},
               {"verbs", r.verbs}};
        if (!r.info.short_names.empty())
          e["shortNames"] = r.info.short_names;
        if (!r.info.categories.empty())
          e["categories"] = r.info.categories;
        json subs = json::array();
        for (auto& sub : r.info.subresources) {
          auto shape = shape_of(r, sub);
          subs.push_back(json{
            {"subresource", sub},
            {"responseKind",
             {{"group", shape.group}, {"version", shape.version}, {"kind", shape.kind}}},
            {"verbs", shape.verbs}});
        }
        if (!subs.empty())
          e["subresources"] = std::move(subs);
        res.push_back(std::move(e));
      }
      versions.push_back(json{{"version", v}, {"resources", res}, {"freshness", "Current"}});
    }
    items.push_back(json{{"metadata", {{"name", g.group}, {"creationTimestamp", nullptr}}},
                         {"versions", versions}});
  }
  std::string api_version = format == discovery_format::aggregated_v2beta1
                              ? "apidiscovery.k8s.io/v2beta1"
                              : "apidiscovery.k8s.io/v2";
  return json{{"kind", "APIGroupDiscoveryList"},
              {"apiVersion", api_version},
              {"metadata", json::object()},
              {"items", items}};
}

} // namespace kelos::apiserver
