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
