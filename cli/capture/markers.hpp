#pragma once

/// The result lines `kelos-capture` collects and the marker block it prints (seed §5, parsed
/// by the controller with `kelos::task::parse_outputs`, seed §2.4):
///
/// ```
/// ---KELOS_OUTPUTS_START---
/// branch: <b>
/// pr: <url>                 (one per PR, head repo first, then KELOS_UPSTREAM_REPO)
/// commit: <sha>
/// base-branch: <b>
/// cost-usd: <n>             (and the other usage keys, see usage.hpp)
/// ---KELOS_OUTPUTS_END---
/// ```

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/capture/usage.hpp"

namespace kelos::capture {

/// Everything collected from the run, each part optional.
struct capture_facts {
  /// Current branch; none on a detached HEAD or outside a repository.
  std::optional<std::string> branch;
  /// PR URLs found for the branch, in the order found.
  std::vector<std::string> pr_urls;
  /// HEAD commit SHA.
  std::optional<std::string> commit;
  /// KELOS_BASE_BRANCH, else origin's default branch.
  std::optional<std::string> base_branch;
  /// Usage entries in emission order.
  std::vector<result_entry> usage;
};

/// The `key: value` lines in seed order. A value that is empty or holds a line break (it
/// would corrupt the block) is dropped.
std::vector<std::string> result_lines(const capture_facts& facts);

/// The block printed on stdout: start marker, the lines, end marker, each ending in `\n`.
/// Empty when there are no lines (nothing is printed at all).
std::string marker_block(const std::vector<std::string>& lines);

/// The `url` of every element of `gh pr list --json url` output (a JSON array of objects).
/// Anything else (invalid JSON, not an array, elements without a string `url`) yields
/// nothing for that part; never throws.
std::vector<std::string> parse_pr_urls(std::string_view gh_output);

} // namespace kelos::capture
