#pragma once

#include <cctype>
#include <string>
#include <string_view>

/// Small ASCII text helpers shared by the GitHub source's parsers (header values, comment
/// lines). Internal to sources/github/.
namespace kelos::github::text {

/// True for the ASCII whitespace bytes " \t\n\v\f\r".
inline bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

/// `s` without leading and trailing ASCII whitespace.
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

/// `s` with ASCII letters lowercased.
inline std::string lower(std::string_view s) {
  std::string out{s};
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// Case-insensitive ASCII equality.
inline bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

} // namespace kelos::github::text
