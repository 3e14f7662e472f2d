#include "cli/capture/repo_info.hpp"

#include <string_view>

#include <git2.h>

namespace kelos::capture {

namespace {

/// One libgit2 init/shutdown pair per call; cheap, and safe to nest.
struct libgit2_session {
  libgit2_session() {
    git_libgit2_init();
    git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
  }
  ~libgit2_session() { git_libgit2_shutdown(); }
  libgit2_session(const libgit2_session&) = delete;
  libgit2_session& operator=(const libgit2_session&) = delete;
};

struct repo_handle {
  git_repository* ptr = nullptr;
  ~repo_handle() { git_repository_free(ptr); }
};

struct ref_handle {
  git_reference* ptr = nullptr;
  ~ref_handle() { git_reference_free(ptr); }
};

/// The symbolic target of `name` with `prefix` stripped; none if `name` is missing, not
/// symbolic, or points outside `prefix`.
std::optional<std::string> symbolic_target(git_repository* repo, const char* name,
                                           std::string_view prefix) {
  ref_handle ref;
  if (git_reference_lookup(&ref.ptr, repo, name) != 0 ||
      git_reference_type(ref.ptr) != GIT_REFERENCE_SYMBOLIC)
    return std::nullopt;
  std::string_view target = git_reference_symbolic_target(ref.ptr);
  if (target.size() <= prefix.size() || target.substr(0, prefix.size()) != prefix)
    return std::nullopt;
  return std::string{target.substr(prefix.size())};
}

} // namespace

repo_info inspect_repo(const std::string& dir) {
  libgit2_session session;
  repo_info info;
  repo_handle repo;
  if (git_repository_open_ext(&repo.ptr, dir.c_str(), 0, nullptr) != 0 ||
      git_repository_is_bare(repo.ptr))
    return info;
  info.is_repo = true;
  // HEAD symbolic to refs/heads/<b>: on branch <b> (born or not); otherwise detached.
  info.branch = symbolic_target(repo.ptr, "HEAD", "refs/heads/");
  git_oid oid;
  if (git_reference_name_to_id(&oid, repo.ptr, "HEAD") == 0) {
    char sha[GIT_OID_HEXSZ + 1];
    git_oid_tostr(sha, sizeof sha, &oid);
    info.commit = std::string{sha};
  }
  info.origin_head = symbolic_target(repo.ptr, "refs/remotes/origin/HEAD", "refs/remotes/origin/");
  return info;
}

std::optional<std::string> base_branch(const std::optional<std::string>& env_base,
                                       const repo_info& info) {
  if (env_base && !env_base->empty())
    return env_base;
  return info.origin_head;
}

} // namespace kelos::capture
