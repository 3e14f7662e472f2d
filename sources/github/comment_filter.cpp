#include "sources/github/comment_filter.hpp"

#include "sources/github/text.hpp"

#include <algorithm>

namespace kelos::github {

namespace {

using text::trim;

bool matches_any(std::string_view body, const std::vector<std::string>& commands) {
  return std::any_of(commands.begin(), commands.end(),
                     [&](const std::string& c) { return comment_has_command(body, c); });
}

constexpr std::string_view separator = "\n---\n";

} // namespace

bool comment_has_command(std::string_view body, std::string_view command) {
  if (command.empty())
    return false;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string_view::npos)
      end = body.size();
    if (trim(body.substr(start, end - start)) == command)
      return true;
    start = end + 1;
  }
  return false;
}

comment_verdict evaluate_comments(const std::vector<issue_comment>& comments, const comment_filter& filter) {
  comment_verdict v;
  if (!filter.trigger_comment.empty()) {
    for (const auto& c : comments) {
      if (!comment_has_command(c.body, filter.trigger_comment))
        continue;
      if (auto t = k8s::parse_time(c.created_at); t && (!v.trigger_time || *t > *v.trigger_time))
        v.trigger_time = t;
    }
  }
  const bool has_trigger = !filter.trigger_comment.empty();
  const bool has_exclude = !filter.exclude_comments.empty();
  if (has_trigger && has_exclude) {
    v.include = false;
    for (auto it = comments.rbegin(); it != comments.rend(); ++it) {
      if (matches_any(it->body, filter.exclude_comments))
        break;
      if (comment_has_command(it->body, filter.trigger_comment)) {
        v.include = true;
        break;
      }
    }
  } else if (has_trigger) {
    v.include = std::any_of(comments.begin(), comments.end(), [&](const issue_comment& c) {
      return comment_has_command(c.body, filter.trigger_comment);
    });
  } else if (has_exclude) {
    v.include = std::none_of(comments.begin(), comments.end(), [&](const issue_comment& c) {
      return matches_any(c.body, filter.exclude_comments);
    });
  }
  return v;
}

std::string join_newest_comments(const std::vector<issue_comment>& comments, std::size_t cap) {
  // Walk newest to oldest, counting how many fit; then build once, oldest first.
  size_t total = 0;
  size_t first = comments.size();
  while (first > 0) {
    const size_t add = comments[first - 1].body.size() + (first == comments.size() ? 0 : separator.size());
    if (total + add > cap)
      break;
    total += add;
    --first;
  }
  std::string out;
  out.reserve(total);
  for (size_t i = first; i < comments.size(); ++i) {
    if (i > first)
      out += separator;
    out += comments[i].body;
  }
  return out;
}

} // namespace kelos::github
