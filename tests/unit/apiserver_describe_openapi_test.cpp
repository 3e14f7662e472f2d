#include <gtest/gtest.h>

#include "k8s/apiserver/openapi.hpp"
#include "tests/unit/apiserver_describe_fixtures.hpp"

namespace kelos::apiserver {
namespace {

using k8s::json;

std::vector<served_resource> with_crd(const json& crd_doc) {
  auto all = served_builtins();
  auto crd = parse_crd(crd_doc);
  EXPECT_TRUE(crd) << (crd ? "" : crd.error().message);
  if (crd)
    for (auto& r : to_served_resources(*crd))
      all.push_back(r);
  return all;
}

// What cli-runtime's query_param_verifier_v3 checks: some path's PATCH carries our GVK and
// a `fieldValidation` query parameter.
bool supports_field_validation(const json& doc, const json& gvk) {
  for (auto& [path, item] : doc["paths"].items()) {
    if (!item.contains("patch"))
      continue;
    auto& patch = item["patch"];
    if (patch["x-kubernetes-group-version-kind"] != gvk)
      continue;
    for (auto& p : patch["parameters"])
      if (p["name"] == "fieldValidation" && p["in"] == "query")
        return true;
  }
  return false;
}

std::vector<std::string> param_names(const json& op) {
  std::vector<std::string> out;
  for (auto& p : op["parameters"])
    out.push_back(p["name"]);
  return out;
}

TEST(OpenApi, IndexListsEveryGroupVersionWithHash) {
  auto index = openapi_v3_index(with_crd(testing::task_crd()));
  auto& paths = index["paths"];
  for (const char* key : {"api/v1", "apis/batch/v1", "apis/events.k8s.io/v1",
                          "apis/coordination.k8s.io/v1", "apis/apiextensions.k8s.io/v1",
                          "apis/apps/v1", "apis/rbac.authorization.k8s.io/v1",
                          "apis/kelos.dev/v1alpha1"}) {
    ASSERT_TRUE(paths.contains(key)) << key;
    std::string url = paths[key]["serverRelativeURL"];
    EXPECT_EQ(url.rfind("/openapi/v3/" + std::string{key} + "?hash=", 0), 0u) << url;
    EXPECT_EQ(url.size(), std::string{"/openapi/v3/"}.size() + std::string{key}.size() + 6 + 32);
  }
  EXPECT_EQ(paths.size(), 8u);
}

TEST(OpenApi, HashChangesWhenCrdChanges) {
  auto before = openapi_v3_index(with_crd(testing::task_crd()));
  auto same = openapi_v3_index(with_crd(testing::task_crd()));
  EXPECT_EQ(before, same);  // deterministic

  auto changed = testing::task_crd();
  changed["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
         ["model"] = {{"type", "string"}};
  auto after = openapi_v3_index(with_crd(changed));
  EXPECT_NE(before["paths"]["apis/kelos.dev/v1alpha1"], after["paths"]["apis/kelos.dev/v1alpha1"]);
  EXPECT_EQ(before["paths"]["api/v1"], after["paths"]["api/v1"]);
  EXPECT_EQ(before["paths"]["apis/batch/v1"], after["paths"]["apis/batch/v1"]);

  // Adding a second CRD to the same group-version changes that GV's hash too.
  auto two = with_crd(testing::task_crd());
  auto spawner = parse_crd(testing::taskspawner_crd());
  ASSERT_TRUE(spawner);
  for (auto& r : to_served_resources(*spawner))
    two.push_back(r);
  auto with_two = openapi_v3_index(two);
  EXPECT_NE(before["paths"]["apis/kelos.dev/v1alpha1"], with_two["paths"]["apis/kelos.dev/v1alpha1"]);
}

TEST(OpenApi, CrdDocumentSatisfiesKubectlQueryParamVerifier) {
  auto doc = openapi_v3_document(with_crd(testing::task_crd()), "kelos.dev", "v1alpha1");
  ASSERT_TRUE(doc);
  EXPECT_EQ((*doc)["openapi"], "3.0.0");
  json gvk{{"group", "kelos.dev"}, {"version", "v1alpha1"}, {"kind", "Task"}};
  EXPECT_TRUE(supports_field_validation(*doc, gvk));
  EXPECT_FALSE(supports_field_validation(*doc, json{{"group", "kelos.dev"}, {"version", "v1alpha1"},
                                                    {"kind", "Other"}}));

  auto& paths = (*doc)["paths"];
  const std::string obj = "/apis/kelos.dev/v1alpha1/namespaces/{namespace}/tasks/{name}";
  ASSERT_TRUE(paths.contains(obj));
  ASSERT_TRUE(paths.contains("/apis/kelos.dev/v1alpha1/namespaces/{namespace}/tasks"));
  ASSERT_TRUE(paths.contains(obj + "/status"));
  ASSERT_TRUE(paths.contains("/apis/kelos.dev/v1alpha1/tasks"));
  for (const char* verb : {"get", "put", "patch", "delete"})
    EXPECT_TRUE(paths[obj].contains(verb)) << verb;
  EXPECT_TRUE(paths["/apis/kelos.dev/v1alpha1/namespaces/{namespace}/tasks"].contains("post"));
  EXPECT_FALSE(paths[obj + "/status"].contains("delete"));

  auto patch_params = param_names(paths[obj]["patch"]);
  EXPECT_EQ(patch_params, (std::vector<std::string>{"dryRun", "fieldManager", "fieldValidation", "force"}));
  auto post_params = param_names(paths["/apis/kelos.dev/v1alpha1/namespaces/{namespace}/tasks"]["post"]);
  EXPECT_EQ(post_params, (std::vector<std::string>{"dryRun", "fieldManager", "fieldValidation"}));
  EXPECT_FALSE(paths[obj].contains("post")) << "no POST on the object path";
  EXPECT_EQ(paths[obj + "/status"]["patch"]["x-kubernetes-group-version-kind"], gvk);

  // No strategic merge patch advertised: kubectl must send merge patches to CRs.
  auto& content = paths[obj]["patch"]["requestBody"]["content"];
  EXPECT_TRUE(content.contains("application/merge-patch+json"));
  EXPECT_TRUE(content.contains("application/apply-patch+yaml"));
  EXPECT_FALSE(content.contains("application/strategic-merge-patch+json"));
}

TEST(OpenApi, CrdSchemaIsWrappedWithTypeMetaAndGvk) {
  auto doc = openapi_v3_document(with_crd(testing::task_crd()), "kelos.dev", "v1alpha1");
  ASSERT_TRUE(doc);
  auto& schemas = (*doc)["components"]["schemas"];
  ASSERT_TRUE(schemas.contains("dev.kelos.v1alpha1.Task"));
  ASSERT_TRUE(schemas.contains("dev.kelos.v1alpha1.TaskList"));
  auto& task = schemas["dev.kelos.v1alpha1.Task"];
  EXPECT_EQ(task["x-kubernetes-group-version-kind"],
            json::parse(R"([{"group":"kelos.dev","version":"v1alpha1","kind":"Task"}])"));
  EXPECT_EQ(task["properties"]["spec"]["properties"]["type"]["enum"][1], "codex");
  EXPECT_EQ(task["properties"]["apiVersion"]["type"], "string");
  EXPECT_EQ(task["properties"]["metadata"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  EXPECT_TRUE(schemas.contains("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
  EXPECT_EQ(schemas["dev.kelos.v1alpha1.TaskList"]["x-kubernetes-group-version-kind"][0]["kind"],
            "TaskList");
  // Every $ref resolves inside the document.
  std::function<void(const json&)> check = [&](const json& j) {
    if (j.is_object()) {
      if (auto it = j.find("$ref"); it != j.end()) {
        std::string ref = *it;
        ASSERT_EQ(ref.rfind("#/components/schemas/", 0), 0u);
        EXPECT_TRUE(schemas.contains(ref.substr(21))) << ref;
      }
      for (auto& [k, v] : j.items())
        check(v);
    } else if (j.is_array()) {
      for (auto& v : j)
        check(v);
    }
  };
  check(*doc);
}

TEST(OpenApi, CoreDocumentCoversBuiltinsAndPodLog) {
  auto doc = openapi_v3_document(served_builtins(), "", "v1");
  ASSERT_TRUE(doc);
  auto& paths = (*doc)["paths"];
  json secret_gvk{{"group", ""}, {"version", "v1"}, {"kind", "Secret"}};
  EXPECT_TRUE(supports_field_validation(*doc, secret_gvk));
  ASSERT_TRUE(paths.contains("/api/v1/namespaces/{namespace}/pods/{name}/log"));
  ASSERT_TRUE(paths.contains("/api/v1/namespaces/{name}"));  // cluster-scoped
  ASSERT_TRUE(paths.contains("/api/v1/namespaces/{name}/status"));
  EXPECT_FALSE(paths.contains("/api/v1/namespaces/{namespace}/namespaces"));
  auto& schemas = (*doc)["components"]["schemas"];
  ASSERT_TRUE(schemas.contains("io.k8s.api.core.v1.Secret"));
  EXPECT_EQ(schemas["io.k8s.api.core.v1.Secret"]["x-kubernetes-preserve-unknown-fields"], true);
  EXPECT_FALSE(openapi_v3_document(served_builtins(), "kelos.dev", "v1alpha1"));
}

TEST(OpenApi, SchemaNamesAndKeys) {
  EXPECT_EQ(openapi_schema_name({"", "v1", "Pod"}), "io.k8s.api.core.v1.Pod");
  EXPECT_EQ(openapi_schema_name({"batch", "v1", "Job"}), "io.k8s.api.batch.v1.Job");
  EXPECT_EQ(openapi_schema_name({"coordination.k8s.io", "v1", "Lease"}),
            "io.k8s.api.coordination.v1.Lease");
  EXPECT_EQ(openapi_schema_name({"apiextensions.k8s.io", "v1", "CustomResourceDefinition"}),
            "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition");
  EXPECT_EQ(openapi_schema_name({"kelos.dev", "v1alpha1", "Task"}), "dev.kelos.v1alpha1.Task");
  EXPECT_EQ(openapi_gv_key("", "v1"), "api/v1");
  EXPECT_EQ(openapi_gv_key("kelos.dev", "v1alpha1"), "apis/kelos.dev/v1alpha1");
  EXPECT_NE(content_hash(json{{"a", 1}}), content_hash(json{{"a", 2}}));
  EXPECT_EQ(content_hash(json{{"a", 1}, {"b", 2}}), content_hash(json{{"b", 2}, {"a", 1}}));
}

TEST(OpenApi, ScaleSubresourceHasAutoscalingGvk) {
  auto doc = openapi_v3_document(with_crd(testing::multi_version_crd()), "example.com", "v1alpha2");
  ASSERT_TRUE(doc);
  auto& scale = (*doc)["paths"]["/apis/example.com/v1alpha2/widgets/{name}/scale"];
  EXPECT_EQ(scale["patch"]["x-kubernetes-group-version-kind"],
            json::parse(R"({"group":"autoscaling","version":"v1","kind":"Scale"})"));
  EXPECT_TRUE((*doc)["components"]["schemas"].contains("io.k8s.api.autoscaling.v1.Scale"));
}

} // namespace
} // namespace kelos::apiserver
