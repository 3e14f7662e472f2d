#include "actors/task/branch_queue.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

namespace {

using namespace std::chrono_literals;
using kelos::task::branch_key;
using kelos::task::branch_queue;
using kelos::task::task_id;
using grants = std::vector<branch_queue::grant>;
using ids = std::vector<task_id>;

const kelos::k8s::time_point t0{std::chrono::seconds{1'800'000'000}};

task_id t(const char* name, const char* ns = "default") {
  return task_id{ns, name};
}

const branch_key main_key{"default", "ws", "main"};

TEST(BranchQueueTest, FirstAskerHoldsOthersQueueInCreationOrder) {
  branch_queue q;
  EXPECT_TRUE(q.acquire(main_key, t("holder"), t0 + 10s));
  EXPECT_FALSE(q.acquire(main_key, t("late"), t0 + 3s));
  EXPECT_FALSE(q.acquire(main_key, t("early"), t0 + 1s));
  EXPECT_FALSE(q.acquire(main_key, t("b-tie"), t0 + 2s));
  EXPECT_FALSE(q.acquire(main_key, t("a-tie"), t0 + 2s));
  EXPECT_EQ(q.holders(main_key), ids{t("holder")});
  EXPECT_EQ(q.waiters(main_key), (ids{t("early"), t("a-tie"), t("b-tie"), t("late")}));
}

TEST(BranchQueueTest, AcquireIsIdempotent) {
  branch_queue q;
  EXPECT_TRUE(q.acquire(main_key, t("a"), t0));
  EXPECT_TRUE(q.acquire(main_key, t("a"), t0));
  EXPECT_FALSE(q.acquire(main_key, t("b"), t0 + 1s));
  EXPECT_FALSE(q.acquire(main_key, t("b"), t0 + 1s));
  // Asking again with another timestamp does not move a queued task.
  EXPECT_FALSE(q.acquire(main_key, t("c"), t0 + 2s));
  EXPECT_FALSE(q.acquire(main_key, t("c"), t0));
  EXPECT_EQ(q.holders(main_key), ids{t("a")});
  EXPECT_EQ(q.waiters(main_key), (ids{t("b"), t("c")}));
}

TEST(BranchQueueTest, HandsOverAlongAChainOfThree) {
  branch_queue q;
  ASSERT_TRUE(q.acquire(main_key, t("one"), t0));
  ASSERT_FALSE(q.acquire(main_key, t("three"), t0 + 2s));
  ASSERT_FALSE(q.acquire(main_key, t("two"), t0 + 1s));
  EXPECT_EQ(q.release(t("one")), (grants{{t("two"), main_key}}));
  EXPECT_EQ(q.holders(main_key), ids{t("two")});
  EXPECT_TRUE(q.acquire(main_key, t("two"), t0 + 1s));
  EXPECT_FALSE(q.acquire(main_key, t("three"), t0 + 2s));
  EXPECT_EQ(q.release(t("two")), (grants{{t("three"), main_key}}));
  EXPECT_EQ(q.release(t("three")), grants{});
  EXPECT_TRUE(q.holders(main_key).empty());
  EXPECT_TRUE(q.waiters(main_key).empty());
  // The key is free again for anyone.
  EXPECT_TRUE(q.acquire(main_key, t("four"), t0 + 3s));
}

TEST(BranchQueueTest, ReleasingAWaiterRemovesItFromTheQueue) {
  branch_queue q;
  ASSERT_TRUE(q.acquire(main_key, t("holder"), t0));
  ASSERT_FALSE(q.acquire(main_key, t("gone"), t0 + 1s));
  ASSERT_FALSE(q.acquire(main_key, t("next"), t0 + 2s));
  EXPECT_EQ(q.release(t("gone")), grants{});
  EXPECT_EQ(q.holders(main_key), ids{t("holder")});
  EXPECT_EQ(q.waiters(main_key), ids{t("next")});
  EXPECT_EQ(q.release(t("holder")), (grants{{t("next"), main_key}}));
}

TEST(BranchQueueTest, ReleaseOfUnknownTaskIsANoOp) {
  branch_queue q;
  EXPECT_EQ(q.release(t("nobody")), grants{});
  ASSERT_TRUE(q.acquire(main_key, t("a"), t0));
  EXPECT_EQ(q.release(t("nobody")), grants{});
  EXPECT_EQ(q.holders(main_key), ids{t("a")});
}

TEST(BranchQueueTest, InvolvesOnlyHoldersAndWaitersUntilTheyRelease) {
  branch_queue q;
  EXPECT_FALSE(q.involves(t("holder")));
  ASSERT_TRUE(q.acquire(main_key, t("holder"), t0));
  ASSERT_FALSE(q.acquire(main_key, t("waiter"), t0 + 1s));
  EXPECT_TRUE(q.involves(t("holder")));
  EXPECT_TRUE(q.involves(t("waiter")));
  EXPECT_FALSE(q.involves(t("bystander")));
  q.release(t("holder"));
  EXPECT_FALSE(q.involves(t("holder")));
  EXPECT_TRUE(q.involves(t("waiter"))) << "the waiter now holds the branch";
  q.release(t("waiter"));
  EXPECT_FALSE(q.involves(t("waiter")));
  q.restore(main_key, t("restored"));
  EXPECT_TRUE(q.involves(t("restored")));
}

TEST(BranchQueueTest, RestoredHoldersAllReleaseBeforeHandOver) {
  branch_queue q;
  q.restore(main_key, t("run-1"));
  q.restore(main_key, t("run-2"));
  q.restore(main_key, t("run-2")); // idempotent
  EXPECT_EQ(q.holders(main_key), (ids{t("run-1"), t("run-2")}));
  EXPECT_TRUE(q.acquire(main_key, t("run-1"), t0));
  EXPECT_FALSE(q.acquire(main_key, t("waiter"), t0 + 1s));
  EXPECT_EQ(q.waiting_message(main_key, t("waiter")),
            "Waiting for branch \"main\" (locked by run-1)");
  EXPECT_EQ(q.release(t("run-1")), grants{});
  EXPECT_EQ(q.waiting_message(main_key, t("waiter")),
            "Waiting for branch \"main\" (locked by run-2)");
  EXPECT_EQ(q.release(t("run-2")), (grants{{t("waiter"), main_key}}));
}

TEST(BranchQueueTest, RestoreTakesAWaiterOutOfTheQueue) {
  branch_queue q;
  ASSERT_TRUE(q.acquire(main_key, t("a"), t0));
  ASSERT_FALSE(q.acquire(main_key, t("b"), t0 + 1s));
  q.restore(main_key, t("b"));
  EXPECT_EQ(q.holders(main_key), (ids{t("a"), t("b")}));
  EXPECT_TRUE(q.waiters(main_key).empty());
}

TEST(BranchQueueTest, KeysAreIndependent) {
  branch_queue q;
  const branch_key other_ws{"default", "ws2", "main"};
  const branch_key other_ns{"prod", "ws", "main"};
  const branch_key other_branch{"default", "ws", "dev"};
  EXPECT_TRUE(q.acquire(main_key, t("a"), t0));
  EXPECT_TRUE(q.acquire(other_ws, t("b"), t0));
  EXPECT_TRUE(q.acquire(other_ns, t("a", "prod"), t0));
  EXPECT_TRUE(q.acquire(other_branch, t("c"), t0));
  EXPECT_FALSE(q.acquire(other_ws, t("d"), t0 + 1s));
  EXPECT_EQ(q.release(t("a")), grants{});
  EXPECT_EQ(q.holders(other_ns), ids{t("a", "prod")});
  EXPECT_EQ(q.release(t("b")), (grants{{t("d"), other_ws}}));
}

TEST(BranchQueueTest, BranchWithoutWorkspaceIsStillAKey) {
  branch_queue q;
  const branch_key bare{"default", "", "main"};
  EXPECT_TRUE(q.acquire(bare, t("a"), t0));
  EXPECT_FALSE(q.acquire(bare, t("b"), t0 + 1s));
  EXPECT_TRUE(q.acquire(main_key, t("c"), t0)); // a workspace makes it another key
  EXPECT_EQ(q.waiting_message(bare, t("b")), "Waiting for branch \"main\" (locked by a)");
  EXPECT_EQ(q.release(t("a")), (grants{{t("b"), bare}}));
}

TEST(BranchQueueTest, WaitingMessages) {
  branch_queue q;
  EXPECT_EQ(q.waiting_message(main_key, t("a")), "");
  ASSERT_TRUE(q.acquire(main_key, t("a"), t0));
  EXPECT_EQ(q.waiting_message(main_key, t("a")), "");
  ASSERT_FALSE(q.acquire(main_key, t("b"), t0 + 1s));
  EXPECT_EQ(q.waiting_message(main_key, t("b")), "Waiting for branch \"main\" (locked by a)");
  // A task that has not asked is told about the holder too.
  EXPECT_EQ(q.waiting_message(main_key, t("x")), "Waiting for branch \"main\" (locked by a)");
}

TEST(BranchQueueTest, ATaskMayWaitOnSeveralKeys) {
  branch_queue q;
  const branch_key dev{"default", "ws", "dev"};
  ASSERT_TRUE(q.acquire(main_key, t("a"), t0));
  ASSERT_TRUE(q.acquire(dev, t("b"), t0));
  ASSERT_FALSE(q.acquire(main_key, t("c"), t0 + 1s));
  ASSERT_FALSE(q.acquire(dev, t("d"), t0 + 1s));
  ASSERT_FALSE(q.acquire(dev, t("a"), t0));
  // Releasing `a` hands main to `c` and drops `a` from dev's queue.
  EXPECT_EQ(q.release(t("a")), (grants{{t("c"), main_key}}));
  EXPECT_EQ(q.waiters(dev), ids{t("d")});
}

} // namespace
