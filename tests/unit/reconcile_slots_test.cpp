// FIFO admission of Task reconciles (MaxConcurrentReconciles).

#include "actors/task/reconcile_slots.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

using kelos::task::reconcile_slots;

namespace {

TEST(ReconcileSlots, AdmitsUpToCapacityThenGrantsInArrivalOrder) {
  reconcile_slots slots{2};
  std::vector<uint64_t> granted;
  auto grant = [&](uint64_t id) { return [&granted, id] { granted.push_back(id); }; };
  EXPECT_TRUE(slots.acquire(1, grant(1)));
  EXPECT_TRUE(slots.acquire(2, grant(2)));
  EXPECT_FALSE(slots.acquire(3, grant(3)));
  EXPECT_FALSE(slots.acquire(4, grant(4)));
  EXPECT_FALSE(slots.acquire(3, grant(3))) << "a waiter is queued once";
  EXPECT_EQ(slots.in_use(), 2u);
  EXPECT_EQ(slots.waiting(), 2u);
  slots.release(2);
  EXPECT_EQ(granted, std::vector<uint64_t>{3});
  EXPECT_TRUE(slots.acquire(3, grant(3))) << "the granted owner holds its slot";
  slots.release(1);
  EXPECT_EQ(granted, (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(slots.in_use(), 2u);
  EXPECT_EQ(slots.waiting(), 0u);
}

TEST(ReconcileSlots, ReleaseIsIdempotentAndDropsWaiters) {
  reconcile_slots slots{1};
  int grants = 0;
  EXPECT_TRUE(slots.acquire(1, [&] { ++grants; }));
  EXPECT_FALSE(slots.acquire(2, [&] { ++grants; }));
  EXPECT_FALSE(slots.acquire(3, [&] { ++grants; }));
  slots.release(2); // a waiter that went away (its actor ended)
  slots.release(7); // neither holds nor waits
  EXPECT_EQ(slots.waiting(), 1u);
  slots.release(1);
  slots.release(1);
  EXPECT_EQ(grants, 1) << "only 3 was granted";
  EXPECT_EQ(slots.in_use(), 1u);
  slots.release(3);
  EXPECT_EQ(slots.in_use(), 0u);
}

TEST(ReconcileSlots, ZeroCapacityIsUnbounded) {
  reconcile_slots slots{0};
  for (uint64_t i = 0; i < 1000; ++i)
    EXPECT_TRUE(slots.acquire(i, [] { FAIL() << "never queued"; }));
  EXPECT_EQ(slots.waiting(), 0u);
}

TEST(ReconcileSlots, ConcurrentOwnersNeverExceedTheCapacity) {
  reconcile_slots slots{3};
  std::atomic<int> running{0};
  std::atomic<int> peak{0};
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (uint64_t id = 1; id <= 8; ++id)
    threads.emplace_back([&, id] {
      for (int round = 0; round < 200; ++round) {
        std::atomic<bool> granted{false};
        if (!slots.acquire(id, [&granted] { granted = true; }))
          while (!granted)
            std::this_thread::yield();
        int now = ++running;
        int p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        --running;
        slots.release(id);
      }
      ++done;
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(done, 8);
  EXPECT_LE(peak, 3);
  EXPECT_EQ(slots.in_use(), 0u);
}

} // namespace
