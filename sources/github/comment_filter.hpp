#pragma once

#include "k8s/time.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// Comment handling of the GitHub source (seed §3.4): comment commands and the comment text
/// handed to templates.
namespace kelos::github {

/// One issue comment as the source keeps it.
struct issue_comment {
  std::string body;
  /// `created_at`, RFC 3339 as GitHub sends it ("2026-11-23T22:34:09Z"); may be empty.
  std::string created_at;
};

/// The comment filters of `when.githubIssues`.
struct comment_filter {
  std::string trigger_comment;
  std::vector<std::string> exclude_comments;

  bool empty() const { return trigger_comment.empty() && exclude_comments.empty(); }
};

/// True when some line of `body`, trimmed of ASCII whitespace (including '\r'), equals
/// `command` exactly (case-sensitive). An empty command never matches.
bool comment_has_command(std::string_view body, std::string_view command);

/// The decision for one item.
struct comment_verdict {
  bool include = true;
  /// The newest `created_at` among comments matching `trigger_comment` (retrigger time);
  /// nullopt when no trigger is set, none matched, or no matching time parsed.
  std::optional<k8s::time_point> trigger_time;
};

/// Applies the seed's rules to `comments` (oldest first, as GitHub lists them):
/// - no filter: included;
/// - only `trigger_comment`: included when at least one comment matches;
/// - only `exclude_comments`: excluded when any comment matches any exclude command;
/// - both: comments scanned newest first; the first one matching an exclude command
///   excludes, the first matching the trigger includes (exclude wins within one comment,
///   as in the original); neither found excludes.
comment_verdict evaluate_comments(const std::vector<issue_comment>& comments, const comment_filter& filter);

/// The `.Comments` text: bodies joined with "\n---\n", oldest first, holding the NEWEST
/// comments that fit within `cap` bytes (separators counted). A comment that does not fit
/// ends the selection (older ones are not considered, so the text stays a contiguous tail
/// of the thread). Linear in the size of the result.
std::string join_newest_comments(const std::vector<issue_comment>& comments, std::size_t cap);

} // namespace kelos::github
