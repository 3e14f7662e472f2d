#include "k8s/apiserver/accept.hpp"

#include <cctype>

namespace kelos::apiserver {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits on `sep` outside double quotes.
std::vector<std::string_view> split_unquoted(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  bool in_quotes = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"')
      in_quotes = !in_quotes;
    else if (s[i] == '\\' && in_quotes)
      ++i;
    else if (s[i] == sep && !in_quotes) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(s.substr(start));
  return parts;
}

} // namespace

std::string media_range::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string{} : it->second;
}

bool media_range::accepts_json() const {
  return (type == "application" && (subtype == "json" || subtype == "*"))
         || (type == "*" && subtype == "*");
}

std::vector<media_range> parse_accept(std::string_view accept) {
  std::vector<media_range> out;
  for (auto entry : split_unquoted(accept, ',')) {
    entry = trim(entry);
    if (entry.empty())
      continue;
    auto parts = split_unquoted(entry, ';');
    auto mime = trim(parts[0]);
    auto slash = mime.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 >= mime.size())
      continue;
    media_range r;
    r.type = lower(trim(mime.substr(0, slash)));
    r.subtype = lower(trim(mime.substr(slash + 1)));
    for (std::size_t i = 1; i < parts.size(); ++i) {
      auto p = trim(parts[i]);
      auto eq = p.find('=');
      if (eq == std::string_view::npos || eq == 0)
        continue;
      auto value = trim(p.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      r.params[lower(trim(p.substr(0, eq)))] = std::string{value};
    }
    out.push_back(std::move(r));
  }
  return out;
}

} // namespace kelos::apiserver
