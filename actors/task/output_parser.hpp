#pragma once

/// Parsing of the outputs block that `kelos-capture` prints at the end of an agent's log
/// (seed §2.4):
///
/// ```
/// ---KELOS_OUTPUTS_START---
/// branch: kelos-task-42
/// pr: https://github.com/org/repo/pull/42
/// ---KELOS_OUTPUTS_END---
/// ```
///
/// Differences from the seed, all deliberate:
/// 1. **The last complete block wins.** The seed takes the first start marker and the first
///    end marker, so an agent that echoes the marker text (for example while reading the
///    entrypoint script) hides the real block, which `kelos-capture` always prints last.
///    Here the block used is the last start marker that has an end marker after it, up to
///    the first end marker after that start.
/// 2. **Markers count only on their own line.** Leading and trailing whitespace (including the
///    `\r` of CRLF logs) is allowed; a marker quoted inside a longer line is ordinary text.
/// 3. **No line limit.** The seed reads only the last 50 log lines, so a block with many PRs
///    lost its start marker. The parser takes whatever text it is given; the caller decides
///    how much of the log tail to read.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::task {

/// The line that opens the outputs block.
inline constexpr std::string_view outputs_start_marker = "---KELOS_OUTPUTS_START---";
/// The line that closes the outputs block.
inline constexpr std::string_view outputs_end_marker = "---KELOS_OUTPUTS_END---";

/// Returns the lines of the last complete outputs block in `log`, each trimmed of
/// surrounding whitespace, empty lines dropped, in log order. Empty when there is no
/// complete block (no start marker, no end marker after the last usable start, or a block
/// with only blank lines). Linear in the size of `log`; never throws on any input.
std::vector<std::string> parse_outputs(std::string_view log);

/// Builds `status.results` from output lines of the form `key: value` (seed semantics):
/// each line is split on the first `": "`, so values may contain `": "` themselves
/// (`pr: https://x` gives `pr` -> `https://x`). Lines without `": "` and lines with an empty
/// key are skipped; for duplicate keys the last line wins. Keys and values are kept
/// verbatim. An empty value survives only if the line ends in `": "`: lines that come from
/// `parse_outputs` are trimmed, so `key: ` there has become `key:` and is skipped.
std::map<std::string, std::string> results_from_outputs(const std::vector<std::string>& outputs);

} // namespace kelos::task
