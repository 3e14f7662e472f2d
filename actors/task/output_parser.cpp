#include "actors/task/output_parser.hpp"

#include <cstddef>
#include <optional>

namespace kelos::task {

namespace {

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

/// Calls `f(line)` for every `\n`-separated line of `text` (the `\n` excluded).
template <class F>
void for_each_line(std::string_view text, F&& f) {
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos)
      end = text.size();
    f(text.substr(pos, end - pos));
    pos = end + 1;
  }
}

} // namespace

std::vector<std::string> parse_outputs(std::string_view log) {
  // One pass: remember where the most recent start marker's content begins; an end marker
  // closes the pending block, and the last closed block is the answer. A start marker
  // replaces an earlier pending one, so a stray earlier start cannot swallow the real block.
  std::optional<std::size_t> pending;
  std::string_view block;
  bool found = false;
  for_each_line(log, [&](std::string_view line) {
    auto offset = static_cast<std::size_t>(line.data() - log.data());
    auto text = trim(line);
    if (text == outputs_start_marker) {
      pending = offset + line.size(); // content starts after this line
    } else if (text == outputs_end_marker && pending) {
      block = log.substr(*pending, offset - *pending);
      pending.reset();
      found = true;
    }
  });
  std::vector<std::string> out;
  if (!found)
    return out;
  for_each_line(block, [&](std::string_view line) {
    if (auto text = trim(line); !text.empty())
      out.emplace_back(text);
  });
  return out;
}

std::map<std::string, std::string> results_from_outputs(const std::vector<std::string>& outputs) {
  std::map<std::string, std::string> results;
  for (const auto& line : outputs) {
    auto sep = line.find(": ");
    if (sep == std::string::npos || sep == 0)
      continue;
    results.insert_or_assign(line.substr(0, sep), line.substr(sep + 2));
  }
  return results;
}

} // namespace kelos::task
