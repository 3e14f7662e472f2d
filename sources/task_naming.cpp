#include "sources/task_naming.hpp"

#include <algorithm>
#include <cstdint>

namespace kelos::sources {

namespace {

constexpr std::size_t hash_digits = 8;
/// Room for the readable part when a hash is appended: 63 - 1 - 8.
constexpr std::size_t readable_budget = max_spawned_task_name - 1 - hash_digits;
/// The spawner part keeps at least this much of itself when both parts are long.
constexpr std::size_t min_spawner_chars = readable_budget / 2;

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/// Lowercases, maps invalid bytes to '-', collapses runs of '-' and trims them at both ends.
std::string sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    c = ascii_lower(c);
    if (name_char(c))
      out.push_back(c);
    else if (!out.empty() && out.back() != '-')
      out.push_back('-');
  }
  while (!out.empty() && out.back() == '-')
    out.pop_back();
  return out;
}

std::string lowered(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

std::uint32_t fnv1a(std::string_view spawner, std::string_view id) {
  std::uint32_t h = 2166136261u;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 16777619u;
  };
  for (char c : spawner)
    mix(static_cast<unsigned char>(c));
  mix(0);
  for (char c : id)
    mix(static_cast<unsigned char>(c));
  return h;
}

std::string hex8(std::uint32_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(hash_digits, '0');
  for (std::size_t i = hash_digits; i-- > 0; v >>= 4)
    out[i] = digits[v & 0xfu];
  return out;
}

std::string trim_dashes(std::string s) {
  while (!s.empty() && s.back() == '-')
    s.pop_back();
  return s;
}

std::string join(const std::string& a, const std::string& b) {
  if (a.empty())
    return b;
  if (b.empty())
    return a;
  return a + "-" + b;
}

} // namespace

std::string spawned_task_name(std::string_view spawner, std::string_view item_id) {
  auto sp = sanitize(spawner);
  auto id = sanitize(item_id);
  auto name = join(sp, id);
  std::string original = lowered(spawner);
  original += '-';
  original += lowered(item_id);
  if (name == original && name.size() <= max_spawned_task_name)
    return name;

  // Cut to the budget, from the spawner part first but never below min_spawner_chars of it.
  std::size_t need = sp.size() + (sp.empty() || id.empty() ? 0 : 1) + id.size();
  if (need > readable_budget) {
    std::size_t sp_keep = sp.size();
    std::size_t excess = need - readable_budget;
    std::size_t from_sp = std::min(excess, sp.size() > min_spawner_chars ? sp.size() - min_spawner_chars : 0);
    sp_keep -= from_sp;
    excess -= from_sp;
    sp = trim_dashes(sp.substr(0, sp_keep));
    id = trim_dashes(id.substr(0, id.size() - std::min(excess, id.size())));
  }
  auto readable = join(sp, id);
  auto hash = hex8(fnv1a(spawner, item_id));
  return readable.empty() ? hash : readable + "-" + hash;
}

} // namespace kelos::sources
