#include "k8s/resource_registry.hpp"

#include <gtest/gtest.h>

using namespace kelos::k8s;

TEST(ResourceRegistry, MapsKindsToPaths) {
  auto reg = resource_registry::with_builtins();
  auto task = reg.by_kind("kelos.dev/v1alpha1", "Task");
  ASSERT_NE(task, nullptr);
  EXPECT_EQ(task->collection_path("default"), "/apis/kelos.dev/v1alpha1/namespaces/default/tasks");
  EXPECT_EQ(task->object_path("ns", "x", "status"),
            "/apis/kelos.dev/v1alpha1/namespaces/ns/tasks/x/status");
  EXPECT_EQ(task->collection_path(""), "/apis/kelos.dev/v1alpha1/tasks");
  auto ns = reg.by_kind("v1", "Namespace");
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ(ns->object_path("ignored", "kelos-system"), "/api/v1/namespaces/kelos-system");
  auto pod = reg.by_resource("", "v1", "pods");
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(pod->object_path("d", "p", "log"), "/api/v1/namespaces/d/pods/p/log");
  EXPECT_EQ(task->qualified_plural(), "tasks.kelos.dev");
  EXPECT_EQ(pod->qualified_plural(), "pods");
}

TEST(ResourceRegistry, LooksUpNamesAsKubectlDoes) {
  auto reg = resource_registry::with_builtins();
  EXPECT_EQ(reg.lookup("ts")->kind, "TaskSpawner");
  EXPECT_EQ(reg.lookup("Task")->plural, "tasks");
  EXPECT_EQ(reg.lookup("task")->plural, "tasks");
  EXPECT_EQ(reg.lookup("jobs.batch")->group, "batch");
  EXPECT_EQ(reg.lookup("crd")->kind, "CustomResourceDefinition");
  EXPECT_EQ(reg.lookup("nothing"), nullptr);
  EXPECT_EQ(reg.lookup("tasks.batch"), nullptr);
}

TEST(ResourceRegistry, ServesTheKindsKelosInstallApplies) {
  auto reg = resource_registry::with_builtins();
  struct row {
    const char* name;
    const char* api_version;
    const char* kind;
    bool namespaced;
    const char* path;
  };
  for (auto& r : std::vector<row>{
         {"deploy", "apps/v1", "Deployment", true, "/apis/apps/v1/namespaces/ns/deployments/x"},
         {"deployments.apps", "apps/v1", "Deployment", true, "/apis/apps/v1/namespaces/ns/deployments/x"},
         {"clusterrole", "rbac.authorization.k8s.io/v1", "ClusterRole", false,
          "/apis/rbac.authorization.k8s.io/v1/clusterroles/x"},
         {"clusterrolebindings", "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", false,
          "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/x"},
         {"Role", "rbac.authorization.k8s.io/v1", "Role", true,
          "/apis/rbac.authorization.k8s.io/v1/namespaces/ns/roles/x"},
         {"rolebinding", "rbac.authorization.k8s.io/v1", "RoleBinding", true,
          "/apis/rbac.authorization.k8s.io/v1/namespaces/ns/rolebindings/x"},
       }) {
    auto* info = reg.lookup(r.name);
    ASSERT_NE(info, nullptr) << r.name;
    EXPECT_EQ(info->api_version(), r.api_version) << r.name;
    EXPECT_EQ(info->kind, r.kind) << r.name;
    EXPECT_EQ(info->namespaced, r.namespaced) << r.name;
    EXPECT_EQ(info->object_path("ns", "x"), r.path) << r.name;
    EXPECT_EQ(reg.by_kind(r.api_version, r.kind), info) << r.name;
  }
  auto* deploy = reg.lookup("deploy");
  EXPECT_EQ(deploy->categories, std::vector<std::string>{"all"});
  EXPECT_TRUE(deploy->has_subresource("status"));
  EXPECT_TRUE(reg.lookup("clusterrole")->short_names.empty());
  EXPECT_TRUE(reg.lookup("clusterrole")->categories.empty());
}

TEST(ResourceRegistry, AddsReplacesAndRemovesCustomResources) {
  resource_registry reg;
  reg.add({"example.com", "v1", "Widget", "widgets", "widget", true, {"wd"}, {}, {}});
  reg.add({"example.com", "v1", "Widget", "widgets", "widget", false, {}, {}, {"status"}});
  ASSERT_EQ(reg.all().size(), 1u);
  EXPECT_FALSE(reg.all()[0].namespaced);
  EXPECT_TRUE(reg.all()[0].has_subresource("status"));
  EXPECT_TRUE(reg.remove("example.com", "v1", "widgets"));
  EXPECT_FALSE(reg.remove("example.com", "v1", "widgets"));
}

TEST(ResourceRegistry, SplitsApiVersions) {
  EXPECT_EQ(split_api_version("batch/v1"), (std::pair<std::string, std::string>{"batch", "v1"}));
  EXPECT_EQ(split_api_version("v1"), (std::pair<std::string, std::string>{"", "v1"}));
}
