#include "k8s/client/compact_object.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace kelos::k8s;

namespace {

json task_like() {
  return json::parse(R"({
    "apiVersion": "kelos.dev/v1alpha1", "kind": "Task",
    "metadata": {"name": "fix-bug", "namespace": "team-a", "uid": "u-1", "resourceVersion": "42",
                 "generation": 3, "labels": {"kelos.dev/task": "fix-bug"},
                 "finalizers": ["kelos.dev/finalizer"]},
    "spec": {"type": "claude-code", "prompt": "Fix \"it\"\n\ttabs, unicode \u00e9 \ud83d\ude80",
             "ttlSecondsAfterFinished": 0, "podOverrides": {"activeDeadlineSeconds": 18446744073709551615},
             "ratio": 0.25, "negative": -7, "empty": {}, "none": [], "nothing": null, "yes": true},
    "status": {"phase": "Pending"}
  })");
}

} // namespace

TEST(CompactObject, DecodesToTheSameDocument) {
  auto original = task_like();
  auto c = compact_object::encode(original);
  EXPECT_EQ(c.decode(), original);
  EXPECT_EQ(c.resource_version, "42");
  EXPECT_EQ(c.text.find('\n'), std::string::npos) << "no whitespace between tokens";
  EXPECT_EQ(c.text.capacity(), c.text.size()) << "no slack kept per cached object";
}

TEST(CompactObject, TextIsSmallerThanTheObjectsPrettyForm) {
  auto original = task_like();
  auto c = compact_object::encode(original);
  EXPECT_LT(c.text.size(), original.dump(2).size());
  EXPECT_EQ(c.text, original.dump());
}

TEST(CompactObject, ObjectWithoutResourceVersion) {
  auto c = compact_object::encode(json{{"metadata", {{"name", "a"}}}});
  EXPECT_EQ(c.resource_version, "");
  EXPECT_EQ(c.decode()["metadata"]["name"], "a");
}

TEST(CompactObject, UndecodableTextReadsAsNull) {
  compact_object broken{"{\"metadata\":", ""};
  EXPECT_TRUE(broken.decode().is_null());
}
