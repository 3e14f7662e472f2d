#include "k8s/client/rate_limiter.hpp"

#include <gtest/gtest.h>

using namespace kelos::k8s;
using namespace std::chrono_literals;
using clk = rate_limiter::clock;

TEST(RateLimiter, BurstIsImmediateThenSpacedByQps) {
  clk::time_point t0{};
  rate_limiter rl(10.0, 3, t0);
  EXPECT_EQ(rl.reserve(t0), clk::duration::zero());
  EXPECT_EQ(rl.reserve(t0), clk::duration::zero());
  EXPECT_EQ(rl.reserve(t0), clk::duration::zero());
  // The 4th must wait one interval (100 ms), the 5th two.
  auto d4 = rl.reserve(t0);
  auto d5 = rl.reserve(t0);
  EXPECT_GE(d4, 100ms);
  EXPECT_LT(d4, 101ms);
  EXPECT_GE(d5, 200ms);
  EXPECT_LT(d5, 201ms);
}

TEST(RateLimiter, RefillsOverTimeUpToBurst) {
  clk::time_point t0{};
  rate_limiter rl(2.0, 2, t0);
  EXPECT_TRUE(rl.try_acquire(t0));
  EXPECT_TRUE(rl.try_acquire(t0));
  EXPECT_FALSE(rl.try_acquire(t0));
  EXPECT_FALSE(rl.try_acquire(t0 + 499ms));
  EXPECT_TRUE(rl.try_acquire(t0 + 500ms));
  // A long idle period refills to burst only.
  auto later = t0 + 1h;
  EXPECT_DOUBLE_EQ(rl.tokens(later), 2.0);
  EXPECT_TRUE(rl.try_acquire(later));
  EXPECT_TRUE(rl.try_acquire(later));
  EXPECT_FALSE(rl.try_acquire(later));
}

TEST(RateLimiter, ReservationsQueueAndTryAcquireRespectsDebt) {
  clk::time_point t0{};
  rate_limiter rl(1.0, 1, t0);
  EXPECT_EQ(rl.reserve(t0), clk::duration::zero());
  EXPECT_GE(rl.reserve(t0), 1s);  // debt: -1 token
  EXPECT_FALSE(rl.try_acquire(t0 + 1s));  // token at 1 s belongs to the reservation
  EXPECT_TRUE(rl.try_acquire(t0 + 2s));
}

TEST(RateLimiter, LongRunRateMatchesQps) {
  clk::time_point t0{};
  rate_limiter rl(5.0, 1, t0);
  clk::duration last{};
  for (int i = 0; i < 51; ++i) last = rl.reserve(t0);
  // 51 requests at 5 qps with burst 1: the last may start after 10 s.
  EXPECT_GE(last, 10s);
  EXPECT_LT(last, 10s + 1ms);
}

TEST(RateLimiter, ZeroQpsMeansUnlimited) {
  clk::time_point t0{};
  rate_limiter rl(0, 1, t0);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(rl.reserve(t0), clk::duration::zero());
  EXPECT_TRUE(rl.try_acquire(t0));
}

TEST(RateLimiter, ClockGoingBackwardsAddsNothing) {
  clk::time_point t0 = clk::time_point{} + 10s;
  rate_limiter rl(1.0, 1, t0);
  EXPECT_TRUE(rl.try_acquire(t0));
  EXPECT_FALSE(rl.try_acquire(t0 - 5s));
  EXPECT_TRUE(rl.try_acquire(t0 + 1s));
}
