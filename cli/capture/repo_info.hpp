#pragma once

/// What `kelos-capture` reads from the repository the agent worked in, through libgit2
/// (no `git` process): the replacements for `git rev-parse --is-inside-work-tree`,
/// `git branch --show-current`, `git rev-parse HEAD` and
/// `git symbolic-ref refs/remotes/origin/HEAD` (seed §5).

#include <optional>
#include <string>

namespace kelos::capture {

/// Facts about the work tree containing a directory.
struct repo_info {
  /// The directory is inside a non-bare work tree. When false, every other field is empty.
  bool is_repo = false;
  /// The branch HEAD points at (`refs/heads/` stripped), also when it has no commit yet;
  /// none on a detached HEAD.
  std::optional<std::string> branch;
  /// The 40-hex SHA of the commit HEAD resolves to; none before the first commit.
  std::optional<std::string> commit;
  /// The target of the symbolic ref `refs/remotes/origin/HEAD` with `refs/remotes/origin/`
  /// stripped (origin's default branch); none when the ref is missing or not symbolic.
  std::optional<std::string> origin_head;
};

/// Inspects the work tree containing `dir` (searching parent directories, as git does).
/// Never fails: anything unreadable is simply absent. The ownership check libgit2 copies
/// from git's `safe.directory` is turned off for the process: capture only reads, and the
/// agent's sandbox may map the clone to another UID than the one running this.
repo_info inspect_repo(const std::string& dir);

/// `KELOS_BASE_BRANCH` when set (even in a directory that is no repository), else origin's
/// default branch from `info`. An empty env value counts as unset.
std::optional<std::string> base_branch(const std::optional<std::string>& env_base,
                                       const repo_info& info);

} // namespace kelos::capture
