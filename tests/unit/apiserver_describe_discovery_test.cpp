#include <gtest/gtest.h>

#include "k8s/apiserver/accept.hpp"
#include "k8s/apiserver/discovery.hpp"
#include "tests/unit/apiserver_describe_fixtures.hpp"

namespace kelos::apiserver {
namespace {

using k8s::json;

std::vector<served_resource> served_with_kelos() {
  auto all = served_builtins();
  for (auto doc : {testing::task_crd(), testing::taskspawner_crd(), testing::multi_version_crd()}) {
    auto crd = parse_crd(doc);
    EXPECT_TRUE(crd);
    for (auto& r : to_served_resources(*crd))
      all.push_back(r);
  }
  return all;
}

const json* find_named(const json& list, const char* key, std::string_view value) {
  for (auto& e : list)
    if (e.value(key, std::string{}) == value)
      return &e;
  return nullptr;
}

TEST(Discovery, ApiVersions) {
  EXPECT_EQ(api_versions("127.0.0.1:6443"), json::parse(R"({"kind":"APIVersions","versions":["v1"],
    "serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1:6443"}]})"));
  EXPECT_EQ(api_versions()["serverAddressByClientCIDRs"], json::array());
}

TEST(Discovery, ApiGroupListHasEveryGroupWithPreferredVersion) {
  auto list = api_group_list(served_with_kelos());
  EXPECT_EQ(list["kind"], "APIGroupList");
  EXPECT_EQ(list["apiVersion"], "v1");
  std::vector<std::string> names;
  for (auto& g : list["groups"])
    names.push_back(g["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"events.k8s.io", "batch", "coordination.k8s.io",
                                             "apps", "rbac.authorization.k8s.io",
                                             "apiextensions.k8s.io", "kelos.dev", "example.com"}));
  auto* batch = find_named(list["groups"], "name", "batch");
  ASSERT_TRUE(batch);
  EXPECT_EQ(*batch, json::parse(R"({"name":"batch","versions":[{"groupVersion":"batch/v1","version":"v1"}],
    "preferredVersion":{"groupVersion":"batch/v1","version":"v1"}})"));
  auto* example = find_named(list["groups"], "name", "example.com");
  ASSERT_TRUE(example);
  EXPECT_EQ((*example)["versions"], json::parse(R"([
    {"groupVersion":"example.com/v1alpha2","version":"v1alpha2"},
    {"groupVersion":"example.com/v1alpha1","version":"v1alpha1"}])"));
  EXPECT_EQ((*example)["preferredVersion"]["version"], "v1alpha2");
}

TEST(Discovery, ApiGroup) {
  auto g = api_group(served_with_kelos(), "kelos.dev");
  ASSERT_TRUE(g);
  EXPECT_EQ(*g, json::parse(R"({"kind":"APIGroup","apiVersion":"v1","name":"kelos.dev",
    "versions":[{"groupVersion":"kelos.dev/v1alpha1","version":"v1alpha1"}],
    "preferredVersion":{"groupVersion":"kelos.dev/v1alpha1","version":"v1alpha1"}})"));
  EXPECT_FALSE(api_group(served_with_kelos(), "nope.io"));
  EXPECT_FALSE(api_group(served_with_kelos(), ""));
}

TEST(Discovery, CoreResourceListHasStatusAndLogSubresources) {
  auto list = api_resource_list(served_with_kelos(), "", "v1");
  ASSERT_TRUE(list);
  EXPECT_EQ((*list)["kind"], "APIResourceList");
  EXPECT_EQ((*list)["groupVersion"], "v1");
  auto& res = (*list)["resources"];
  auto* pods = find_named(res, "name", "pods");
  ASSERT_TRUE(pods);
  EXPECT_EQ((*pods)["singularName"], "pod");
  EXPECT_EQ((*pods)["namespaced"], true);
  EXPECT_EQ((*pods)["kind"], "Pod");
  EXPECT_EQ((*pods)["shortNames"], json::array({"po"}));
  EXPECT_EQ((*pods)["categories"], json::array({"all"}));
  EXPECT_EQ((*pods)["verbs"], json::parse(R"(["create","delete","deletecollection","get","list","patch","update","watch"])"));
  EXPECT_TRUE((*pods)["storageVersionHash"].is_string());
  auto* log = find_named(res, "name", "pods/log");
  ASSERT_TRUE(log);
  EXPECT_EQ(*log, json::parse(R"({"name":"pods/log","singularName":"","namespaced":true,"kind":"Pod","verbs":["get"]})"));
  auto* ns_status = find_named(res, "name", "namespaces/status");
  ASSERT_TRUE(ns_status);
  EXPECT_EQ((*ns_status)["namespaced"], false);
  EXPECT_EQ((*ns_status)["verbs"], json::parse(R"(["get","patch","update"])"));
  auto* secrets = find_named(res, "name", "secrets");
  ASSERT_TRUE(secrets);
  EXPECT_FALSE(secrets->contains("shortNames"));
}

TEST(Discovery, CrdResourceListGolden) {
  auto list = api_resource_list(served_with_kelos(), "kelos.dev", "v1alpha1");
  ASSERT_TRUE(list);
  auto copy = *list;
  for (auto& r : copy["resources"])
    r.erase("storageVersionHash");
  EXPECT_EQ(copy, json::parse(R"({"kind":"APIResourceList","apiVersion":"v1","groupVersion":"kelos.dev/v1alpha1",
    "resources":[
      {"name":"tasks","singularName":"task","namespaced":true,"kind":"Task",
       "verbs":["create","delete","deletecollection","get","list","patch","update","watch"]},
      {"name":"tasks/status","singularName":"","namespaced":true,"kind":"Task","verbs":["get","patch","update"]},
      {"name":"taskspawners","singularName":"taskspawner","namespaced":true,"kind":"TaskSpawner",
       "verbs":["create","delete","deletecollection","get","list","patch","update","watch"]},
      {"name":"taskspawners/status","singularName":"","namespaced":true,"kind":"TaskSpawner","verbs":["get","patch","update"]}
    ]})"));
  EXPECT_FALSE(api_resource_list(served_with_kelos(), "kelos.dev", "v9"));
}

TEST(Discovery, ScaleSubresourceNamesAutoscalingGroup) {
  auto list = api_resource_list(served_with_kelos(), "example.com", "v1alpha2");
  ASSERT_TRUE(list);
  auto* scale = find_named((*list)["resources"], "name", "widgets/scale");
  ASSERT_TRUE(scale);
  EXPECT_EQ((*scale)["group"], "autoscaling");
  EXPECT_EQ((*scale)["version"], "v1");
  EXPECT_EQ((*scale)["kind"], "Scale");
  EXPECT_EQ((*scale)["namespaced"], false);
}

TEST(Discovery, StorageVersionHashFollowsStorageVersion) {
  auto crd = parse_crd(testing::multi_version_crd());
  ASSERT_TRUE(crd);
  auto served = to_served_resources(*crd);
  EXPECT_EQ(storage_version_hash(served[0]), storage_version_hash(served[1]));
  auto moved = served[1];
  moved.storage_version = "v1alpha2";
  EXPECT_NE(storage_version_hash(served[0]), storage_version_hash(moved));
  EXPECT_EQ(storage_version_hash(served[0]).size(), 12u);  // base64 of 8 bytes
}

TEST(Discovery, NegotiatesAggregatedFormats) {
  const char* kubectl =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
  auto c = negotiate_discovery(kubectl);
  EXPECT_EQ(c.format, discovery_format::aggregated_v2);
  EXPECT_EQ(c.content_type, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");

  auto old = negotiate_discovery("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json");
  EXPECT_EQ(old.format, discovery_format::aggregated_v2beta1);
  EXPECT_EQ(old.content_type,
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");

  // Parameter order and spacing do not matter; unknown versions are skipped.
  auto spaced = negotiate_discovery(
    "application/json; as=APIGroupDiscoveryList; v=v3; g=apidiscovery.k8s.io, "
    "application/json; as=APIGroupDiscoveryList; g=apidiscovery.k8s.io; v=v2beta1");
  EXPECT_EQ(spaced.format, discovery_format::aggregated_v2beta1);

  for (const char* plain : {"", "application/json, */*", "*/*",
                            "application/json,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"}) {
    auto p = negotiate_discovery(plain);
    EXPECT_EQ(p.format, discovery_format::legacy) << plain;
    EXPECT_EQ(p.content_type, "application/json") << plain;
  }
}

TEST(Discovery, AggregatedCoreGolden) {
  std::vector<served_resource> only_pods{served_builtin(k8s::builtin_resources()[1])};
  auto doc = aggregated_discovery(only_pods, true, discovery_format::aggregated_v2);
  EXPECT_EQ(doc, json::parse(R"({"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2",
    "metadata":{},
    "items":[{"metadata":{"name":"","creationTimestamp":null},
      "versions":[{"version":"v1","freshness":"Current","resources":[
        {"resource":"pods","responseKind":{"group":"","version":"v1","kind":"Pod"},
         "scope":"Namespaced","singularResource":"pod",
         "verbs":["create","delete","deletecollection","get","list","patch","update","watch"],
         "shortNames":["po"],"categories":["all"],
         "subresources":[
           {"subresource":"status","responseKind":{"group":"","version":"v1","kind":"Pod"},"verbs":["get","patch","update"]},
           {"subresource":"log","responseKind":{"group":"","version":"v1","kind":"Pod"},"verbs":["get"]}]}]}]}]})"));
}

TEST(Discovery, AggregatedApisListsGroupsAndVersionsByPriority) {
  auto doc = aggregated_discovery(served_with_kelos(), false, discovery_format::aggregated_v2beta1);
  EXPECT_EQ(doc["apiVersion"], "apidiscovery.k8s.io/v2beta1");
  auto& items = doc["items"];
  ASSERT_EQ(items.size(), 8u);
  for (auto& item : items)
    EXPECT_NE(item["metadata"]["name"], "");
  const json* example = nullptr;
  for (auto& item : items)
    if (item["metadata"]["name"] == "example.com")
      example = &item;
  ASSERT_TRUE(example);
  auto& versions = (*example)["versions"];
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0]["version"], "v1alpha2");
  EXPECT_EQ(versions[0]["freshness"], "Current");
  auto& widget = versions[0]["resources"][0];
  EXPECT_EQ(widget["scope"], "Cluster");
  EXPECT_EQ(widget["shortNames"], json::array({"wd"}));
  EXPECT_EQ(widget["subresources"][1]["responseKind"],
            json::parse(R"({"group":"autoscaling","version":"v1","kind":"Scale"})"));
  EXPECT_FALSE(versions[1]["resources"][0].contains("subresources"));
}

TEST(Accept, ParsesRangesAndParameters) {
  auto r = parse_accept(" Application/JSON ; as=Table;v=\"v1\" , , */* ,garbage, text/plain;q=0.5");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].type, "application");
  EXPECT_EQ(r[0].subtype, "json");
  EXPECT_EQ(r[0].param("as"), "Table");
  EXPECT_EQ(r[0].param("v"), "v1");
  EXPECT_EQ(r[0].param("missing"), "");
  EXPECT_TRUE(r[1].accepts_json());
  EXPECT_FALSE(r[2].accepts_json());
  EXPECT_EQ(r[2].param("q"), "0.5");
}

} // namespace
} // namespace kelos::apiserver
