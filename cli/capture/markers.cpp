#include "cli/capture/markers.hpp"

#include <nlohmann/json.hpp>

#include "actors/task/output_parser.hpp"

namespace kelos::capture {

namespace {

bool printable_value(std::string_view v) {
  return !v.empty() && v.find_first_of("\r\n") == std::string_view::npos;
}

void add(std::vector<std::string>& lines, std::string_view key, const std::string& value) {
  if (printable_value(value))
    lines.push_back(std::string{key} + ": " + value);
}

} // namespace

std::vector<std::string> result_lines(const capture_facts& facts) {
  std::vector<std::string> lines;
  if (facts.branch) {
    add(lines, "branch", *facts.branch);
    for (const auto& url : facts.pr_urls)
      add(lines, "pr", url);
  }
  if (facts.commit)
    add(lines, "commit", *facts.commit);
  if (facts.base_branch)
    add(lines, "base-branch", *facts.base_branch);
  for (const auto& [key, value] : facts.usage)
    add(lines, key, value);
  return lines;
}

std::string marker_block(const std::vector<std::string>& lines) {
  if (lines.empty())
    return {};
  std::string out{task::outputs_start_marker};
  out += '\n';
  for (const auto& line : lines) {
    out += line;
    out += '\n';
  }
  out += task::outputs_end_marker;
  out += '\n';
  return out;
}

std::vector<std::string> parse_pr_urls(std::string_view gh_output) {
  // A SAX walk instead of a DOM: bounded depth whatever gh prints, and no copies.
  struct handler : nlohmann::json_sax<nlohmann::json> {
    std::vector<std::string> urls;
    std::size_t depth = 0;
    bool top_is_array = false;
    bool url_key = false;

    bool scalar() {
      url_key = false;
      return depth > 0;
    }
    bool null() override { return scalar(); }
    bool boolean(bool) override { return scalar(); }
    bool number_integer(number_integer_t) override { return scalar(); }
    bool number_unsigned(number_unsigned_t) override { return scalar(); }
    bool number_float(number_float_t, const string_t&) override { return scalar(); }
    bool binary(binary_t&) override { return false; }
    bool string(string_t& v) override {
      if (url_key && !v.empty())
        urls.push_back(std::move(v));
      return scalar();
    }
    bool open(bool array) {
      url_key = false;
      if (depth == 0)
        top_is_array = array;
      return ++depth <= 32;
    }
    bool start_object(std::size_t) override { return open(false); }
    bool start_array(std::size_t) override { return open(true); }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }
    bool close() {
      --depth;
      url_key = false;
      return true;
    }
    bool key(string_t& k) override {
      url_key = top_is_array && depth == 2 && k == "url";
      return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
      return false;
    }
  } h;
  if (!nlohmann::json::sax_parse(gh_output, &h) || !h.top_is_array)
    return {};
  return std::move(h.urls);
}

} // namespace kelos::capture
