// The cron source (sources/cron_source.hpp): the newest tick in (cursor, now], at most one.
#include "sources/cron_source.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using kelos::errc;
using kelos::k8s::parse_time;
using kelos::k8s::time_point;
using kelos::sources::cron_source_config;
using kelos::sources::cron_work_item;
using kelos::sources::discover_cron;
using kelos::sources::make_cron_discovery;
using kelos::sources::next_cron_tick;

time_point at(const char* rfc3339) {
  auto t = parse_time(rfc3339);
  EXPECT_TRUE(t) << rfc3339;
  return t.value_or(time_point{});
}

cron_source_config config(std::string schedule, const char* cursor) {
  cron_source_config c;
  c.schedule = std::move(schedule);
  c.last_discovery_time = at(cursor);
  return c;
}

struct window_case {
  const char* schedule;
  const char* cursor;
  const char* now;
  const char* tick; // newest tick expected, nullptr for none
};

TEST(CronSource, WindowTable) {
  const window_case cases[] = {
    // One tick in the window.
    {"0 9 * * *", "2026-11-24T08:00:00Z", "2026-11-24T09:00:30Z", "2026-11-24T09:00:00Z"},
    // The window is (cursor, now]: a tick equal to now counts, a tick equal to the cursor does not.
    {"0 9 * * *", "2026-11-24T08:00:00Z", "2026-11-24T09:00:00Z", "2026-11-24T09:00:00Z"},
    {"0 9 * * *", "2026-11-24T09:00:00Z", "2026-11-24T10:00:00Z", nullptr},
    // No tick yet.
    {"0 9 * * *", "2026-11-24T09:00:01Z", "2026-11-24T12:00:00Z", nullptr},
    // Several ticks missed: only the newest.
    {"*/5 * * * *", "2026-11-23T09:00:00Z", "2026-11-24T09:03:00Z", "2026-11-24T09:00:00Z"},
    {"0 9 * * *", "2026-11-01T00:00:00Z", "2026-11-24T23:00:00Z", "2026-11-24T09:00:00Z"},
    // Every minute after a year down.
    {"* * * * *", "2025-11-24T09:00:00Z", "2026-11-24T09:00:59Z", "2026-11-24T09:00:00Z"},
    // Yearly, missed twice.
    {"@yearly", "2024-06-01T00:00:00Z", "2026-11-24T00:00:00Z", "2026-01-01T00:00:00Z"},
    {"@hourly", "2026-11-24T08:30:00Z", "2026-11-24T10:59:00Z", "2026-11-24T10:00:00Z"},
    // Never fires.
    {"0 0 30 2 *", "2020-01-01T00:00:00Z", "2026-11-24T00:00:00Z", nullptr},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string{c.schedule} + " (" + c.cursor + ", " + c.now + "]");
    auto items = discover_cron(config(c.schedule, c.cursor), at(c.now));
    ASSERT_TRUE(items) << items.error().message;
    if (!c.tick) {
      EXPECT_TRUE(items->empty());
      continue;
    }
    ASSERT_EQ(items->size(), 1u);
    EXPECT_EQ((*items)[0].time, c.tick);
  }
}

TEST(CronSource, ItemFields) {
  auto item = cron_work_item(at("2026-03-05T07:04:00Z"), "4 7 * * *");
  EXPECT_EQ(item.id, "20260305-0704");
  EXPECT_EQ(item.title, "2026-03-05T07:04:00Z");
  EXPECT_EQ(item.time, "2026-03-05T07:04:00Z");
  EXPECT_EQ(item.schedule, "4 7 * * *");
  EXPECT_EQ(item.number, 0);
  EXPECT_EQ(item.kind, "");
  EXPECT_TRUE(item.labels.empty());
}

TEST(CronSource, CreationTimestampIsTheFirstCursor) {
  cron_source_config c;
  c.schedule = "0 * * * *";
  c.creation_timestamp = at("2026-11-24T08:10:00Z");
  auto items = discover_cron(c, at("2026-11-24T09:10:00Z"));
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].id, "20261124-0900");
  // lastDiscoveryTime wins over creationTimestamp.
  c.last_discovery_time = at("2026-11-24T09:05:00Z");
  items = discover_cron(c, at("2026-11-24T09:10:00Z"));
  ASSERT_TRUE(items);
  EXPECT_TRUE(items->empty());
}

TEST(CronSource, NoCursorIsAnError) {
  cron_source_config c;
  c.schedule = "0 * * * *";
  auto items = discover_cron(c, at("2026-11-24T09:10:00Z"));
  ASSERT_FALSE(items);
  EXPECT_EQ(items.error().code, errc::invalid_spec);
  EXPECT_NE(items.error().message.find("lastDiscoveryTime"), std::string::npos);
}

TEST(CronSource, CursorInTheFutureYieldsNothing) {
  auto items = discover_cron(config("* * * * *", "2026-11-24T10:00:00Z"), at("2026-11-24T09:00:00Z"));
  ASSERT_TRUE(items);
  EXPECT_TRUE(items->empty());
}

TEST(CronSource, InvalidExpressionNamesTheField) {
  for (const char* bad : {"61 * * * *", "* * * *", "@fortnightly", "", "a b c d e"}) {
    auto items = discover_cron(config(bad, "2026-11-24T08:00:00Z"), at("2026-11-24T09:00:00Z"));
    ASSERT_FALSE(items) << bad;
    EXPECT_EQ(items.error().code, errc::invalid_spec);
    EXPECT_EQ(items.error().message.rfind("when.cron.schedule: invalid cron expression", 0), 0u)
      << items.error().message;
  }
}

TEST(CronSource, NextTick) {
  auto next = next_cron_tick("*/15 * * * *", at("2026-11-24T09:15:00Z"));
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, at("2026-11-24T09:30:00Z"));
  EXPECT_FALSE(next_cron_tick("0 0 30 2 *", at("2026-11-24T09:15:00Z")));
  auto bad = next_cron_tick("nope", at("2026-11-24T09:15:00Z"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.rfind("when.cron.schedule: ", 0), 0u);
}

TEST(CronSource, DiscoveryFinishesWithoutRequests) {
  auto d = make_cron_discovery(config("0 9 * * *", "2026-11-24T08:00:00Z"), at("2026-11-24T09:30:00Z"));
  EXPECT_FALSE(d->next_request());
  EXPECT_FALSE(d->not_before());
  auto items = d->result();
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].id, "20261124-0900");

  auto bad = make_cron_discovery(config("99 * * * *", "2026-11-24T08:00:00Z"), at("2026-11-24T09:30:00Z"));
  EXPECT_FALSE(bad->next_request());
  EXPECT_FALSE(bad->result());
}

} // namespace
