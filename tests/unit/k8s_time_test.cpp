#include "k8s/time.hpp"

#include <gtest/gtest.h>

using namespace kelos::k8s;

TEST(K8sTime, FormatsSecondsInUtcWithZ) {
  auto t = parse_time("2026-11-23T22:34:09Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_time(*t), "2026-11-23T22:34:09Z");
}

TEST(K8sTime, FormatsMicroTimeWithSixDigits) {
  auto t = parse_time("2026-11-23T22:34:09.000120Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_micro_time(*t), "2026-11-23T22:34:09.000120Z");
  EXPECT_EQ(format_time(*t), "2026-11-23T22:34:09Z");
}

TEST(K8sTime, AcceptsNumericOffsetsAndNormalisesToUtc) {
  auto a = parse_time("2026-11-23T22:34:09+00:00");
  auto b = parse_time("2026-11-24T00:04:09+01:30");
  auto c = parse_time("2026-11-23T15:34:09-07:00");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*a, *c);
  EXPECT_EQ(format_time(*b), "2026-11-23T22:34:09Z");
}

TEST(K8sTime, KeepsMicrosecondsFromNanosecondInput) {
  auto t = parse_time("2026-01-01T00:00:00.123456789Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_micro_time(*t), "2026-01-01T00:00:00.123456Z");
}

TEST(K8sTime, RejectsMalformedInput) {
  for (const char* bad : {"", "2026-11-23", "2026-11-23T22:34:09", "2026-13-01T00:00:00Z",
                          "2026-11-23T25:00:00Z", "2026-11-23T22:34:09.Z", "2026-11-23T22:34:09Zjunk",
                          "2026-11-23T22:34:09+0100", "abcd-11-23T22:34:09Z"})
    EXPECT_FALSE(parse_time(bad)) << bad;
}

TEST(K8sTime, HandlesDatesBeforeTheEpochAndLeapDays) {
  auto t = parse_time("1969-12-31T23:59:59Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->time_since_epoch().count(), -1000000);
  auto leap = parse_time("2024-02-29T12:00:00Z");
  ASSERT_TRUE(leap);
  EXPECT_EQ(format_time(*leap), "2024-02-29T12:00:00Z");
}

TEST(TimeFormat, YearsOutsideTheNanosecondClockRangeFormatWithoutOverflow) {
  // system_clock counts nanoseconds (years 1677..2262); parse_time accepts 0000..9999.
  for (const char* text : {"1013-01-02T03:10:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                           "2263-01-01T00:00:00Z"}) {
    auto t = kelos::k8s::parse_time(text);
    ASSERT_TRUE(t.has_value()) << text;
    EXPECT_EQ(kelos::k8s::format_time(*t), text);
  }
}
