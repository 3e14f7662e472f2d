#include "k8s/apiserver/object_store.hpp"
#include "k8s/apiserver/stored_object.hpp"

#include "tests/unit/apiserver_store_fixture.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

using namespace kelos::apiserver;
using namespace kelos::apiserver::testing;

namespace {

watch_options from(std::string rv, std::string labels = "") {
  watch_options o;
  o.resource_version = std::move(rv);
  o.label_selector = std::move(labels);
  return o;
}

std::string name_of(const watch_event& ev) {
  return (*ev.object)["metadata"].value("name", "");
}

} // namespace

TEST(StoreWatchTest, UnsetOrZeroRVSendsSyntheticAddedThenLive) {
  object_store store(test_config());
  ASSERT_TRUE(store.create(res("tasks"), "default", task("a")));
  ASSERT_TRUE(store.create(res("tasks"), "default", task("b")));
  for (auto rv : {"", "0"}) {
    auto w = store.watch(res("tasks"), "default", from(rv));
    ASSERT_TRUE(w);
    auto evs = drain(**w);
    ASSERT_EQ(evs.size(), 2u) << rv;
    EXPECT_EQ(evs[0].type, watch_event_type::added);
    EXPECT_EQ(name_of(evs[0]), "a");
    EXPECT_EQ(name_of(evs[1]), "b");
    store.stop_watch(*w);
  }
  auto w = store.watch(res("tasks"), "default", from(""));
  drain(**w);
  ASSERT_TRUE(store.create(res("tasks"), "default", task("c")));
  auto ev = (*w)->next(std::chrono::milliseconds(100));
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->type, watch_event_type::added);
  EXPECT_EQ(name_of(*ev), "c");
  EXPECT_EQ(ev->to_json()["type"], "ADDED");
}

TEST(StoreWatchTest, ExactRVReplaysFromLogWithoutSyntheticEvents) {
  object_store store(test_config());
  auto a = store.create(res("tasks"), "default", task("a"));
  ASSERT_TRUE(a);
  std::string after_a = rv_of(*a->object);
  json b = *store.create(res("tasks"), "default", task("b"))->object;
  b["spec"]["x"] = 1;
  ASSERT_TRUE(store.update(res("tasks"), "default", "b", b));
  ASSERT_TRUE(store.remove(res("tasks"), "default", "a"));
  auto w = store.watch(res("tasks"), "default", from(after_a));
  ASSERT_TRUE(w);
  auto evs = drain(**w);
  ASSERT_EQ(evs.size(), 3u);
  EXPECT_EQ(evs[0].type, watch_event_type::added);
  EXPECT_EQ(name_of(evs[0]), "b");
  EXPECT_EQ(evs[1].type, watch_event_type::modified);
  EXPECT_EQ(evs[2].type, watch_event_type::deleted);
  EXPECT_EQ(name_of(evs[2]), "a");
  EXPECT_EQ(evs[2].wire_object()["metadata"]["resourceVersion"], std::to_string(store.current_rv()));
  for (size_t i = 1; i < evs.size(); ++i)
    EXPECT_EQ(evs[i].rv, evs[i - 1].rv + 1);
}

TEST(StoreWatchTest, RVOlderThanLogGivesErrorEvent410) {
  auto cfg = test_config();
  cfg.event_log_capacity = 2;
  object_store store(cfg);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(store.create(res("tasks"), "default", task("t" + std::to_string(i))));
  auto w = store.watch(res("tasks"), "default", from("1"));
  ASSERT_TRUE(w);
  auto evs = drain(**w);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].type, watch_event_type::error);
  auto& st = *evs[0].object;
  EXPECT_EQ(st["code"], 410);
  EXPECT_EQ(st["reason"], "Expired");
  EXPECT_EQ(st["message"], "too old resource version: 1 (" + std::to_string(store.current_rv() - 2) + ")");
  EXPECT_TRUE((*w)->finished());
  auto bad = store.watch(res("tasks"), "default", from("abc"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, 400);
}

TEST(StoreWatchTest, SelectorTransitionsBecomeAddedAndDeleted) {
  object_store store(test_config());
  auto w = store.watch(res("configmaps"), "default", from(std::to_string(store.current_rv()), "app=x"));
  ASSERT_TRUE(w);
  json cm = *store.create(res("configmaps"), "default", configmap("c", {{"app", "y"}}))->object;
  cm["metadata"]["labels"]["app"] = "x";
  cm = *store.update(res("configmaps"), "default", "c", cm)->object;
  cm["data"]["k"] = "2";
  cm = *store.update(res("configmaps"), "default", "c", cm)->object;
  cm["metadata"]["labels"]["app"] = "z";
  auto last = store.update(res("configmaps"), "default", "c", cm);
  ASSERT_TRUE(last);
  auto evs = drain(**w);
  ASSERT_EQ(evs.size(), 3u);
  EXPECT_EQ(evs[0].type, watch_event_type::added);
  EXPECT_EQ(evs[1].type, watch_event_type::modified);
  EXPECT_EQ(evs[2].type, watch_event_type::deleted);
  // DELETED carries the previous object (still matching) with the new RV.
  json wire = evs[2].wire_object();
  EXPECT_EQ(wire["metadata"]["labels"]["app"], "x");
  EXPECT_EQ(wire["metadata"]["resourceVersion"], rv_of(*last->object));
}

// Events carry the committed text of their object, so the HTTP layer sends it instead of
// serialising the tree again. Not the selector-transition DELETED: its object is the
// previous version under the new RV, which no stored text holds.
TEST(StoreWatchTest, EventsCarryTheCommittedTextOfTheirObject) {
  object_store store(test_config());
  ASSERT_TRUE(store.create(res("configmaps"), "default", configmap("old", {{"app", "x"}})));
  auto initial = store.watch(res("configmaps"), "default", from("", "app=x"));
  auto live = store.watch(res("configmaps"), "default", from(std::to_string(store.current_rv()), "app=x"));
  ASSERT_TRUE(initial && live);
  json cm = *store.create(res("configmaps"), "default", configmap("c", {{"app", "x"}}))->object;
  cm["data"]["k"] = "2";
  cm = *store.update(res("configmaps"), "default", "c", cm)->object;
  cm["metadata"]["labels"]["app"] = "z";
  ASSERT_TRUE(store.update(res("configmaps"), "default", "c", cm));
  ASSERT_TRUE(store.remove(res("configmaps"), "default", "old"));
  for (auto* w : {&*initial, &*live}) {
    auto evs = drain(**w);
    ASSERT_FALSE(evs.empty());
    for (const auto& ev : evs) {
      bool transition_delete = ev.type == watch_event_type::deleted && name_of(ev) == "c";
      if (transition_delete) {
        EXPECT_EQ(ev.stored, nullptr);
        continue;
      }
      ASSERT_NE(ev.stored, nullptr) << name_of(ev);
      EXPECT_EQ(ev.stored->text(), ev.object->dump()) << name_of(ev);
    }
  }
  // A replay from the event log carries it too.
  auto replay = store.watch(res("configmaps"), "default", from("1", "app=x"));
  ASSERT_TRUE(replay);
  for (const auto& ev : drain(**replay)) {
    if (ev.stored) {
      EXPECT_EQ(ev.stored->text(), ev.object->dump());
    }
  }
}

TEST(StoreWatchTest, SendInitialEventsEndsWithAnnotatedBookmark) {
  object_store store(test_config());
  ASSERT_TRUE(store.create(res("tasks"), "default", task("a")));
  watch_options o;
  o.send_initial_events = true;
  o.allow_bookmarks = true;
  auto w = store.watch(res("tasks"), "default", o);
  ASSERT_TRUE(w);
  auto evs = drain(**w);
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].type, watch_event_type::added);
  EXPECT_EQ(evs[1].type, watch_event_type::bookmark);
  json bm = evs[1].to_json();
  EXPECT_EQ(bm["type"], "BOOKMARK");
  EXPECT_EQ(bm["object"]["kind"], "Task");
  EXPECT_EQ(bm["object"]["apiVersion"], "kelos.dev/v1alpha1");
  EXPECT_EQ(bm["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");
  EXPECT_EQ(bm["object"]["metadata"]["resourceVersion"], std::to_string(store.current_rv()));
}

TEST(StoreWatchTest, BookmarksOnlyWhenRequested) {
  object_store store(test_config());
  auto plain = store.watch(res("tasks"), "default", from(std::to_string(store.current_rv())));
  watch_options o = from(std::to_string(store.current_rv()));
  o.allow_bookmarks = true;
  auto with = store.watch(res("tasks"), "default", o);
  ASSERT_TRUE(plain && with);
  store.request_bookmark(*plain);
  store.request_bookmark(*with);
  EXPECT_TRUE(drain(**plain).empty());
  auto evs = drain(**with);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].type, watch_event_type::bookmark);
}

TEST(StoreWatchTest, SlowWatcherGetsError410AndIsClosed) {
  object_store store(test_config());
  watch_options o = from(std::to_string(store.current_rv()));
  o.queue_capacity = 3;
  auto w = store.watch(res("configmaps"), "default", o);
  ASSERT_TRUE(w);
  for (int i = 0; i < 6; ++i)
    ASSERT_TRUE(store.create(res("configmaps"), "default", configmap("c" + std::to_string(i))));
  auto evs = drain(**w);
  ASSERT_EQ(evs.size(), 4u);
  EXPECT_EQ(evs[2].type, watch_event_type::added);
  EXPECT_EQ(evs[3].type, watch_event_type::error);
  EXPECT_EQ((*evs[3].object)["code"], 410);
  EXPECT_EQ((*evs[3].object)["reason"], "Expired");
  EXPECT_NE((*evs[3].object)["message"].get<std::string>().find("closed with 3 events queued"), std::string::npos)
    << *evs[3].object;
  EXPECT_TRUE((*w)->finished());
}

TEST(StoreWatchTest, ConcurrentWritersYieldGaplessIncreasingRVs) {
  object_store store(test_config());
  int64_t start = store.current_rv();
  auto w = store.watch(res("configmaps"), "", from(std::to_string(start), "w=yes"));
  ASSERT_TRUE(w);
  constexpr int threads = 4;
  constexpr int per_thread = 50;
  std::vector<std::thread> pool;
  std::atomic<int> failures{0};
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
        // Every second write creates a non-matching object, which the watcher must skip.
        if (!store.create(res("configmaps"), "default", configmap(name, {{"w", "yes"}})))
          ++failures;
        if (!store.create(res("configmaps"), "default", configmap(name + "-n", {{"w", "no"}})))
          ++failures;
      }
    });
  std::vector<int64_t> rvs;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (rvs.size() < threads * per_thread && std::chrono::steady_clock::now() < deadline)
    if (auto ev = (*w)->next(std::chrono::milliseconds(50))) {
      ASSERT_EQ(ev->type, watch_event_type::added);
      EXPECT_EQ((*ev->object)["metadata"]["labels"]["w"], "yes");
      rvs.push_back(ev->rv);
    }
  for (auto& th : pool)
    th.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(rvs.size(), static_cast<size_t>(threads * per_thread));
  for (size_t i = 1; i < rvs.size(); ++i)
    ASSERT_LT(rvs[i - 1], rvs[i]);
  EXPECT_EQ(store.current_rv(), start + 2 * threads * per_thread) << "one revision per write";
  // Gapless: every matching write is seen; the list at the end agrees.
  auto l = store.list(res("configmaps"), "default", {"w=yes", "", 0, "", "", ""});
  ASSERT_TRUE(l);
  EXPECT_EQ(l->items.size(), rvs.size());
}

TEST(StoreWatchTest, NotifyCallbackFiresOnPush) {
  object_store store(test_config());
  auto w = store.watch(res("tasks"), "default", from(std::to_string(store.current_rv())));
  ASSERT_TRUE(w);
  std::atomic<int> calls{0};
  std::weak_ptr<watch_stream> stream = *w;
  // The callback runs outside the stream lock, so it may look at the stream.
  (*w)->set_notify([&calls, stream] {
    ++calls;
    if (auto s = stream.lock())
      (void)s->size();
  });
  ASSERT_TRUE(store.create(res("tasks"), "default", task("a")));
  EXPECT_GE(calls.load(), 1);
  store.stop_watch(*w);
  EXPECT_TRUE((*w)->closed());
  ASSERT_TRUE(store.create(res("tasks"), "default", task("b")));
  EXPECT_EQ((*w)->size(), 1u);
}

TEST(StoreWatchTest, NamespaceScopingAndClusterScopedResources) {
  object_store store(test_config());
  ASSERT_TRUE(store.create(res("namespaces"), "", {{"metadata", {{"name", "other"}}}}));
  auto rv = std::to_string(store.current_rv());
  auto in_default = store.watch(res("configmaps"), "default", from(rv));
  auto everywhere = store.watch(res("configmaps"), "", from(rv));
  auto namespaces = store.watch(res("namespaces"), "ignored-for-cluster-scope", from(rv));
  ASSERT_TRUE(in_default && everywhere && namespaces);
  ASSERT_TRUE(store.create(res("configmaps"), "default", configmap("a")));
  ASSERT_TRUE(store.create(res("configmaps"), "other", configmap("b")));
  ASSERT_TRUE(store.create(res("namespaces"), "", {{"metadata", {{"name", "third"}}}}));
  auto d = drain(**in_default);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(name_of(d[0]), "a");
  EXPECT_EQ(drain(**everywhere).size(), 2u);
  auto n = drain(**namespaces);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(name_of(n[0]), "third");
  auto all = store.list(res("configmaps"), "");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->items.size(), 2u);
  auto only_other = store.list(res("configmaps"), "other");
  ASSERT_TRUE(only_other);
  ASSERT_EQ(only_other->items.size(), 1u);
  EXPECT_EQ((*only_other->items[0])["metadata"]["namespace"], "other");
  auto ns_list = store.list(res("namespaces"), "", {"", "status.phase=Active", 0, "", "", ""});
  ASSERT_TRUE(ns_list);
  EXPECT_EQ(ns_list->items.size(), 6u); // four defaults + other + third
}

TEST(StoreHookTest, ChangeHookMayWriteAndSeesCommitOrderUnderConcurrency) {
  object_store store(test_config());
  std::mutex mu;
  std::vector<int64_t> seen;
  store.set_change_hook([&](const resource_info& r, const watch_event& ev) {
    {
      std::lock_guard lock(mu);
      seen.push_back(ev.rv);
    }
    std::string name = (*ev.object)["metadata"]["name"];
    if (r.plural == "configmaps" && ev.type == watch_event_type::added && name.rfind("trigger-", 0) == 0) {
      EXPECT_TRUE(store.create(res("configmaps"), "default", configmap("echo-" + name.substr(8))));
    }
  });
  std::vector<std::thread> pool;
  for (int t = 0; t < 3; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i)
        EXPECT_TRUE(store.create(res("configmaps"), "default",
                                 configmap("trigger-" + std::to_string(t) + "-" + std::to_string(i))));
    });
  for (auto& th : pool)
    th.join();
  auto echoes = store.list(res("configmaps"), "default");
  ASSERT_TRUE(echoes);
  EXPECT_EQ(echoes->items.size(), 120u);
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 120u);
  for (size_t i = 1; i < seen.size(); ++i)
    EXPECT_LT(seen[i - 1], seen[i]) << "hooks run in commit order";
}
