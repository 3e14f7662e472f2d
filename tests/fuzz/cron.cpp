// Fuzz target: cron expressions (sources/cron.hpp) from TaskSpawner `spec.when.cron.schedule`.
// Invariants: no crash or UB; a parsed schedule's next fire time is strictly later, on a
// whole minute and matches; ticks are increasing and bounded; re-parsing expression() gives
// the same schedule.

#include "tests/fuzz/fuzz_check.hpp"

#include "sources/cron.hpp"

#include <chrono>

using namespace std::chrono;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 1024)
    return 0;
  auto parsed = kelos::sources::cron_schedule::parse(kelos::fuzz::as_text(data, size));
  if (!parsed) {
    KELOS_FUZZ_CHECK(!parsed.error().message.empty());
    return 0;
  }
  // 2026-11-24T09:00:30Z, and an offset derived from the input length (whole minutes).
  const kelos::k8s::time_point start = sys_days{year{2026} / 11 / 24} + hours{9} + seconds{30};
  const minutes offset{static_cast<int>(size % 25) * 60 - 720};
  auto next = parsed->next_after(start, offset);
  if (next) {
    KELOS_FUZZ_CHECK(*next > start);
    KELOS_FUZZ_CHECK(next->time_since_epoch() % minutes{1} == kelos::k8s::time_point::duration{0});
    KELOS_FUZZ_CHECK(parsed->matches(*next, offset));
  }
  auto ticks = parsed->ticks_between(start, start + days{3}, 50, offset);
  KELOS_FUZZ_CHECK(ticks.size() <= 50);
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    KELOS_FUZZ_CHECK(ticks[i] > start && ticks[i] <= start + days{3});
    if (i > 0)
      KELOS_FUZZ_CHECK(ticks[i] > ticks[i - 1]);
  }
  if (next && !ticks.empty())
    KELOS_FUZZ_CHECK(ticks.front() == *next);
  auto reparsed = kelos::sources::cron_schedule::parse(parsed->expression());
  KELOS_FUZZ_CHECK(reparsed.has_value());
  auto next2 = reparsed->next_after(start, offset);
  KELOS_FUZZ_CHECK(next.has_value() == next2.has_value());
  if (next)
    KELOS_FUZZ_CHECK(*next == *next2);
  return 0;
}
