#include "sources/github/payload.hpp"

#include "k8s/json.hpp"

#include <initializer_list>
#include <string>

namespace kelos::github {

namespace {

using json = k8s::json;
using event = json::parse_event_t;

/// Parses `body` keeping, in each top-level array element, only the keys in `keep` (and,
/// below them, only `nested_keep` keys of objects one level further down, e.g. label names).
/// Everything deeper than `max_depth` is skipped.
kelos::expected<json> parse_filtered(std::string_view body, std::initializer_list<std::string_view> keep,
                                     std::initializer_list<std::string_view> nested_keep, int max_depth) {
  auto in = [](std::string_view k, std::initializer_list<std::string_view> set) {
    for (auto s : set)
      if (s == k)
        return true;
    return false;
  };
  // Depths as nlohmann reports them: the array 0, an element 1, its keys 2, the object of
  // a kept key (or an array's elements) 3, their keys 4.
  auto cb = [&](int depth, event ev, json& parsed) {
    if ((ev == event::object_start || ev == event::array_start) && depth > max_depth)
      return false;
    if (ev == event::key) {
      if (depth == 2)
        return in(parsed.get_ref<const std::string&>(), keep);
      if (depth >= 3)
        return in(parsed.get_ref<const std::string&>(), nested_keep);
    }
    return true;
  };
  try {
    return json::parse(body.begin(), body.end(), cb, true);
  } catch (const json::exception& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: ..." -> drop the tag.
    if (auto pos = what.find("] "); pos != std::string::npos)
      what.erase(0, pos + 2);
    if (what.size() > 200)
      what.resize(200);
    return kelos::make_error(errc::parse_error, "invalid JSON: " + what);
  }
}

const char* type_name(const json& j) { return j.type_name(); }

kelos::error element_error(size_t i, const std::string& what) {
  return kelos::make_error(errc::parse_error, "element " + std::to_string(i) + ": " + what);
}

kelos::expected<const json*> top_array(const kelos::expected<json>& parsed) {
  if (!parsed)
    return parsed.error();
  if (!parsed->is_array())
    return kelos::make_error(errc::parse_error, std::string{"expected a JSON array, got "} + type_name(*parsed));
  return &*parsed;
}

/// A string field: absent or null gives "", another type is an error.
kelos::expected<std::string> string_field(const json& obj, const char* key, size_t i) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null())
    return std::string{};
  if (!it->is_string())
    return element_error(i, std::string{key} + " is " + type_name(*it) + ", not a string");
  return it->get<std::string>();
}

} // namespace

kelos::expected<std::vector<issue_entry>> parse_issue_page(std::string_view body) {
  auto parsed = parse_filtered(body, {"number", "title", "body", "html_url", "labels", "pull_request", "comments"},
                               {"name"}, 4);
  auto arr = top_array(parsed);
  if (!arr)
    return std::move(arr).error();
  std::vector<issue_entry> out;
  out.reserve((*arr)->size());
  size_t i = 0;
  for (const auto& el : **arr) {
    if (!el.is_object())
      return element_error(i, std::string{"expected an object, got "} + type_name(el));
    issue_entry e;
    auto num = el.find("number");
    if (num == el.end() || !num->is_number_integer())
      return element_error(i, "number is missing or not an integer");
    e.number = num->get<int64_t>();
    auto title = string_field(el, "title", i);
    auto text = string_field(el, "body", i);
    auto url = string_field(el, "html_url", i);
    if (!title)
      return std::move(title).error();
    if (!text)
      return std::move(text).error();
    if (!url)
      return std::move(url).error();
    e.title = std::move(*title);
    e.body = std::move(*text);
    e.html_url = std::move(*url);
    if (auto labels = el.find("labels"); labels != el.end() && labels->is_array()) {
      for (const auto& l : *labels) {
        if (l.is_string())
          e.labels.push_back(l.get<std::string>());
        else if (l.is_object())
          if (auto name = l.find("name"); name != l.end() && name->is_string())
            e.labels.push_back(name->get<std::string>());
      }
    }
    e.pull_request = el.contains("pull_request");
    if (auto c = el.find("comments"); c != el.end() && c->is_number_integer())
      e.comments = c->get<int64_t>();
    out.push_back(std::move(e));
    ++i;
  }
  return out;
}

kelos::expected<std::vector<issue_comment>> parse_comment_page(std::string_view body) {
  auto parsed = parse_filtered(body, {"body", "created_at"}, {}, 2);
  auto arr = top_array(parsed);
  if (!arr)
    return std::move(arr).error();
  std::vector<issue_comment> out;
  out.reserve((*arr)->size());
  size_t i = 0;
  for (const auto& el : **arr) {
    if (!el.is_object())
      return element_error(i, std::string{"expected an object, got "} + type_name(el));
    auto text = string_field(el, "body", i);
    auto created = string_field(el, "created_at", i);
    if (!text)
      return std::move(text).error();
    if (!created)
      return std::move(created).error();
    out.push_back(issue_comment{std::move(*text), std::move(*created)});
    ++i;
  }
  return out;
}

std::string error_message(std::string_view body, std::size_t max_len) {
  json j = json::parse(body.begin(), body.end(), [](int depth, event ev, json&) {
    return !((ev == event::object_start || ev == event::array_start) && depth > 1);
  }, false);
  if (!j.is_object())
    return {};
  auto it = j.find("message");
  if (it == j.end() || !it->is_string())
    return {};
  std::string msg;
  for (char c : it->get_ref<const std::string&>())
    msg += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (msg.size() > max_len) {
    size_t cut = max_len;
    while (cut > 0 && (static_cast<unsigned char>(msg[cut]) & 0xC0) == 0x80)
      --cut; // do not split a UTF-8 sequence
    msg.resize(cut);
    msg += "...";
  }
  return msg;
}

} // namespace kelos::github
