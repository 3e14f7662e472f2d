#include "k8s/client/backoff.hpp"
#include "k8s/client/retry_policy.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace kelos::k8s;
using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

namespace {

backoff_config cfg(jitter_mode j, uint64_t seed = 1) {
  backoff_config c;
  c.initial = 10ms;
  c.max = 100ms;
  c.factor = 2.0;
  c.jitter = j;
  c.seed = seed;
  return c;
}

std::vector<ms> take(backoff& b, int n) {
  std::vector<ms> out;
  for (int i = 0; i < n; ++i) out.push_back(b.next());
  return out;
}

} // namespace

TEST(Backoff, WithoutJitterDoublesToCap) {
  backoff b(cfg(jitter_mode::none));
  EXPECT_EQ(take(b, 6), (std::vector<ms>{10ms, 20ms, 40ms, 80ms, 100ms, 100ms}));
  EXPECT_EQ(b.attempts(), 6u);
}

TEST(Backoff, ResetStartsOver) {
  backoff b(cfg(jitter_mode::none));
  take(b, 4);
  b.reset();
  EXPECT_EQ(b.attempts(), 0u);
  EXPECT_EQ(b.next(), 10ms);
}

TEST(Backoff, FullJitterStaysUnderExponentialCeiling) {
  backoff b(cfg(jitter_mode::full, 42));
  for (int round = 0; round < 50; ++round) {
    b.reset();
    auto d = take(b, 6);
    const ms ceilings[] = {10ms, 20ms, 40ms, 80ms, 100ms, 100ms};
    for (size_t i = 0; i < d.size(); ++i) {
      EXPECT_GE(d[i], 0ms);
      EXPECT_LE(d[i], ceilings[i]);
    }
  }
}

TEST(Backoff, FullJitterActuallyVaries) {
  backoff b(cfg(jitter_mode::full, 7));
  std::vector<ms> firsts;
  for (int i = 0; i < 20; ++i) {
    b.reset();
    take(b, 4);
    firsts.push_back(b.next());
  }
  bool varied = false;
  for (auto d : firsts) varied |= d != firsts.front();
  EXPECT_TRUE(varied);
}

TEST(Backoff, SameSeedSameSequence) {
  backoff a(cfg(jitter_mode::full, 99));
  backoff b(cfg(jitter_mode::full, 99));
  EXPECT_EQ(take(a, 10), take(b, 10));
  backoff c(cfg(jitter_mode::decorrelated, 5));
  backoff d(cfg(jitter_mode::decorrelated, 5));
  EXPECT_EQ(take(c, 10), take(d, 10));
}

TEST(Backoff, DecorrelatedJitterBounded) {
  backoff b(cfg(jitter_mode::decorrelated, 3));
  ms prev = 10ms;
  for (int i = 0; i < 200; ++i) {
    auto d = b.next();
    EXPECT_GE(d, 10ms);
    EXPECT_LE(d, 100ms);
    EXPECT_LE(d, std::max<ms>(10ms, prev * 3));
    prev = d;
  }
}

TEST(Backoff, HugeAttemptCountsSaturate) {
  backoff b(cfg(jitter_mode::none));
  take(b, 5000);
  EXPECT_EQ(b.next(), 100ms);
}

TEST(RetryPolicy, RetryableStatuses) {
  for (int s : {429, 500, 502, 503, 504}) EXPECT_TRUE(is_retryable_status(s)) << s;
  for (int s : {200, 400, 401, 403, 404, 409, 410, 422, 501}) EXPECT_FALSE(is_retryable_status(s)) << s;
}

TEST(RetryPolicy, ParsesRetryAfterSeconds) {
  EXPECT_EQ(parse_retry_after("3"), std::chrono::seconds{3});
  EXPECT_EQ(parse_retry_after(" 0 "), std::chrono::seconds{0});
  EXPECT_FALSE(parse_retry_after(""));
  EXPECT_FALSE(parse_retry_after("-1"));
  EXPECT_FALSE(parse_retry_after("1.5"));
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
}

TEST(RetryPolicy, IdempotencyDecidesFor5xxAndConnectionErrors) {
  http_request get;
  get.method = "GET";
  http_request post;
  post.method = "POST";
  post.idempotent = false;
  EXPECT_TRUE(is_retryable(get, {503, kelos::errc::none, {}}));
  EXPECT_FALSE(is_retryable(post, {503, kelos::errc::none, {}}));
  EXPECT_TRUE(is_retryable(get, {0, kelos::errc::connection_failed, {}}));
  EXPECT_TRUE(is_retryable(get, {0, kelos::errc::timeout, {}}));
  EXPECT_FALSE(is_retryable(post, {0, kelos::errc::connection_failed, {}}));
  // 429 means "not processed": safe even for POST.
  EXPECT_TRUE(is_retryable(post, {429, kelos::errc::none, {}}));
  EXPECT_FALSE(is_retryable(get, {404, kelos::errc::none, {}}));
  EXPECT_FALSE(is_retryable(get, {409, kelos::errc::none, {}}));
  EXPECT_FALSE(is_retryable(get, {0, kelos::errc::invalid_config, {}}));
}

TEST(RetryPolicy, HonoursRetryAfterThenBackoffAndStopsAtMaxAttempts) {
  retry_policy p;
  p.max_attempts = 3;
  p.backoff = cfg(jitter_mode::none);
  p.max_retry_after = 5s;
  backoff bo(p.backoff);
  http_request get;
  EXPECT_EQ(next_retry_delay(p, get, {429, kelos::errc::none, "2"}, 1, bo), ms{2000});
  EXPECT_EQ(bo.attempts(), 0u);  // Retry-After does not consume backoff
  EXPECT_EQ(next_retry_delay(p, get, {429, kelos::errc::none, "3600"}, 1, bo), ms{5000});
  EXPECT_EQ(next_retry_delay(p, get, {503, kelos::errc::none, {}}, 1, bo), 10ms);
  EXPECT_EQ(next_retry_delay(p, get, {0, kelos::errc::connection_failed, {}}, 2, bo), 20ms);
  EXPECT_FALSE(next_retry_delay(p, get, {503, kelos::errc::none, {}}, 3, bo));
  EXPECT_FALSE(next_retry_delay(p, get, {400, kelos::errc::none, {}}, 1, bo));
}

TEST(RetryPolicy, ValidateNamesTheBadField) {
  EXPECT_TRUE(validate(retry_policy{}));
  retry_policy p;
  p.max_attempts = 0;
  auto r = validate(p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kelos::errc::invalid_config);
  EXPECT_NE(r.error().message.find("max_attempts"), std::string::npos);
  retry_policy q;
  q.backoff.max = 1ms;
  q.backoff.initial = 5ms;
  auto rq = validate(q);
  ASSERT_FALSE(rq);
  EXPECT_NE(rq.error().message.find("backoff.max"), std::string::npos);
}

TEST(Backoff, ValidateRejectsShrinkingFactor) {
  EXPECT_TRUE(validate(backoff_config{}));
  auto c = cfg(jitter_mode::none);
  c.factor = 0.5;
  EXPECT_FALSE(validate(c));
}
