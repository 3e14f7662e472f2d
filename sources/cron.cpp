#include "sources/cron.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace kelos::sources {

namespace {

struct field_def {
  const char* name;
  unsigned min;
  unsigned max;
  const std::array<const char*, 12>* names; // index + names_base = value
  unsigned names_base;
};

constexpr std::array<const char*, 12> month_names = {"jan", "feb", "mar", "apr", "may", "jun",
                                                     "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<const char*, 12> dow_names = {"sun", "mon", "tue", "wed", "thu", "fri",
                                                   "sat", nullptr, nullptr, nullptr, nullptr,
                                                   nullptr};

constexpr std::array<field_def, 5> fields = {{
  {"minute", 0, 59, nullptr, 0},
  {"hour", 0, 23, nullptr, 0},
  {"day-of-month", 1, 31, nullptr, 0},
  {"month", 1, 12, &month_names, 1},
  {"day-of-week", 0, 7, &dow_names, 0},
}};

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    auto p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? p : p - start));
    if (p == std::string_view::npos)
      return out;
    start = p + 1;
  }
}

struct field_result {
  std::uint64_t bits = 0;
  bool star = false;
};

class field_parser {
public:
  field_parser(const field_def& def, std::string_view expr) : def_(def), expr_(expr) {
    // nop
  }

  expected<field_result> parse(std::string_view text) {
    field_result r;
    for (auto item : split(text, ',')) {
      auto ok = parse_item(item, r);
      if (!ok)
        return ok.error();
    }
    return r;
  }

private:
  kelos::error fail(std::string why) const {
    return make_error(errc::invalid_spec, "invalid cron expression \"" + std::string{expr_}
                                            + "\": " + def_.name + ": " + why);
  }

  expected<unsigned> value(std::string_view tok) const {
    if (tok.empty())
      return fail("empty value");
    if (def_.names != nullptr) {
      auto l = lower(tok);
      for (std::size_t i = 0; i < def_.names->size(); ++i)
        if ((*def_.names)[i] != nullptr && l == (*def_.names)[i])
          return static_cast<unsigned>(i) + def_.names_base;
    }
    unsigned v = 0;
    for (char c : tok) {
      if (c < '0' || c > '9')
        return fail("invalid value \"" + std::string{tok} + "\"");
      v = v * 10 + static_cast<unsigned>(c - '0');
      if (v > 1000)
        break;
    }
    if (v < def_.min || v > def_.max)
      return fail("value " + std::string{tok} + " out of range [" + std::to_string(def_.min)
                  + ", " + std::to_string(def_.max) + "]");
    return v;
  }

  expected<void> parse_item(std::string_view item, field_result& r) {
    if (item.empty())
      return fail("empty list element");
    auto slash = split(item, '/');
    if (slash.size() > 2)
      return fail("too many slashes in \"" + std::string{item} + "\"");
    auto range = slash[0];
    unsigned lo = 0, hi = 0, step = 1;
    bool star = false;
    bool single = false;
    if (range == "*" || range == "?") {
      lo = def_.min;
      hi = def_.max == 7 ? 6 : def_.max; // day-of-week: * means 0-6
      star = true;
    } else {
      auto dash = split(range, '-');
      if (dash.size() > 2)
        return fail("too many hyphens in \"" + std::string{range} + "\"");
      auto a = value(dash[0]);
      if (!a)
        return a.error();
      lo = hi = *a;
      single = dash.size() == 1;
      if (!single) {
        auto b = value(dash[1]);
        if (!b)
          return b.error();
        hi = *b;
      }
    }
    if (slash.size() == 2) {
      auto s = slash[1];
      if (s.empty() || s.size() > 3 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return fail("invalid step \"" + std::string{s} + "\"");
      step = static_cast<unsigned>(std::stoul(std::string{s}));
      if (step == 0)
        return fail("step must be positive in \"" + std::string{item} + "\"");
      if (single)
        hi = def_.max == 7 ? 6 : def_.max; // "a/n" means a-max/n (robfig)
      if (step > 1)
        star = false;
    }
    if (lo > hi)
      return fail("beginning of range (" + std::to_string(lo) + ") beyond end of range ("
                  + std::to_string(hi) + ") in \"" + std::string{item} + "\"");
    for (unsigned v = lo; v <= hi; v += step)
      r.bits |= std::uint64_t{1} << v;
    r.star = r.star || star;
    return {};
  }

  const field_def& def_;
  std::string_view expr_;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_fields(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
      ++i;
    auto start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])))
      ++i;
    if (i > start)
      out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::string_view expand_descriptor(std::string_view d) {
  if (d == "@yearly" || d == "@annually")
    return "0 0 1 1 *";
  if (d == "@monthly")
    return "0 0 1 * *";
  if (d == "@weekly")
    return "0 0 * * 0";
  if (d == "@daily" || d == "@midnight")
    return "0 0 * * *";
  if (d == "@hourly")
    return "0 * * * *";
  return {};
}

int first_bit_from(std::uint64_t bits, unsigned from, unsigned max) {
  for (unsigned v = from; v <= max; ++v)
    if (bits & (std::uint64_t{1} << v))
      return static_cast<int>(v);
  return -1;
}

constexpr int search_years = 10;

} // namespace

expected<cron_schedule> cron_schedule::parse(std::string_view expr) {
  auto text = trim(expr);
  cron_schedule s;
  s.expr_ = std::string{text};
  std::string_view body = text;
  if (!text.empty() && text[0] == '@') {
    body = expand_descriptor(lower(text)); // returns a literal, never a view of the argument
    if (body.empty())
      return make_error(errc::invalid_spec, "invalid cron expression \"" + s.expr_
                                              + "\": unknown descriptor (want @yearly, "
                                                "@annually, @monthly, @weekly, @daily, "
                                                "@midnight or @hourly)");
  }
  auto parts = split_fields(body);
  if (parts.size() != 5)
    return make_error(errc::invalid_spec,
                      "invalid cron expression \"" + s.expr_ + "\": expected exactly 5 fields "
                        "(minute hour day-of-month month day-of-week), found "
                        + std::to_string(parts.size()));
  std::array<field_result, 5> r;
  for (std::size_t i = 0; i < 5; ++i) {
    auto f = field_parser{fields[i], s.expr_}.parse(parts[i]);
    if (!f)
      return std::move(f).error();
    r[i] = *f;
  }
  s.minutes_ = r[0].bits;
  s.hours_ = static_cast<std::uint32_t>(r[1].bits);
  s.dom_ = static_cast<std::uint32_t>(r[2].bits);
  s.months_ = static_cast<std::uint32_t>(r[3].bits);
  auto dow = r[4].bits;
  if (dow & (std::uint64_t{1} << 7))
    dow = (dow & ~(std::uint64_t{1} << 7)) | 1; // 7 is Sunday
  s.dow_ = static_cast<std::uint32_t>(dow);
  s.dom_star_ = r[2].star;
  s.dow_star_ = r[4].star;
  return s;
}

bool cron_schedule::day_matches(std::chrono::sys_days day) const {
  std::chrono::year_month_day ymd{day};
  auto dom = static_cast<unsigned>(ymd.day());
  auto wd = std::chrono::weekday{day}.c_encoding();
  bool dom_ok = (dom_ >> dom) & 1u;
  bool dow_ok = (dow_ >> wd) & 1u;
  if (dom_star_ || dow_star_)
    return dom_ok && dow_ok;
  return dom_ok || dow_ok;
}

bool cron_schedule::matches(k8s::time_point t, std::chrono::minutes utc_offset) const {
  using namespace std::chrono;
  auto local = floor<minutes>(t) + utc_offset;
  auto day = floor<days>(local);
  auto mod = local - day;
  auto h = static_cast<unsigned>(duration_cast<hours>(mod).count());
  auto m = static_cast<unsigned>((mod - hours{h}).count());
  year_month_day ymd{day};
  return ((months_ >> static_cast<unsigned>(ymd.month())) & 1u) && day_matches(day)
         && ((hours_ >> h) & 1u) && ((minutes_ >> m) & 1u);
}

expected<k8s::time_point> cron_schedule::next_after(k8s::time_point t,
                                                    std::chrono::minutes utc_offset) const {
  using namespace std::chrono;
  auto local = floor<minutes>(t) + utc_offset + minutes{1};
  auto day = floor<days>(local);
  auto mod = local - day;
  auto start_h = static_cast<unsigned>(duration_cast<hours>(mod).count());
  auto start_m = static_cast<unsigned>((mod - hours{start_h}).count());
  auto end_year = year_month_day{day}.year() + years{search_years};
  bool first_day = true;
  while (year_month_day{day}.year() < end_year) {
    year_month_day ymd{day};
    if (!((months_ >> static_cast<unsigned>(ymd.month())) & 1u)) {
      // Jump to the first day of the next month.
      auto next = year_month{ymd.year(), ymd.month()} + months{1};
      day = sys_days{next / 1};
      first_day = false;
      continue;
    }
    if (day_matches(day)) {
      unsigned h0 = first_day ? start_h : 0;
      for (int h = first_bit_from(hours_, h0, 23); h >= 0;
           h = first_bit_from(hours_, static_cast<unsigned>(h) + 1, 23)) {
        unsigned m0 = first_day && static_cast<unsigned>(h) == start_h ? start_m : 0;
        int m = first_bit_from(minutes_, m0, 59);
        if (m >= 0) {
          auto when = day + hours{h} + minutes{m} - utc_offset;
          return time_point_cast<k8s::time_point::duration>(when);
        }
      }
    }
    day += days{1};
    first_day = false;
  }
  return make_error(errc::invalid_spec, "cron expression \"" + expr_ + "\" has no fire time within "
                                          + std::to_string(search_years) + " years");
}

std::vector<k8s::time_point> cron_schedule::ticks_between(k8s::time_point after,
                                                          k8s::time_point until,
                                                          std::size_t max_ticks,
                                                          std::chrono::minutes utc_offset) const {
  std::vector<k8s::time_point> out;
  auto cur = after;
  while (out.size() < max_ticks) {
    auto next = next_after(cur, utc_offset);
    if (!next || *next > until)
      break;
    out.push_back(*next);
    cur = *next;
  }
  return out;
}

} // namespace kelos::sources
