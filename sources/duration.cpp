#include "sources/duration.hpp"

#include <cstdint>
#include <string>

namespace kelos::sources {

namespace {

constexpr std::uint64_t max_ns = std::uint64_t{1} << 63; // |duration| limit, as in Go

kelos::error invalid(std::string_view text) {
  return make_error(errc::invalid_spec, "time: invalid duration \"" + std::string{text} + "\"");
}

std::uint64_t unit_ns(std::string_view u) {
  if (u == "ns")
    return 1;
  if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs") // us, µs (micro sign), μs (mu)
    return 1'000;
  if (u == "ms")
    return 1'000'000;
  if (u == "s")
    return 1'000'000'000;
  if (u == "m")
    return 60'000'000'000;
  if (u == "h")
    return 3'600'000'000'000;
  return 0;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

} // namespace

expected<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  auto s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0")
    return std::chrono::nanoseconds{0};
  if (s.empty())
    return invalid(text);
  std::uint64_t total = 0;
  while (!s.empty()) {
    if (!(is_digit(s[0]) || s[0] == '.'))
      return invalid(text);
    // Integer part.
    std::uint64_t v = 0;
    std::size_t i = 0;
    bool overflow = false;
    while (i < s.size() && is_digit(s[i])) {
      if (v > (max_ns - 9) / 10)
        overflow = true;
      else
        v = v * 10 + static_cast<std::uint64_t>(s[i] - '0');
      ++i;
    }
    bool pre = i > 0;
    // Fraction.
    std::uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      auto start = i;
      while (i < s.size() && is_digit(s[i])) {
        if (f < (std::uint64_t{1} << 53) / 10) { // keep precision bounded; drop the rest
          f = f * 10 + static_cast<std::uint64_t>(s[i] - '0');
          scale *= 10;
        }
        ++i;
      }
      post = i > start;
    }
    if (!pre && !post)
      return invalid(text);
    if (overflow)
      return invalid(text);
    // Unit: up to the next digit or '.'.
    auto u = i;
    while (u < s.size() && !is_digit(s[u]) && s[u] != '.')
      ++u;
    if (u == i)
      return make_error(errc::invalid_spec,
                        "time: missing unit in duration \"" + std::string{text} + "\"");
    auto unit_text = s.substr(i, u - i);
    auto unit = unit_ns(unit_text);
    if (unit == 0)
      return make_error(errc::invalid_spec, "time: unknown unit \"" + std::string{unit_text}
                                              + "\" in duration \"" + std::string{text} + "\"");
    if (v > max_ns / unit)
      return invalid(text);
    v *= unit;
    if (f > 0) {
      v += static_cast<std::uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > max_ns)
        return invalid(text);
    }
    total += v;
    if (total > max_ns)
      return invalid(text);
    s.remove_prefix(u);
  }
  if (!neg && total > max_ns - 1)
    return invalid(text);
  auto signed_total = total == max_ns ? INT64_MIN : static_cast<std::int64_t>(total);
  return std::chrono::nanoseconds{neg && total != max_ns ? -signed_total : signed_total};
}

expected<std::chrono::nanoseconds> parse_poll_interval(std::string_view text) {
  if (text.empty())
    return std::chrono::nanoseconds{default_poll_interval};
  auto describe = [&](std::string_view why) {
    return make_error(errc::invalid_spec, "invalid pollInterval \"" + std::string{text} + "\": "
                                            + std::string{why});
  };
  std::chrono::nanoseconds d{0};
  bool all_digits = true;
  for (char c : text)
    all_digits = all_digits && is_digit(c);
  if (all_digits) {
    // A plain integer is a number of seconds (seed rule).
    std::uint64_t secs = 0;
    for (char c : text) {
      secs = secs * 10 + static_cast<std::uint64_t>(c - '0');
      if (secs > 9'223'372'036) // 2^63 ns in seconds
        return describe("too large");
    }
    d = std::chrono::seconds{static_cast<std::int64_t>(secs)};
  } else {
    auto parsed = parse_go_duration(text);
    if (!parsed)
      return describe("want a Go duration such as \"90s\", \"5m\" or \"1h30m\", or a whole "
                      "number of seconds");
    d = *parsed;
  }
  if (d <= std::chrono::nanoseconds{0})
    return describe("must be positive");
  return d;
}

} // namespace kelos::sources
