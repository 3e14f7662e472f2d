#include "sources/github/rate_limit.hpp"

#include "sources/github/text.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <chrono>

namespace kelos::github {

namespace {

using text::iequal;
using text::trim;

std::optional<int64_t> parse_int(std::string_view s) {
  s = trim(s);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size() || s.empty())
    return std::nullopt;
  return v;
}

bool contains_rate_limit(std::string_view body) {
  static constexpr std::string_view needle = "rate limit";
  if (body.size() < needle.size())
    return false;
  for (size_t i = 0; i + needle.size() <= body.size(); ++i)
    if (iequal(body.substr(i, needle.size()), needle))
      return true;
  return false;
}

k8s::time_point from_epoch_seconds(int64_t s) {
  return k8s::time_point{std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::seconds{s})};
}

std::optional<k8s::time_point> reset_time(const header_list& headers) {
  auto reset = parse_int(header_value(headers, "x-ratelimit-reset"));
  if (!reset || *reset < 0)
    return std::nullopt;
  return from_epoch_seconds(*reset);
}

bool remaining_zero(const header_list& headers) {
  auto remaining = parse_int(header_value(headers, "x-ratelimit-remaining"));
  return remaining && *remaining <= 0;
}

} // namespace

std::string header_value(const header_list& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (iequal(k, name))
      return v;
  return {};
}

std::optional<k8s::time_point> parse_http_date(std::string_view text) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  text = trim(text);
  if (text.size() != 29 || text[3] != ',' || text.substr(26) != "GMT")
    return std::nullopt;
  static constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto num = [&](size_t pos, size_t len) { return parse_int(text.substr(pos, len)); };
  auto day = num(5, 2), year = num(12, 4), hh = num(17, 2), mm = num(20, 2), ss = num(23, 2);
  if (!day || !year || !hh || !mm || !ss || text[19] != ':' || text[22] != ':')
    return std::nullopt;
  unsigned month = 0;
  for (unsigned i = 0; i < months.size(); ++i)
    if (text.substr(8, 3) == months[i])
      month = i + 1;
  if (month == 0 || *hh > 23 || *mm > 59 || *ss > 60)
    return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year{static_cast<int>(*year)}, std::chrono::month{month},
                                        std::chrono::day{static_cast<unsigned>(*day)}};
  if (!ymd.ok())
    return std::nullopt;
  const auto secs = std::chrono::sys_days{ymd}.time_since_epoch() + std::chrono::hours{*hh} +
                    std::chrono::minutes{*mm} + std::chrono::seconds{*ss};
  return k8s::time_point{std::chrono::duration_cast<std::chrono::microseconds>(secs)};
}

k8s::time_point response_time(const header_list& headers, k8s::time_point fallback) {
  if (auto date = parse_http_date(header_value(headers, "date")))
    return *date;
  return fallback;
}

std::optional<rate_limit_wait> rate_limit_wait_for(int status, const header_list& headers, std::string_view body,
                                                   k8s::time_point now) {
  if (status != 403 && status != 429)
    return std::nullopt;
  const std::string retry_after = header_value(headers, "retry-after");
  if (!retry_after.empty()) {
    if (auto secs = parse_int(retry_after); secs && *secs >= 0)
      return rate_limit_wait{now + std::chrono::seconds{*secs}, "secondary rate limit (retry-after: " + retry_after + ")"};
    if (auto at = parse_http_date(retry_after))
      return rate_limit_wait{std::max(*at, now), "secondary rate limit (retry-after: " + retry_after + ")"};
  }
  if (remaining_zero(headers)) {
    if (auto reset = reset_time(headers)) {
      const auto until = *reset > now ? *reset : now + std::chrono::seconds{1};
      return rate_limit_wait{until, "primary rate limit (x-ratelimit-remaining: 0)"};
    }
  }
  if (status == 429 || contains_rate_limit(body.substr(0, 4096)))
    return rate_limit_wait{now + std::chrono::minutes{1}, "secondary rate limit"};
  return std::nullopt;
}

std::optional<k8s::time_point> budget_exhausted_until(const header_list& headers, k8s::time_point now) {
  if (!remaining_zero(headers))
    return std::nullopt;
  auto reset = reset_time(headers);
  if (!reset || *reset <= now)
    return std::nullopt;
  return reset;
}

} // namespace kelos::github
