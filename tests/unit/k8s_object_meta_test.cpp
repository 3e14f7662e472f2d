#include "k8s/object_meta.hpp"

#include <gtest/gtest.h>

using namespace kelos::k8s;

namespace {

json sample() {
  return json::parse(R"({
    "apiVersion": "kelos.dev/v1alpha1", "kind": "Task",
    "metadata": {
      "name": "fix-1", "namespace": "default", "uid": "u-1", "resourceVersion": "42",
      "generation": 3, "creationTimestamp": "2026-11-23T10:00:00Z",
      "deletionTimestamp": "2026-11-23T11:00:00+00:00",
      "labels": {"kelos.dev/taskspawner": "s"}, "annotations": {"a": "b"},
      "finalizers": ["kelos.dev/finalizer"],
      "ownerReferences": [{"apiVersion": "kelos.dev/v1alpha1", "kind": "TaskSpawner",
                           "name": "s", "uid": "u-0", "controller": true,
                           "blockOwnerDeletion": true}]
    }})");
}

} // namespace

TEST(ObjectMeta, ParsesEveryFieldTheControllerReads) {
  auto m = parse_object_meta(sample());
  EXPECT_EQ(m.name, "fix-1");
  EXPECT_EQ(m.namespace_, "default");
  EXPECT_EQ(m.uid, "u-1");
  EXPECT_EQ(m.resource_version, "42");
  EXPECT_EQ(m.generation, 3);
  ASSERT_TRUE(m.creation_timestamp);
  ASSERT_TRUE(m.is_deleting());
  EXPECT_EQ(format_time(*m.deletion_timestamp), "2026-11-23T11:00:00Z");
  EXPECT_EQ(m.labels.at("kelos.dev/taskspawner"), "s");
  EXPECT_TRUE(m.has_finalizer("kelos.dev/finalizer"));
  EXPECT_FALSE(m.has_finalizer("other"));
  ASSERT_NE(m.controller_owner(), nullptr);
  EXPECT_EQ(m.controller_owner()->uid, "u-0");
  EXPECT_TRUE(m.controller_owner()->block_owner_deletion);
}

TEST(ObjectMeta, RoundTripsThroughJson) {
  auto m = parse_object_meta(sample());
  json obj = {{"metadata", to_json(m)}};
  auto again = parse_object_meta(obj);
  EXPECT_EQ(again.name, m.name);
  EXPECT_EQ(again.labels, m.labels);
  EXPECT_EQ(again.owner_references, m.owner_references);
  EXPECT_EQ(again.deletion_timestamp, m.deletion_timestamp);
  EXPECT_EQ(to_json(again), to_json(m));
}

TEST(ObjectMeta, ToleratesMissingAndMistypedFields) {
  auto m = parse_object_meta(json::parse(R"({"metadata": {"name": 5, "labels": [1],
    "generation": "x", "creationTimestamp": "yesterday", "finalizers": "nope"}})"));
  EXPECT_EQ(m.name, "");
  EXPECT_TRUE(m.labels.empty());
  EXPECT_EQ(m.generation, 0);
  EXPECT_FALSE(m.creation_timestamp);
  EXPECT_TRUE(m.finalizers.empty());
  EXPECT_EQ(parse_object_meta(json::array()).name, "");
}

TEST(ObjectRef, NamesKindNamespaceAndName) {
  auto r = ref_of(sample());
  EXPECT_EQ(r.to_string(), "Task default/fix-1");
  EXPECT_EQ((object_ref{"Namespace", "", "x"}.to_string()), "Namespace x");
}

TEST(JsonGetters, GetIntFallsBackOutsideInt64InsteadOfUndefinedBehaviour) {
  auto j = json::parse(R"({"big": 1e300, "neg": -1e19, "u": 18446744073709551615, "f": 2.9, "i": -7,
                           "max": 9223372036854775807})");
  EXPECT_EQ(get_int(j, "big", 5), 5);
  EXPECT_EQ(get_int(j, "neg", 5), 5);
  EXPECT_EQ(get_int(j, "u", 5), 5);
  EXPECT_EQ(get_int(j, "f"), 2);
  EXPECT_EQ(get_int(j, "i"), -7);
  EXPECT_EQ(get_int(j, "max"), INT64_MAX);
}

TEST(JsonFindPath, EverySegmentIsAKeyIncludingTheEmptyOne) {
  auto j = json::parse(R"({"": {"name": "x"}, "a": {"": 1, "b": {"c": "deep"}}, "s": "str"})");
  ASSERT_NE(find_path(j, ""), nullptr);
  EXPECT_EQ(find_path(j, ""), &j[""]);
  EXPECT_EQ(*find_path(j, ".name"), "x");
  EXPECT_EQ(*find_path(j, "a."), 1);
  EXPECT_EQ(*find_path(j, "a.b.c"), "deep");
  EXPECT_EQ(find_path(j, "a.b.c.d"), nullptr);
  EXPECT_EQ(find_path(j, "s.x"), nullptr);
  EXPECT_EQ(find_path(j, "missing"), nullptr);
  EXPECT_EQ(find_path(json::parse(R"({"a": 1})"), ""), nullptr);
  EXPECT_EQ(find_path(json::array(), "a"), nullptr);
}
