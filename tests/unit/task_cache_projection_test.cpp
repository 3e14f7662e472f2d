#include "actors/task/cache_projection.hpp"

#include "k8s/kinds.hpp"

#include <gtest/gtest.h>

using kelos::k8s::json;
using kelos::task::project_for_task_controller;

namespace {

json meta_with_noise(const std::string& name) {
  return {{"name", name},
          {"namespace", "default"},
          {"uid", "u-" + name},
          {"resourceVersion", "42"},
          {"labels", {{"kelos.dev/task", name}}},
          {"annotations", {{"kubectl.kubernetes.io/last-applied-configuration", "{...}"}, {"team", "a"}}},
          {"ownerReferences", json::array({{{"kind", "Task"}, {"name", name}, {"uid", "t"}, {"controller", true}}})},
          {"managedFields", json::array({{{"manager", "kubectl"}}})}};
}

} // namespace

TEST(CacheProjection, JobsKeepStatusLabelsOwnersAndDeadlineOnly) {
  json job = {{"apiVersion", "batch/v1"},
              {"kind", "Job"},
              {"metadata", meta_with_noise("t")},
              {"spec",
               {{"backoffLimit", 0},
                {"activeDeadlineSeconds", 600},
                {"template", {{"spec", {{"containers", json::array({{{"name", "claude-code"}, {"args", {"prompt"}}}})}}}}}}},
              {"status", {{"active", 1}, {"startTime", "2026-01-01T00:00:00Z"}}}};
  auto before = kelos::k8s::parse_job(job);
  auto p = project_for_task_controller("Job", json(job));
  EXPECT_FALSE(p["spec"].contains("template"));
  EXPECT_FALSE(p["metadata"].contains("managedFields"));
  EXPECT_FALSE(p["metadata"].contains("annotations"));
  auto after = kelos::k8s::parse_job(p);
  EXPECT_EQ(after.active, before.active);
  EXPECT_EQ(after.active_deadline_seconds, before.active_deadline_seconds);
  EXPECT_EQ(after.backoff_limit, before.backoff_limit);
  EXPECT_EQ(after.meta.owner_references, before.meta.owner_references);
  EXPECT_EQ(after.meta.labels, before.meta.labels);
  EXPECT_EQ(after.meta.resource_version, "42");
  EXPECT_LT(p.dump().size(), job.dump().size());
}

TEST(CacheProjection, PodsKeepContainerNamesAndStatus) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", meta_with_noise("p")},
              {"spec",
               {{"nodeName", "n1"},
                {"initContainers", json::array({{{"name", "git-clone"}, {"command", {"sh", "-c", "long script"}}}})},
                {"containers", json::array({{{"name", "codex"}, {"env", json::array({{{"name", "A"}}})}}})}}},
              {"status", {{"phase", "Running"}}}};
  auto p = project_for_task_controller("Pod", json(pod));
  auto v = kelos::k8s::parse_pod(p);
  EXPECT_EQ(v.phase, "Running");
  EXPECT_EQ(v.node_name, "n1");
  EXPECT_EQ(v.container_names, std::vector<std::string>{"codex"});
  EXPECT_EQ(v.init_container_names, std::vector<std::string>{"git-clone"});
  EXPECT_FALSE(p["spec"]["containers"][0].contains("env"));
}

TEST(CacheProjection, SecretsKeepKeyNamesButNoValues) {
  json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", meta_with_noise("s")},
                 {"data", {{"ANTHROPIC_API_KEY", "c2stc2VjcmV0"}, {"GITHUB_TOKEN", "Z2hw"}}}};
  auto p = project_for_task_controller("Secret", json(secret));
  EXPECT_EQ(p["data"], (json{{"ANTHROPIC_API_KEY", ""}, {"GITHUB_TOKEN", ""}}));
  EXPECT_EQ(p.dump().find("c2stc2VjcmV0"), std::string::npos);
}

TEST(CacheProjection, KelosKindsKeepSpecAndOwnAnnotationsButNotTheLastAppliedCopy) {
  json task = {{"apiVersion", "kelos.dev/v1alpha1"},
               {"kind", "Task"},
               {"metadata", meta_with_noise("t")},
               {"spec", {{"type", "codex"}, {"prompt", "do it"}}}};
  auto p = project_for_task_controller("Task", json(task));
  EXPECT_EQ(p["spec"], task["spec"]);
  EXPECT_EQ(p["metadata"]["annotations"], (json{{"team", "a"}}));
  EXPECT_FALSE(p["metadata"].contains("managedFields"));
}

TEST(CacheProjection, NonObjectsPassThrough) {
  EXPECT_EQ(project_for_task_controller("Job", json(nullptr)), json(nullptr));
  EXPECT_EQ(project_for_task_controller("Pod", json{{"kind", "Pod"}, {"spec", "weird"}}),
            (json{{"kind", "Pod"}, {"spec", "weird"}}));
}

// The decode filter runs before the projection, in the KUBE actor's parser. Whatever it
// skips must be something the projection drops anyway: projecting the filtered object
// must give exactly what projecting the whole object gives, for every kind it knows.
TEST(CacheDecodeFilter, ProjectingTheFilteredObjectEqualsProjectingTheWholeOne) {
  using kelos::task::decode_filter_for_task_controller;
  json full_meta = meta_with_noise("x");
  full_meta["generation"] = 3;
  full_meta["creationTimestamp"] = "2026-01-01T00:00:00Z";
  full_meta["deletionTimestamp"] = "2026-01-02T00:00:00Z";
  full_meta["deletionGracePeriodSeconds"] = 0;
  full_meta["finalizers"] = json::array({"kelos.dev/finalizer"});
  full_meta["generateName"] = "x-";
  const std::vector<json> objects = {
    {{"apiVersion", "kelos.dev/v1alpha1"},
     {"kind", "Task"},
     {"metadata", full_meta},
     {"spec", {{"type", "codex"}, {"prompt", "do it"}, {"dependsOn", {"a"}}}},
     {"status", {{"phase", "Running"}, {"results", {{"pr", "1"}}}}}},
    {{"apiVersion", "kelos.dev/v1alpha1"},
     {"kind", "Workspace"},
     {"metadata", full_meta},
     {"spec", {{"repo", "https://github.com/o/r"}, {"secretRef", {{"name", "gh"}}}}}},
    {{"apiVersion", "kelos.dev/v1alpha1"},
     {"kind", "AgentConfig"},
     {"metadata", full_meta},
     {"spec", {{"agentsMD", "be nice"}}}},
    {{"apiVersion", "kelos.dev/v1alpha1"},
     {"kind", "TaskSpawner"},
     {"metadata", full_meta},
     {"spec", {{"when", {{"cron", {{"schedule", "* * * * *"}}}}}}},
     {"status", {{"phase", "Running"}}}},
    {{"apiVersion", "batch/v1"},
     {"kind", "Job"},
     {"metadata", full_meta},
     {"spec",
      {{"backoffLimit", 0},
       {"activeDeadlineSeconds", 600},
       {"completions", 1},
       {"template", {{"spec", {{"containers", json::array({{{"name", "c"}, {"args", {"prompt"}}}})}}}}}}},
     {"status", {{"active", 1}, {"conditions", json::array({{{"type", "Complete"}, {"status", "True"}}})}}}},
    {{"apiVersion", "v1"},
     {"kind", "Pod"},
     {"metadata", full_meta},
     {"spec",
      {{"nodeName", "n1"},
       {"volumes", json::array({{{"name", "v"}}})},
       {"initContainers", json::array({{{"name", "git-clone"}, {"command", {"sh"}}}})},
       {"containers", json::array({{{"name", "codex"}, {"env", json::array({{{"name", "A"}}})}}})}}},
     {"status", {{"phase", "Running"}, {"containerStatuses", json::array({{{"name", "codex"}}})}}}},
    {{"apiVersion", "v1"},
     {"kind", "Secret"},
     {"metadata", full_meta},
     {"type", "Opaque"},
     {"immutable", true},
     {"data", {{"GITHUB_TOKEN", "Z2hw"}}},
     {"stringData", {{"X", "y"}}}},
  };
  for (const auto& obj : objects) {
    const std::string kind = obj["kind"];
    SCOPED_TRACE(kind);
    auto filter = decode_filter_for_task_controller(kind);
    ASSERT_TRUE(filter.has_value());
    auto filtered = kelos::k8s::parse_filtered(obj.dump(), *filter);
    ASSERT_TRUE(filtered.has_value()) << filtered.error().message;
    EXPECT_FALSE((*filtered)["metadata"].contains("managedFields")) << "the parser skips managedFields";
    EXPECT_EQ(project_for_task_controller(kind, std::move(*filtered)), project_for_task_controller(kind, json(obj)));
  }
  auto job_filter = decode_filter_for_task_controller("Job");
  auto job = kelos::k8s::parse_filtered(objects[4].dump(), *job_filter);
  ASSERT_TRUE(job.has_value());
  EXPECT_FALSE((*job)["spec"].contains("template")) << "the pod template is never built";
  EXPECT_FALSE(decode_filter_for_task_controller("ConfigMap").has_value()) << "unknown kinds decode whole";
}
