#include <gtest/gtest.h>

#include "k8s/apiserver/jsonpath.hpp"

namespace kelos::apiserver {
namespace {

using k8s::json;

json pod() {
  return json::parse(R"({
    "metadata": {"name": "p", "labels": {"kelos.dev/task": "t1", "app": "x"},
                 "annotations": {"a.b/c": "dotted"}},
    "spec": {"containers": [{"name": "main", "image": "img:1"}, {"name": "side", "image": "img:2"}],
             "dependsOn": ["a", "b"]},
    "status": {"phase": "Running", "restarts": 3, "ok": true,
               "conditions": [{"type": "Initialized", "status": "True"},
                              {"type": "Ready", "status": "False", "n": 2}]}
  })");
}

std::vector<json> eval(const json& doc, const char* expr) {
  auto r = jsonpath_eval(doc, expr);
  EXPECT_TRUE(r) << expr << ": " << (r ? "" : r.error().message);
  return r ? *r : std::vector<json>{};
}

TEST(JsonPath, DottedFields) {
  EXPECT_EQ(eval(pod(), ".status.phase"), std::vector<json>{"Running"});
  EXPECT_EQ(eval(pod(), "status.phase"), std::vector<json>{"Running"});
  EXPECT_EQ(eval(pod(), "{.status.phase}"), std::vector<json>{"Running"});
  EXPECT_EQ(eval(pod(), "$.status.restarts"), std::vector<json>{3});
  EXPECT_TRUE(eval(pod(), ".status.missing.deeper").empty());
}

TEST(JsonPath, IndexAndWildcard) {
  EXPECT_EQ(eval(pod(), ".spec.containers[0].name"), std::vector<json>{"main"});
  EXPECT_EQ(eval(pod(), ".spec.containers[-1].name"), std::vector<json>{"side"});
  EXPECT_TRUE(eval(pod(), ".spec.containers[5].name").empty());
  EXPECT_EQ(eval(pod(), ".spec.containers[*].image"), (std::vector<json>{"img:1", "img:2"}));
  EXPECT_EQ(eval(pod(), ".spec.containers.*.name"), (std::vector<json>{"main", "side"}));
}

TEST(JsonPath, QuotedKeysWithDots) {
  EXPECT_EQ(eval(pod(), ".metadata.labels['kelos.dev/task']"), std::vector<json>{"t1"});
  EXPECT_EQ(eval(pod(), ".metadata.annotations[\"a.b/c\"]"), std::vector<json>{"dotted"});
}

TEST(JsonPath, Filters) {
  EXPECT_EQ(eval(pod(), R"(.status.conditions[?(@.type=="Ready")].status)"),
            std::vector<json>{"False"});
  EXPECT_EQ(eval(pod(), ".status.conditions[?(@.type == 'Initialized')].status"),
            std::vector<json>{"True"});
  EXPECT_EQ(eval(pod(), R"(.status.conditions[?(@.type!="Ready")].type)"),
            std::vector<json>{"Initialized"});
  EXPECT_EQ(eval(pod(), ".status.conditions[?(@.n)].type"), std::vector<json>{"Ready"});
  EXPECT_EQ(eval(pod(), ".status.conditions[?(@.n>1)].type"), std::vector<json>{"Ready"});
  EXPECT_TRUE(eval(pod(), ".status.conditions[?(@.n>=3)].type").empty());
  EXPECT_TRUE(eval(pod(), R"(.status.conditions[?(@.type=="Nope")].status)").empty());
}

TEST(JsonPath, ReturnsArraysAndObjectsWhole) {
  auto v = eval(pod(), ".spec.dependsOn");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(jsonpath_render(v[0]), R"(["a","b"])");
  EXPECT_EQ(jsonpath_render(json{{"k", 1}}), R"({"k":1})");
  EXPECT_EQ(jsonpath_render(json("x")), "x");
  EXPECT_EQ(jsonpath_render(json(true)), "true");
  EXPECT_EQ(jsonpath_render(json(2.5)), "2.5");
  EXPECT_EQ(jsonpath_render(json(nullptr)), "");
}

TEST(JsonPath, RejectsMalformedAndUnsupported) {
  for (const char* bad : {"", ".a..b", "..a", ".a[", ".a[?(@.x==\"y\"]", ".a[0,1]", ".a[1:2]",
                          ".a[?(x)]", ".a b", ".a['x]"}) {
    auto r = jsonpath_eval(pod(), bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_EQ(r.error().code, errc::invalid_spec);
    }
    EXPECT_FALSE(jsonpath_validate(bad)) << bad;
  }
  EXPECT_TRUE(jsonpath_validate(".spec.taskTemplate.workspaceRef.name"));
}

} // namespace
} // namespace kelos::apiserver
