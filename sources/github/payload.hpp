#pragma once

#include "runtime/error.hpp"
#include "sources/github/comment_filter.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Parsers for the GitHub REST payloads the issues source reads. Only the fields the source
/// uses are kept (everything else, e.g. `user`, `reactions`, is dropped while parsing, so a
/// page of 100 large issues costs little memory), and nesting deeper than the fields used is
/// skipped without building it (a hostile 100,000-deep body cannot exhaust the stack).
namespace kelos::github {

/// One element of `GET /repos/{o}/{r}/issues`.
struct issue_entry {
  int64_t number = 0;
  std::string title;
  /// `body`; null or absent gives "".
  std::string body;
  std::string html_url;
  /// `labels[].name` (plain string labels are accepted too).
  std::vector<std::string> labels;
  /// True when the element has a `pull_request` key (GitHub lists PRs as issues).
  bool pull_request = false;
  /// The `comments` count; nullopt when absent (then the comments are always fetched).
  std::optional<int64_t> comments;
};

/// Parses an issue list page: a JSON array of objects, each with an integer `number`.
/// Errors are `errc::parse_error` and say what is wrong ("invalid JSON at byte 17: ...",
/// "expected a JSON array, got object", "element 3: number is missing or not an integer"),
/// without quoting the body.
kelos::expected<std::vector<issue_entry>> parse_issue_page(std::string_view body);

/// Parses a comment list page (`GET .../issues/{n}/comments`): an array of objects with
/// `body` (null gives "") and `created_at`. Errors as `parse_issue_page`.
kelos::expected<std::vector<issue_comment>> parse_comment_page(std::string_view body);

/// The `message` field of a GitHub error body, made one line and cut to `max_len` bytes
/// (an ellipsis marks the cut); empty when the body is not a JSON object with a string
/// `message`.
std::string error_message(std::string_view body, std::size_t max_len = 200);

} // namespace kelos::github
