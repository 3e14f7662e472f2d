#include "sources/cron_source.hpp"

#include "sources/cron.hpp"

#include <chrono>
#include <cstdio>

namespace kelos::sources {

namespace {

kelos::expected<cron_schedule> parse_schedule(std::string_view schedule) {
  auto sched = cron_schedule::parse(schedule);
  if (!sched) {
    auto err = std::move(sched).error();
    err.message = "when.cron.schedule: " + err.message;
    return err;
  }
  return sched;
}

/// The newest tick in (after, until], found by scanning windows that end at `until` and
/// double in length, so a per-minute schedule costs one short scan and a yearly one a few
/// dozen day walks, whatever the age of the cursor.
std::optional<k8s::time_point> newest_tick(const cron_schedule& sched, k8s::time_point after,
                                           k8s::time_point until) {
  using namespace std::chrono;
  // A window of w minutes holds at most w ticks; the cap is never reached.
  for (minutes window{64};; window *= 2) {
    auto lower = until - window;
    bool whole = lower <= after;
    if (whole)
      lower = after;
    auto ticks = sched.ticks_between(lower, until, static_cast<std::size_t>(window.count()) + 1);
    if (!ticks.empty())
      return ticks.back();
    if (whole)
      return std::nullopt;
  }
}

class cron_discovery final : public discovery {
public:
  explicit cron_discovery(kelos::expected<std::vector<work_item>> result) : result_(std::move(result)) {}
  std::optional<source_request> next_request() override { return std::nullopt; }
  void on_response(const source_response&) override {
    // nop: no request is ever made
  }
  void on_transport_error(const kelos::error&) override {
    // nop: no request is ever made
  }
  kelos::expected<std::vector<work_item>> result() override { return result_; }

private:
  kelos::expected<std::vector<work_item>> result_;
};

} // namespace

work_item cron_work_item(k8s::time_point tick, std::string_view schedule) {
  using namespace std::chrono;
  auto minute = floor<minutes>(tick);
  auto day = floor<days>(minute);
  year_month_day ymd{day};
  hh_mm_ss<minutes> hm{minute - day};
  char id[32];
  std::snprintf(id, sizeof id, "%04d%02u%02u-%02d%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hm.hours().count()), static_cast<int>(hm.minutes().count()));
  work_item item;
  item.id = id;
  item.title = k8s::format_time(tick);
  item.time = item.title;
  item.schedule = std::string{schedule};
  return item;
}

kelos::expected<std::vector<work_item>> discover_cron(const cron_source_config& cfg, k8s::time_point now) {
  auto sched = parse_schedule(cfg.schedule);
  if (!sched)
    return std::move(sched).error();
  auto cursor = cfg.last_discovery_time ? cfg.last_discovery_time : cfg.creation_timestamp;
  if (!cursor)
    return kelos::make_error(
      errc::invalid_spec, "cron: no cursor: neither status.lastDiscoveryTime nor metadata.creationTimestamp is set");
  std::vector<work_item> items;
  if (*cursor >= now)
    return items;
  if (auto tick = newest_tick(*sched, *cursor, now))
    items.push_back(cron_work_item(*tick, sched->expression()));
  return items;
}

kelos::expected<k8s::time_point> next_cron_tick(std::string_view schedule, k8s::time_point now) {
  auto sched = parse_schedule(schedule);
  if (!sched)
    return std::move(sched).error();
  auto next = sched->next_after(now);
  if (!next) {
    auto err = std::move(next).error();
    err.message = "when.cron.schedule: " + err.message;
    return err;
  }
  return next;
}

std::unique_ptr<discovery> make_cron_discovery(const cron_source_config& cfg, k8s::time_point now) {
  return std::make_unique<cron_discovery>(discover_cron(cfg, now));
}

} // namespace kelos::sources
