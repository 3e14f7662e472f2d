#include "sources/cron.hpp"

#include <gtest/gtest.h>

namespace {

using kelos::sources::cron_schedule;
using kelos::k8s::format_time;
using kelos::k8s::parse_time;
using namespace std::chrono_literals;

std::string next(std::string_view expr, std::string_view after) {
  auto s = cron_schedule::parse(expr);
  if (!s)
    return "PARSE: " + s.error().message;
  auto n = s->next_after(*parse_time(after));
  if (!n)
    return "NEXT: " + n.error().message;
  return format_time(*n);
}

struct next_case {
  const char* expr;
  const char* after;
  const char* want;
};

class CronNextTest : public ::testing::TestWithParam<next_case> {};

TEST_P(CronNextTest, FindsNextFireTime) {
  const auto& c = GetParam();
  EXPECT_EQ(next(c.expr, c.after), c.want) << c.expr << " after " << c.after;
}

INSTANTIATE_TEST_SUITE_P(
  Table, CronNextTest,
  ::testing::Values(
    // Strictly after: an exact match moves to the next one; seconds are dropped.
    next_case{"* * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"},
    next_case{"* * * * *", "2026-01-01T00:00:59Z", "2026-01-01T00:01:00Z"},
    next_case{"*/15 * * * *", "2026-01-01T00:14:00Z", "2026-01-01T00:15:00Z"},
    next_case{"0 9 * * 1-5", "2026-11-20T09:00:00Z", "2026-11-23T09:00:00Z"}, // Fri -> Mon
    next_case{"30 2 * * *", "2026-12-31T23:59:00Z", "2027-01-01T02:30:00Z"},
    next_case{"5,10-12 * * * *", "2026-01-01T00:10:00Z", "2026-01-01T00:11:00Z"},
    next_case{"10-30/10 * * * *", "2026-01-01T00:21:00Z", "2026-01-01T00:30:00Z"},
    next_case{"50/5 * * * *", "2026-01-01T00:56:00Z", "2026-01-01T01:50:00Z"},
    // Month ends and leap years.
    next_case{"0 0 31 * *", "2026-04-01T00:00:00Z", "2026-05-31T00:00:00Z"},
    next_case{"0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"},
    next_case{"0 0 29 2 *", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00Z"}, // 2100 is not leap
    next_case{"0 12 L * *", "2026-01-01T00:00:00Z",
              "PARSE: invalid cron expression \"0 12 L * *\": day-of-month: invalid value \"L\""},
    // Names and day-of-week 7.
    next_case{"0 0 1 jan,JUL *", "2026-02-01T00:00:00Z", "2026-07-01T00:00:00Z"},
    next_case{"0 0 * * sun", "2026-11-24T00:00:00Z", "2026-11-29T00:00:00Z"},
    next_case{"0 0 * * 7", "2026-11-24T00:00:00Z", "2026-11-29T00:00:00Z"},
    next_case{"0 0 * * 5-7", "2026-11-24T00:00:00Z", "2026-11-27T00:00:00Z"},
    // Vixie: both restricted → either matches; one starred → both must.
    next_case{"0 0 13 * 5", "2026-11-01T00:00:00Z", "2026-11-06T00:00:00Z"},   // a Friday first
    next_case{"0 0 13 * *", "2026-11-01T00:00:00Z", "2026-11-13T00:00:00Z"},
    next_case{"0 0 */10 * 1", "2026-11-24T00:00:00Z", "2026-11-30T00:00:00Z"}, // */10 restricts
    next_case{"0 0 1 * *", "2026-11-24T00:00:00Z", "2026-12-01T00:00:00Z"},
    // Descriptors.
    next_case{"@hourly", "2026-01-01T10:30:00Z", "2026-01-01T11:00:00Z"},
    next_case{"@daily", "2026-01-01T10:30:00Z", "2026-01-02T00:00:00Z"},
    next_case{"@midnight", "2026-01-01T10:30:00Z", "2026-01-02T00:00:00Z"},
    next_case{"@weekly", "2026-11-24T00:00:00Z", "2026-11-29T00:00:00Z"},
    next_case{"@monthly", "2026-11-24T00:00:00Z", "2026-12-01T00:00:00Z"},
    next_case{"@yearly", "2026-11-24T00:00:00Z", "2027-01-01T00:00:00Z"},
    next_case{"@annually", "2026-11-24T00:00:00Z", "2027-01-01T00:00:00Z"},
    // Never matching: bounded search, an error instead of a hang.
    next_case{"0 0 30 2 *", "2026-01-01T00:00:00Z",
              "NEXT: cron expression \"0 0 30 2 *\" has no fire time within 10 years"},
    next_case{"0 0 31 4,6,9,11 *", "2026-01-01T00:00:00Z",
              "NEXT: cron expression \"0 0 31 4,6,9,11 *\" has no fire time within 10 years"}));

struct error_case {
  const char* expr;
  const char* want;
};

class CronErrorTest : public ::testing::TestWithParam<error_case> {};

TEST_P(CronErrorTest, NamesFieldAndValue) {
  auto s = cron_schedule::parse(GetParam().expr);
  ASSERT_FALSE(s) << GetParam().expr;
  EXPECT_EQ(s.error().code, kelos::errc::invalid_spec);
  EXPECT_EQ(s.error().message, GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
  Table, CronErrorTest,
  ::testing::Values(
    error_case{"61 * * * *",
               "invalid cron expression \"61 * * * *\": minute: value 61 out of range [0, 59]"},
    error_case{"* 24 * * *",
               "invalid cron expression \"* 24 * * *\": hour: value 24 out of range [0, 23]"},
    error_case{"* * 0 * *",
               "invalid cron expression \"* * 0 * *\": day-of-month: value 0 out of range [1, 31]"},
    error_case{"* * * 13 *",
               "invalid cron expression \"* * * 13 *\": month: value 13 out of range [1, 12]"},
    error_case{"* * * * 8",
               "invalid cron expression \"* * * * 8\": day-of-week: value 8 out of range [0, 7]"},
    error_case{"* * * * mon-",
               "invalid cron expression \"* * * * mon-\": day-of-week: empty value"},
    error_case{"5-1 * * * *",
               "invalid cron expression \"5-1 * * * *\": minute: beginning of range (5) beyond "
               "end of range (1) in \"5-1\""},
    error_case{"*/0 * * * *",
               "invalid cron expression \"*/0 * * * *\": minute: step must be positive in \"*/0\""},
    error_case{"* * * *",
               "invalid cron expression \"* * * *\": expected exactly 5 fields (minute hour "
               "day-of-month month day-of-week), found 4"},
    error_case{"0 * * * * *",
               "invalid cron expression \"0 * * * * *\": expected exactly 5 fields (minute hour "
               "day-of-month month day-of-week), found 6"},
    error_case{"@every 5m",
               "invalid cron expression \"@every 5m\": unknown descriptor (want @yearly, "
               "@annually, @monthly, @weekly, @daily, @midnight or @hourly)"},
    error_case{"1,,2 * * * *",
               "invalid cron expression \"1,,2 * * * *\": minute: empty list element"}));

TEST(CronTest, TicksBetweenIsHalfOpenAndCapped) {
  auto s = cron_schedule::parse("0 * * * *");
  ASSERT_TRUE(s);
  auto from = *parse_time("2026-01-01T00:00:00Z");
  auto to = *parse_time("2026-01-01T03:00:00Z");
  auto ticks = s->ticks_between(from, to, 1000);
  ASSERT_EQ(ticks.size(), 3u);
  EXPECT_EQ(format_time(ticks.front()), "2026-01-01T01:00:00Z");
  EXPECT_EQ(format_time(ticks.back()), "2026-01-01T03:00:00Z");
  EXPECT_EQ(s->ticks_between(from, to, 2).size(), 2u);
  EXPECT_TRUE(s->ticks_between(to, from, 10).empty());
  auto every = cron_schedule::parse("* * * * *");
  EXPECT_EQ(every->ticks_between(from, *parse_time("2027-01-01T00:00:00Z"), 1000).size(), 1000u);
}

TEST(CronTest, FixedOffsetShiftsWallClock) {
  auto s = cron_schedule::parse("0 9 * * *");
  ASSERT_TRUE(s);
  auto n = s->next_after(*parse_time("2026-01-01T00:00:00Z"), std::chrono::minutes{-5 * 60});
  ASSERT_TRUE(n);
  EXPECT_EQ(format_time(*n), "2026-01-01T14:00:00Z"); // 09:00 at UTC-5
}

TEST(CronTest, MatchesAndExpression) {
  auto s = cron_schedule::parse("  30 2 * * *  ");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->expression(), "30 2 * * *");
  EXPECT_TRUE(s->matches(*parse_time("2026-05-05T02:30:42Z")));
  EXPECT_FALSE(s->matches(*parse_time("2026-05-05T02:31:00Z")));
}

} // namespace
