#include "sources/duration.hpp"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using kelos::sources::parse_go_duration;
using kelos::sources::parse_poll_interval;

TEST(DurationTest, ParsesGoDurations) {
  EXPECT_EQ(*parse_go_duration("0"), 0ns);
  EXPECT_EQ(*parse_go_duration("90s"), 90s);
  EXPECT_EQ(*parse_go_duration("5m"), 5min);
  EXPECT_EQ(*parse_go_duration("1h30m"), 90min);
  EXPECT_EQ(*parse_go_duration("1.5s"), 1500ms);
  EXPECT_EQ(*parse_go_duration(".5h"), 30min);
  EXPECT_EQ(*parse_go_duration("-2m"), -2min);
  EXPECT_EQ(*parse_go_duration("+3ms"), 3ms);
  EXPECT_EQ(*parse_go_duration("1h2m3s4ms5us6ns"), 1h + 2min + 3s + 4ms + 5us + 6ns);
  EXPECT_EQ(*parse_go_duration("7\xC2\xB5s"), 7us);
  EXPECT_EQ(*parse_go_duration("2562047h"), 2562047h);
}

TEST(DurationTest, RejectsWhatGoRejects) {
  EXPECT_EQ(parse_go_duration("5").error().message, "time: missing unit in duration \"5\"");
  EXPECT_EQ(parse_go_duration("1d").error().message, "time: unknown unit \"d\" in duration \"1d\"");
  for (auto bad : {"", "-", "abc", "1.s.", ".s", "m", "1h 2m", "2562048h",
                   "99999999999999999999s"})
    EXPECT_FALSE(parse_go_duration(bad)) << bad;
}

TEST(DurationTest, PollIntervalFollowsSeedRulesWithErrors) {
  EXPECT_EQ(*parse_poll_interval(""), 5min);
  EXPECT_EQ(*parse_poll_interval("30"), 30s);
  EXPECT_EQ(*parse_poll_interval("2m30s"), 150s);
  auto bad = parse_poll_interval("5 minutes");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, kelos::errc::invalid_spec);
  EXPECT_NE(bad.error().message.find("invalid pollInterval \"5 minutes\""), std::string::npos);
  EXPECT_NE(parse_poll_interval("0").error().message.find("must be positive"), std::string::npos);
  EXPECT_NE(parse_poll_interval("-1m").error().message.find("must be positive"), std::string::npos);
  EXPECT_FALSE(parse_poll_interval("99999999999999"));
}

} // namespace
