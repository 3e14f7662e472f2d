#include "k8s/apiserver/stored_object.hpp"

#include <gtest/gtest.h>

using kelos::apiserver::stored_object;
using kelos::k8s::json;

namespace {

json sample() {
  return json::parse(R"({"apiVersion":"v1","kind":"ConfigMap",
    "metadata":{"name":"c","namespace":"default","labels":{"app":"x"},"resourceVersion":"7"},
    "data":{"k":"v","unicode":"héllo ✓"},"n":[-3,0,18446744073709551615,0.1,1e300,true,null]})");
}

} // namespace

TEST(StoredObject, TextIsTheCompactDumpAndDecodesToTheSameObject) {
  auto tree = std::make_shared<const json>(sample());
  auto stored = stored_object::from_tree(tree);
  EXPECT_EQ(stored->text(), tree->dump());
  EXPECT_EQ(stored->text().capacity(), stored->text().size());
  tree.reset();
  EXPECT_EQ(*stored->tree(), sample());
  EXPECT_EQ(*stored->decode(), sample());
}

TEST(StoredObject, ReadersShareTheTreeWhileItIsAliveAndDecodeAfterwards) {
  auto tree = std::make_shared<const json>(sample());
  auto stored = stored_object::from_tree(tree);
  EXPECT_EQ(stored->tree().get(), tree.get()) << "the committed tree is shared while held";
  tree.reset();
  auto again = stored->tree();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(*again, sample());
  EXPECT_EQ(stored->tree().get(), again.get()) << "a decoded tree is shared while held";
}

TEST(StoredObject, DecodeNeverHandsOutTheRememberedTree) {
  auto tree = std::make_shared<const json>(sample());
  auto stored = stored_object::from_tree(tree);
  auto fresh = stored->decode();
  EXPECT_NE(fresh.get(), tree.get());
  EXPECT_EQ(*fresh, *tree);
}

TEST(StoredObject, NestingBeyondTheFastParsersLimitStillDecodes) {
  json deep = "leaf";
  for (int i = 0; i < 700; ++i)
    deep = json::array({std::move(deep)});
  auto stored = stored_object::from_tree(std::make_shared<const json>(json{{"spec", deep}}));
  auto back = stored->tree();
  EXPECT_EQ((*back)["spec"], deep);
}

TEST(StoredObject, InvalidUtf8IsRefusedWhenSerialised) {
  auto bad = std::make_shared<const json>(json{{"data", {{"k", std::string("\xff\xfe")}}}});
  EXPECT_THROW(stored_object::from_tree(bad), json::type_error);
}
