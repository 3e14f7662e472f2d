#include "actors/kube_cache_view.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace kelos;

namespace {

k8s::json task(const std::string& name, int rv) {
  return k8s::json{{"apiVersion", "kelos.dev/v1alpha1"},
                   {"kind", "Task"},
                   {"metadata", {{"name", name}, {"namespace", "default"}, {"resourceVersion", std::to_string(rv)}}},
                   {"spec", {{"prompt", std::string(200, 'x')}}}};
}

kube_cache_view::cache make_cache() {
  return kube_cache_view::cache([](k8s::json&& j) { return k8s::compact_object::encode(j); },
                                kube_cache_view::cache::label_index::drop);
}

const watch_spec tasks{"kelos.dev/v1alpha1", "Task", "", ""};
const k8s::object_ref ref_a{"Task", "default", "a"};

} // namespace

TEST(KubeCacheView, AnswersOnlyForPublishedCaches) {
  kube_cache_view view;
  auto cache = make_cache();
  EXPECT_FALSE(view.get(tasks, ref_a));
  view.publish(tasks, &cache);
  auto absent = view.get(tasks, ref_a);
  ASSERT_TRUE(absent);
  EXPECT_TRUE(absent->is_null());
  {
    auto guard = view.lock_for_update();
    cache.apply_event({k8s::store_event::kind_t::apply, task("a", 3)});
  }
  auto present = view.get(tasks, ref_a);
  ASSERT_TRUE(present);
  EXPECT_EQ((*present)["metadata"]["resourceVersion"], "3");
  EXPECT_EQ((*present)["spec"]["prompt"].get<std::string>().size(), 200u);
  view.withdraw(tasks);
  EXPECT_FALSE(view.get(tasks, ref_a));
  view.withdraw(tasks); // twice is harmless
}

// Readers on other threads while the owner keeps replacing and removing the object: every
// read is a whole object (or null), and no reader sees an older version after a newer one.
TEST(KubeCacheView, ConcurrentReadersSeeWholeObjectsInOrder) {
  kube_cache_view view;
  auto cache = make_cache();
  view.publish(tasks, &cache);
  constexpr int versions = 3000;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::atomic<long> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r)
    readers.emplace_back([&] {
      int last = 0;
      while (!done.load()) {
        auto obj = view.get(tasks, ref_a);
        if (!obj) {
          ++bad;
          continue;
        }
        ++reads;
        if (obj->is_null())
          continue;
        int rv = std::stoi((*obj)["metadata"]["resourceVersion"].get<std::string>());
        if (rv < last || (*obj)["spec"]["prompt"].get<std::string>().size() != 200u)
          ++bad;
        last = rv;
      }
    });
  for (int v = 1; v <= versions; ++v) {
    auto guard = view.lock_for_update();
    if (v % 100 == 0)
      cache.apply_event({k8s::store_event::kind_t::remove, task("a", v)});
    else
      cache.apply_event({k8s::store_event::kind_t::apply, task("a", v)});
  }
  done = true;
  for (auto& t : readers)
    t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 0);
}
