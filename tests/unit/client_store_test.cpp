#include "k8s/client/store.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace kelos::k8s;

namespace {

json obj(const std::string& ns, const std::string& name, std::map<std::string, std::string> labels = {},
         const std::string& phase = "Pending") {
  json o = {{"metadata", {{"namespace", ns}, {"name", name}}}, {"status", {{"phase", phase}}}};
  if (!labels.empty()) o["metadata"]["labels"] = labels;
  return o;
}

/// A compact projection: only the phase is cached.
struct phase_view {
  std::string name;
  std::string phase;
};

store<phase_view> phase_store() {
  return store<phase_view>{[](const json& o) {
    return phase_view{o["metadata"].value("name", ""), o["status"].value("phase", "")};
  }};
}

std::vector<std::string> names(const std::vector<const phase_view*>& v) {
  std::vector<std::string> out;
  for (auto* p : v) out.push_back(p->name);
  return out;
}

} // namespace

TEST(Store, NotSyncedUntilInitDone) {
  auto s = phase_store();
  EXPECT_FALSE(s.synced());
  s.apply_event(store_event::init());
  s.apply_event(store_event::init_apply(obj("d", "a")));
  EXPECT_FALSE(s.synced());
  EXPECT_EQ(s.get("d", "a"), nullptr);
  EXPECT_EQ(s.size(), 0u);
  s.apply_event(store_event::init_done());
  EXPECT_TRUE(s.synced());
  ASSERT_NE(s.get("d", "a"), nullptr);
  EXPECT_EQ(s.get("d", "a")->phase, "Pending");
}

TEST(Store, EmptyListStillSyncs) {
  auto s = phase_store();
  s.apply_event(store_event::init());
  s.apply_event(store_event::init_done());
  EXPECT_TRUE(s.synced());
  EXPECT_TRUE(s.empty());
}

TEST(Store, InitDoneSwapsAtomicallyDroppingMissedDeletes) {
  auto s = phase_store();
  s.apply_events({store_event::init(), store_event::init_apply(obj("d", "a")), store_event::init_apply(obj("d", "b")),
                  store_event::init_done()});
  s.apply_event(store_event::init());
  s.apply_event(store_event::init_apply(obj("d", "b", {}, "Running")));
  // Readers still see the old generation.
  EXPECT_NE(s.get("d", "a"), nullptr);
  EXPECT_EQ(s.get("d", "b")->phase, "Pending");
  s.apply_event(store_event::init_done());
  EXPECT_EQ(s.get("d", "a"), nullptr);
  EXPECT_EQ(s.get("d", "b")->phase, "Running");
  EXPECT_TRUE(s.synced());
}

TEST(Store, SecondInitDiscardsUnfinishedBuffer) {
  auto s = phase_store();
  s.apply_events({store_event::init(), store_event::init_apply(obj("d", "stale")), store_event::init(),
                  store_event::init_apply(obj("d", "fresh")), store_event::init_done()});
  EXPECT_EQ(s.get("d", "stale"), nullptr);
  EXPECT_NE(s.get("d", "fresh"), nullptr);
}

TEST(Store, InitApplyWithoutInitIsRejected) {
  auto s = phase_store();
  EXPECT_FALSE(s.apply_event(store_event::init_apply(obj("d", "a"))));
  EXPECT_FALSE(s.apply_event(store_event::init_done()));
  EXPECT_FALSE(s.synced());
}

TEST(Store, ApplyAndRemove) {
  auto s = phase_store();
  s.apply_events({store_event::init(), store_event::init_done()});
  EXPECT_TRUE(s.apply_event(store_event::apply(obj("d", "a"))));
  EXPECT_TRUE(s.apply_event(store_event::apply(obj("d", "a", {}, "Succeeded"))));
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.get("d", "a")->phase, "Succeeded");
  EXPECT_TRUE(s.apply_event(store_event::remove(obj("d", "a"))));
  EXPECT_EQ(s.get("d", "a"), nullptr);
  // Removing an unknown object is harmless.
  EXPECT_TRUE(s.apply_event(store_event::remove(obj("d", "zzz"))));
  // Objects without a name are refused.
  EXPECT_FALSE(s.apply_event(store_event::apply(json{{"metadata", json::object()}})));
}

TEST(Store, ListIsDeterministicByNamespaceThenName) {
  auto s = phase_store();
  s.apply_events({store_event::init(), store_event::init_apply(obj("b", "z")), store_event::init_apply(obj("a", "y")),
                  store_event::init_apply(obj("b", "a")), store_event::init_apply(obj("", "cluster")),
                  store_event::init_done()});
  EXPECT_EQ(names(s.list()), (std::vector<std::string>{"cluster", "y", "a", "z"}));
  EXPECT_EQ(names(s.list_namespace("b")), (std::vector<std::string>{"a", "z"}));
  EXPECT_EQ(names(s.list_namespace("a")), (std::vector<std::string>{"y"}));
  EXPECT_TRUE(s.list_namespace("nope").empty());
  EXPECT_NE(s.get("", "cluster"), nullptr);
}

TEST(Store, ListByLabelEquality) {
  auto s = phase_store();
  s.apply_events({store_event::init(),
                  store_event::init_apply(obj("d", "p1", {{"kelos.dev/task", "t1"}, {"app", "x"}})),
                  store_event::init_apply(obj("d", "p2", {{"kelos.dev/task", "t2"}})),
                  store_event::init_apply(obj("e", "p3", {{"kelos.dev/task", "t1"}})),
                  store_event::init_apply(obj("d", "p4")), store_event::init_done()});
  EXPECT_EQ(names(s.list_by_labels({{"kelos.dev/task", "t1"}})), (std::vector<std::string>{"p1", "p3"}));
  EXPECT_EQ(names(s.list_by_labels({{"kelos.dev/task", "t1"}}, "d")), (std::vector<std::string>{"p1"}));
  EXPECT_EQ(names(s.list_by_labels({{"kelos.dev/task", "t1"}, {"app", "x"}})), (std::vector<std::string>{"p1"}));
  EXPECT_TRUE(s.list_by_labels({{"kelos.dev/task", "t9"}}).empty());
  EXPECT_EQ(s.list_by_labels({}).size(), 4u);
  // Labels follow updates.
  s.apply_event(store_event::apply(obj("d", "p2", {{"kelos.dev/task", "t1"}})));
  EXPECT_EQ(names(s.list_by_labels({{"kelos.dev/task", "t1"}})), (std::vector<std::string>{"p1", "p2", "p3"}));
}

TEST(Store, JsonStoreKeepsWholeObjects) {
  auto s = make_json_store();
  s.apply_events({store_event::init(), store_event::init_apply(obj("d", "a", {{"k", "v"}})), store_event::init_done()});
  ASSERT_NE(s.get("d", "a"), nullptr);
  EXPECT_EQ((*s.get("d", "a"))["status"]["phase"], "Pending");
  ASSERT_NE(s.labels("d", "a"), nullptr);
  EXPECT_EQ(*s.labels("d", "a"), (label_list{{"k", "v"}}));
}

TEST(Store, WithoutALabelIndexObjectsAreStillKeyedAndListed) {
  store<phase_view> s{[](const json& o) { return phase_view{o["metadata"].value("name", ""), o["status"].value("phase", "")}; },
                      store<phase_view>::label_index::drop};
  s.apply_events({store_event::init(), store_event::init_apply(obj("d", "a", {{"k", "v"}}, "Running")),
                  store_event::init_apply(obj("d", "b", {{"k", "w"}})), store_event::init_done()});
  ASSERT_NE(s.get("d", "a"), nullptr);
  EXPECT_EQ(s.get("d", "a")->phase, "Running");
  EXPECT_EQ(names(s.list_namespace("d")), (std::vector<std::string>{"a", "b"}));
  s.apply_event(store_event::remove(obj("d", "a")));
  EXPECT_EQ(names(s.list()), (std::vector<std::string>{"b"}));
}

TEST(Store, LabelsMatchHelper) {
  label_list l = {{"a", "1"}, {"b", "2"}};
  EXPECT_TRUE(labels_match(l, {}));
  EXPECT_TRUE(labels_match(l, {{"b", "2"}}));
  EXPECT_FALSE(labels_match(l, {{"b", "3"}}));
  EXPECT_FALSE(labels_match(l, {{"c", "1"}}));
  EXPECT_FALSE(labels_match({}, {{"a", "1"}}));
}
