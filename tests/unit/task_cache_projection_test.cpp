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
