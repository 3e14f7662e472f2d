#include "sources/github/link_header.hpp"

#include "sources/github/text.hpp"

namespace kelos::github {

namespace {

using text::is_space;
using text::lower;
using text::trim;

void split_rels(std::string_view value, std::vector<std::string>& out) {
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && is_space(value[i]))
      ++i;
    size_t j = i;
    while (j < value.size() && !is_space(value[j]))
      ++j;
    if (j > i)
      out.push_back(lower(value.substr(i, j - i)));
    i = j;
  }
}

/// Reads the parameters after `>` up to the next top-level comma; returns the index after it.
size_t read_params(std::string_view v, size_t i, link& l) {
  while (i < v.size()) {
    // One parameter: up to ';' or ',' outside quotes.
    size_t start = i;
    bool quoted = false;
    while (i < v.size() && (quoted || (v[i] != ';' && v[i] != ','))) {
      if (v[i] == '"')
        quoted = !quoted;
      else if (v[i] == '\\' && quoted && i + 1 < v.size())
        ++i;
      ++i;
    }
    std::string_view param = trim(v.substr(start, i - start));
    if (auto eq = param.find('='); eq != std::string_view::npos) {
      if (lower(trim(param.substr(0, eq))) == "rel") {
        std::string_view value = trim(param.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
          value = value.substr(1, value.size() - 2);
        split_rels(value, l.rels);
      }
    }
    if (i < v.size() && v[i] == ',')
      return i + 1;
    if (i < v.size())
      ++i; // ';'
  }
  return i;
}

} // namespace

std::vector<link> parse_link_header(std::string_view v) {
  std::vector<link> out;
  size_t i = 0;
  while (i < v.size()) {
    const size_t open = v.find('<', i);
    if (open == std::string_view::npos)
      break;
    const size_t close = v.find('>', open + 1);
    if (close == std::string_view::npos)
      break;
    link l;
    l.url = std::string{trim(v.substr(open + 1, close - open - 1))};
    i = read_params(v, close + 1, l);
    out.push_back(std::move(l));
  }
  return out;
}

std::string find_link(std::string_view header_value, std::string_view rel) {
  const std::string want = lower(rel);
  for (auto& l : parse_link_header(header_value))
    for (const auto& r : l.rels)
      if (r == want)
        return std::move(l.url);
  return {};
}

std::string link_target(std::string_view url, std::string_view api_base) {
  std::string_view rest = url;
  if (auto scheme = rest.find("://"); scheme != std::string_view::npos && scheme < rest.find('/')) {
    rest.remove_prefix(scheme + 3);
    const size_t path = rest.find_first_of("/?");
    if (path == std::string_view::npos || rest[path] != '/')
      return {};
    rest.remove_prefix(path);
  }
  if (rest.empty() || rest.front() != '/')
    return {};
  // The API base's own path prefix ("/api/v3"), if any.
  std::string_view prefix = api_base;
  if (auto scheme = prefix.find("://"); scheme != std::string_view::npos) {
    prefix.remove_prefix(scheme + 3);
    const size_t path = prefix.find('/');
    prefix = path == std::string_view::npos ? std::string_view{} : prefix.substr(path);
  }
  while (!prefix.empty() && prefix.back() == '/')
    prefix.remove_suffix(1);
  if (!prefix.empty() && rest.substr(0, prefix.size()) == prefix &&
      (rest.size() == prefix.size() || rest[prefix.size()] == '/' || rest[prefix.size()] == '?'))
    rest.remove_prefix(prefix.size());
  if (rest.empty() || rest.front() != '/')
    return "/" + std::string{rest};
  return std::string{rest};
}

} // namespace kelos::github
