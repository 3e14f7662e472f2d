#include "k8s/apiserver/json_depth.hpp"
#include "k8s/apiserver/json_patch.hpp"
#include "k8s/apiserver/merge_patch.hpp"
#include "k8s/apiserver/strategic_merge.hpp"

#include <gtest/gtest.h>

using kelos::apiserver::json;
namespace api = kelos::apiserver;

namespace {

json j(const char* text) {
  return json::parse(text);
}

} // namespace

// ---------------------------------------------------------------- JSON patch (RFC 6902)

TEST(JsonPatch, AddReplaceRemoveAndAppend) {
  auto r = api::apply_json_patch(j(R"({"a":{"b":1},"l":[1,2]})"), j(R"([
    {"op":"add","path":"/a/c","value":2},
    {"op":"replace","path":"/a/b","value":3},
    {"op":"remove","path":"/l/0"},
    {"op":"add","path":"/l/-","value":9},
    {"op":"add","path":"/l/0","value":7}])"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, j(R"({"a":{"b":3,"c":2},"l":[7,2,9]})"));
}

TEST(JsonPatch, MoveCopyAndTest) {
  auto r = api::apply_json_patch(j(R"({"a":{"b":"x"}})"), j(R"([
    {"op":"move","from":"/a/b","path":"/m"},
    {"op":"copy","from":"/m","path":"/a/c"},
    {"op":"test","path":"/a/c","value":"x"}])"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, j(R"({"a":{"c":"x"},"m":"x"})"));
}

TEST(JsonPatch, PointerEscapingFollowsRfc6901) {
  auto tokens = api::parse_json_pointer("/a~1b/m~0n/~01");
  ASSERT_TRUE(tokens);
  EXPECT_EQ(*tokens, (std::vector<std::string>{"a/b", "m~n", "~1"}));
  EXPECT_EQ(api::escape_json_pointer_token("a/b~c"), "a~1b~0c");
  auto r = api::apply_json_patch(j(R"({"metadata":{"labels":{}}})"), j(R"([
    {"op":"add","path":"/metadata/labels/kelos.dev~1task","value":"t"}])"));
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["metadata"]["labels"]["kelos.dev/task"], "t");
  EXPECT_FALSE(api::parse_json_pointer("a/b"));
  EXPECT_FALSE(api::parse_json_pointer("/a~2"));
}

TEST(JsonPatch, ErrorsNameOperationIndexAndPath) {
  auto r = api::apply_json_patch(j(R"({"spec":{"a":1}})"), j(R"([
    {"op":"replace","path":"/spec/a","value":2},
    {"op":"replace","path":"/spec/missing","value":3}])"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kelos::errc::bad_request);
  EXPECT_NE(r.error().message.find("operation 1 (replace)"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("/spec/missing"), std::string::npos);
}

TEST(JsonPatch, FailedTestRejectsWholePatch) {
  json doc = j(R"({"a":1})");
  auto r = api::apply_json_patch(doc, j(R"([
    {"op":"replace","path":"/a","value":2},
    {"op":"test","path":"/a","value":1}])"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("test failed"), std::string::npos);
  EXPECT_EQ(doc, j(R"({"a":1})"));
}

TEST(JsonPatch, RejectsMalformedOperations) {
  json doc = j(R"({"a":[1]})");
  EXPECT_FALSE(api::apply_json_patch(doc, j(R"({"op":"add"})")));
  EXPECT_FALSE(api::apply_json_patch(doc, j(R"([{"op":"frob","path":"/a"}])")));
  EXPECT_FALSE(api::apply_json_patch(doc, j(R"([{"op":"add","path":"/a/5","value":1}])")));
  EXPECT_FALSE(api::apply_json_patch(doc, j(R"([{"op":"add","path":"/a/01","value":1}])")));
  EXPECT_FALSE(api::apply_json_patch(doc, j(R"([{"op":"remove","path":"/x"}])")));
  EXPECT_FALSE(api::apply_json_patch(doc, j(R"([{"op":"move","from":"/a","path":"/a/0"}])")));
  EXPECT_FALSE(api::apply_json_patch(doc, j(R"([{"op":"add","path":"/a/0"}])")));
}

// ---------------------------------------------------------------- merge patch (RFC 7386)

TEST(MergePatch, RfcExamples) {
  struct row {
    const char* target;
    const char* patch;
    const char* result;
  } rows[] = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
      {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
  };
  for (const auto& r : rows)
    EXPECT_EQ(api::apply_merge_patch(j(r.target), j(r.patch)), j(r.result)) << r.patch;
}

TEST(MergePatch, CreateMergePatchRoundTrips) {
  json a = j(R"({"spec":{"x":1,"y":[1,2],"z":{"k":"v"}},"gone":true})");
  json b = j(R"({"spec":{"x":2,"y":[1],"z":{"k":"v","n":1}},"new":"v"})");
  json patch = api::create_merge_patch(a, b);
  EXPECT_EQ(patch["gone"], nullptr);
  EXPECT_FALSE(patch["spec"].contains("z") && patch["spec"]["z"].contains("k"));
  EXPECT_EQ(api::apply_merge_patch(a, patch), b);
}

// ---------------------------------------------------------------- strategic merge patch

namespace {

json pod() {
  return j(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","finalizers":["a","b"],
    "labels":{"x":"1"}},
    "spec":{"containers":[
      {"name":"main","image":"img:1","args":["--a"],"env":[{"name":"X","value":"1"}],
       "ports":[{"containerPort":80,"name":"http"}]},
      {"name":"side","image":"side:1"}],
     "tolerations":[{"key":"k1"}]}})");
}

} // namespace

TEST(StrategicMerge, ContainersMergeByNameAndEnvByName) {
  auto r = api::apply_strategic_merge_patch("Pod", pod(), j(R"({"spec":{"containers":[
      {"name":"main","image":"img:2","env":[{"name":"Y","value":"2"}]},
      {"name":"new","image":"new:1"}]}})"));
  ASSERT_TRUE(r) << r.error().message;
  const json& cs = (*r)["spec"]["containers"];
  ASSERT_EQ(cs.size(), 3u);
  EXPECT_EQ(cs[0]["image"], "img:2");
  EXPECT_EQ(cs[0]["env"], j(R"([{"name":"X","value":"1"},{"name":"Y","value":"2"}])"));
  EXPECT_EQ(cs[0]["ports"][0]["containerPort"], 80);
  EXPECT_EQ(cs[1]["name"], "side");
  EXPECT_EQ(cs[2]["name"], "new");
}

TEST(StrategicMerge, UnkeyedListsAndTolerationsReplace) {
  auto r = api::apply_strategic_merge_patch("Pod", pod(), j(R"({"spec":{
      "tolerations":[{"key":"k2"}],
      "containers":[{"name":"main","args":["--b"]}]}})"));
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["spec"]["tolerations"], j(R"([{"key":"k2"}])"));
  EXPECT_EQ((*r)["spec"]["containers"][0]["args"], j(R"(["--b"])"));
}

TEST(StrategicMerge, PatchDeleteRemovesKeyedItemAndMap) {
  auto r = api::apply_strategic_merge_patch("Pod", pod(), j(R"({"spec":{
      "containers":[{"name":"side","$patch":"delete"}]},
      "metadata":{"labels":{"$patch":"delete"}}})"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ((*r)["spec"]["containers"].size(), 1u);
  EXPECT_EQ((*r)["spec"]["containers"][0]["name"], "main");
  EXPECT_FALSE((*r)["metadata"].contains("labels"));
}

TEST(StrategicMerge, PatchReplaceOnMapAndList) {
  auto r = api::apply_strategic_merge_patch("Pod", pod(), j(R"({
      "metadata":{"labels":{"$patch":"replace","y":"2"}},
      "spec":{"containers":[{"$patch":"replace"},{"name":"only","image":"o:1"}]}})"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["metadata"]["labels"], j(R"({"y":"2"})"));
  EXPECT_EQ((*r)["spec"]["containers"], j(R"([{"name":"only","image":"o:1"}])"));
}

TEST(StrategicMerge, FinalizersMergeAsSetAndDeleteFromPrimitiveList) {
  auto r = api::apply_strategic_merge_patch("Pod", pod(), j(R"({"metadata":{
      "finalizers":["c","a"],
      "$deleteFromPrimitiveList/finalizers":["b"]}})"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["metadata"]["finalizers"], j(R"(["a","c"])"));
}

TEST(StrategicMerge, SetElementOrderReordersMergedList) {
  auto r = api::apply_strategic_merge_patch("Pod", pod(), j(R"({"spec":{
      "$setElementOrder/containers":[{"name":"side"},{"name":"main"}],
      "containers":[{"name":"main","image":"img:3"}]}})"));
  ASSERT_TRUE(r) << r.error().message;
  const json& cs = (*r)["spec"]["containers"];
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0]["name"], "side");
  EXPECT_EQ(cs[1]["image"], "img:3");
  EXPECT_FALSE((*r)["spec"].contains("$setElementOrder/containers"));
}

TEST(StrategicMerge, RetainKeysDropsUnlistedFields) {
  json orig = j(R"({"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}})");
  auto r = api::apply_strategic_merge_patch("Deployment", orig, j(R"({"spec":{"strategy":{
      "$retainKeys":["type"],"type":"Recreate"}}})"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)["spec"]["strategy"], j(R"({"type":"Recreate"})"));
}

TEST(StrategicMerge, NullDeletesAndSecretDataMerges) {
  json secret = j(R"({"kind":"Secret","data":{"a":"YQ==","b":"Yg=="},"type":"Opaque"})");
  auto r = api::apply_strategic_merge_patch("Secret", secret,
                                            j(R"({"data":{"b":null,"c":"Yw=="}})"));
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["data"], j(R"({"a":"YQ==","c":"Yw=="})"));
}

TEST(StrategicMerge, JobPodTemplateUsesMergeKeys) {
  json job = j(R"({"kind":"Job","spec":{"template":{"spec":{"containers":[
      {"name":"c","volumeMounts":[{"mountPath":"/a","name":"v1"}]}]}}}})");
  auto r = api::apply_strategic_merge_patch("Job", job, j(R"({"spec":{"template":{"spec":{
      "containers":[{"name":"c","volumeMounts":[{"mountPath":"/b","name":"v2"}]}]}}}})"));
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["spec"]["template"]["spec"]["containers"][0]["volumeMounts"].size(), 2u);
}

TEST(StrategicMerge, OwnerReferencesMergeByUid) {
  json orig = j(R"({"metadata":{"ownerReferences":[{"uid":"1","name":"a"}]}})");
  auto r = api::apply_strategic_merge_patch("ConfigMap", orig, j(R"({"metadata":{
      "ownerReferences":[{"uid":"2","name":"b"},{"uid":"1","name":"a2"}]}})"));
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["metadata"]["ownerReferences"],
            j(R"([{"uid":"1","name":"a2"},{"uid":"2","name":"b"}])"));
}

TEST(StrategicMerge, ErrorsAndSupportedKinds) {
  EXPECT_FALSE(api::apply_strategic_merge_patch(
      "Pod", pod(), j(R"({"spec":{"containers":[{"image":"nokey"}]}})")));
  EXPECT_FALSE(api::apply_strategic_merge_patch("Pod", pod(), j(R"({"spec":{"$patch":"frob"}})")));
  EXPECT_FALSE(api::apply_strategic_merge_patch("Pod", pod(), j(R"([1])")));
  EXPECT_TRUE(api::strategic_merge_supported("Job"));
  EXPECT_TRUE(api::strategic_merge_supported("Secret"));
  EXPECT_FALSE(api::strategic_merge_supported("Task"));
}

// ---------------------------------------------------------------- nesting guard

TEST(JsonDepth, CountsNestingOutsideStrings) {
  EXPECT_EQ(api::json_nesting_depth(""), 0u);
  EXPECT_EQ(api::json_nesting_depth("1"), 0u);
  EXPECT_EQ(api::json_nesting_depth(R"({"a":[1,{"b":[]}]})"), 4u);
  EXPECT_EQ(api::json_nesting_depth(R"({"a":"[[[[\"[[[["})"), 1u);
  EXPECT_EQ(api::json_nesting_depth(R"(["\\", [[]]])"), 3u);
  std::string deep(200000, '[');
  EXPECT_EQ(api::json_nesting_depth(deep), 200000u);
  EXPECT_GT(api::json_nesting_depth(deep), api::max_json_nesting);
}
