#pragma once

/// The I/O half of `kelos-capture`: running `gh` and reading the agent's output file.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::capture {

/// Runs `argv` (argv[0] looked up in PATH unless it holds a '/') with fork/execvp, never a
/// shell: stdin and stderr are /dev/null, stdout is collected (at most `max_output` bytes,
/// the rest is read and dropped). The child runs in its own process group, killed whole
/// when `timeout` passes. Returns stdout when the command exited with status 0; nullopt
/// when it could not start, failed, was killed or timed out.
std::optional<std::string> run_command(const std::vector<std::string>& argv,
                                       std::chrono::milliseconds timeout,
                                       std::size_t max_output = std::size_t{1} << 20);

/// `gh pr list --head <branch> --json url [--repo <repo>]`, 30 s timeout: the PR URLs, or
/// nothing when gh is missing, fails, or prints something else than the expected JSON.
std::vector<std::string> find_pr_urls(const std::string& branch, const std::string& repo);

/// Calls `on_line` for every `\n`-terminated (or final) line of the file at `path`, without
/// the `\n`. Lines longer than `max_line` are skipped without being held in memory. Returns
/// false when the file cannot be opened (a missing file is not an error for the caller).
bool for_each_file_line(const std::string& path, std::size_t max_line,
                        const std::function<void(std::string_view)>& on_line);

} // namespace kelos::capture
