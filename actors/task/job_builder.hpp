#pragma once

/// The pure Task-to-Job builder of the Task controller (the original's
/// `internal/controller/job_builder.go`, seed §2.2). Given a Task, its resolved Workspace
/// and AgentConfig and the resolved prompt, it returns the `batch/v1` Job that runs the
/// agent. No I/O: the controller fetches the inputs and creates the Job.
///
/// The Job matches the original's field for field (env order, init containers and their
/// scripts, volumes, labels, `backoffLimit: 0`, error messages) with these deliberate
/// differences (docs/reference/job.md lists them for users):
///
/// - **Configurable git helper image.** The init containers use `job_builder_config::git`
///   (default `alpine/git:v2.47.2`, the original's hard-coded image) and its pull policy.
/// - **Secure defaults on every container**, init and agent: `runAsNonRoot`, UID and GID
///   61100, no privilege escalation, all capabilities dropped, seccomp `RuntimeDefault`.
///   The pod always gets `fsGroup: 61100`, `runAsNonRoot` and seccomp `RuntimeDefault`
///   (the original set only `fsGroup`, and only with a workspace).
/// - **`automountServiceAccountToken: false`**: agents do not talk to the Kubernetes API,
///   so the namespace's default ServiceAccount token is not mounted into the pod.
/// - **Every user value reaches a shell quoted.** Remote names and URLs are single-quoted
///   (`shell_single_quote`) and come after `--`; file contents, plugin skills and agents
///   are base64; the branch name only appears as `"$KELOS_BRANCH"`; the clone URL and ref
///   are plain arguments. `git fetch` gets `--` before the refspec.
/// - **Workspace files are not written through symlinks.** The workspace-files script
///   fails (`workspace file <target>: <p> is a symlink`) when any component of a file's
///   path in the cloned repo is a symlink, which could point outside the repo.
/// - **Branch names starting with `-` are refused** (`invalid branch "<b>": ...`): git
///   refuses them too, and they would be read as options by `git checkout`.
/// - **The git-clone credential helper first clears inherited helpers**
///   (`-c credential.helper=`), and the stored one replaces any existing entry.
/// - **Repo URL parsing keeps dots in repo names** (`my.repo` stays `my.repo`; the original
///   truncated at the dot, which broke `KELOS_UPSTREAM_REPO`); a `.git` suffix on the repo
///   segment is dropped even when a `/` follows.
/// - **`cursor` agent type**: `CURSOR_API_KEY` for both credential types (as upstream did
///   after the seed).
/// - **`KELOS_MCP_SERVERS`** keeps Go's `encoding/json` field order (type, command, args,
///   url, headers, env; servers and map keys sorted) but does not HTML-escape `<`, `>`, `&`.

#include "k8s/json.hpp"
#include "k8s/kelos_types.hpp"
#include "runtime/error.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::task {

/// UID and GID of the agent user in every Kelos agent image (seed §6.1), also used for the
/// init containers and as the pod's `fsGroup`, so all containers share the workspace.
inline constexpr int64_t agent_uid = 61100;

/// The default git helper image (the original hard-codes it).
inline constexpr std::string_view default_git_image = "alpine/git:v2.47.2";

/// An image and its pull policy. An empty `pull_policy` leaves `imagePullPolicy` out of the
/// container, so Kubernetes applies its default (`Always` for `:latest`, else `IfNotPresent`).
struct agent_image {
  std::string image;
  std::string pull_policy;
};

/// What the controller's flags configure.
struct job_builder_config {
  /// Image per agent type (`spec.type`). A type missing here is `unsupported agent type`.
  std::map<std::string, agent_image> agents;
  /// Image of the init containers (git-clone, remote-setup, branch-setup, workspace-files,
  /// plugin-setup). Needs `git`, `sh`, `base64`, `dirname` and `mkdir`.
  agent_image git;
};

/// `ghcr.io/kelos-dev/<type>:latest` for claude-code, codex, gemini, opencode and cursor,
/// empty pull policies, and `alpine/git:v2.47.2` for the git helper.
job_builder_config default_job_builder_config();

/// The resolved inputs of one build. Pointers are borrowed for the call only.
struct job_inputs {
  /// Required. `meta.name`, `meta.namespace_`, `meta.uid` and the label
  /// `kelos.dev/taskspawner` are read besides the spec.
  const k8s::task* task = nullptr;
  /// nullptr when the Task has no workspaceRef. `secret_name` is the Secret to use, after
  /// any GitHub App token substitution; empty means no Secret.
  const k8s::workspace_spec* workspace = nullptr;
  /// nullptr when the Task has no agentConfigRef.
  const k8s::agent_config_spec* agent_config = nullptr;
  /// The prompt after dependency template resolution; passed as the agent's only argument.
  std::string prompt;
};

/// Builds the Job for a Task. Errors (`errc::invalid_spec`, or `errc::invalid_config` for
/// a missing image) have the original's messages:
/// `unsupported agent type: <t>`, `invalid workspace file path "<p>": <reason>`,
/// `invalid plugin configuration: <reason>`, `invalid MCP server configuration: <reason>`,
/// plus `invalid branch "<b>": must not start with '-'`.
kelos::expected<k8s::json> build_job(const job_inputs& in, const job_builder_config& cfg);

/// Validates a workspace file path and returns it `path.Clean`ed (Go semantics). Refuses
/// empty or blank paths, backslashes, paths cleaning to `.`, absolute paths, and `..` or a
/// `../` prefix; the error is `invalid workspace file path "<p>": <reason>`.
kelos::expected<std::string> sanitize_workspace_file_path(std::string_view path);

/// Go's `path.Clean`: the shortest equivalent slash-separated path ("" gives ".").
std::string clean_path(std::string_view path);

/// Quotes `s` for POSIX sh as one word: `it's` gives `'it'\''s'`. Safe for any bytes
/// (newlines, `$`, backquotes, quotes).
std::string shell_single_quote(std::string_view s);

/// Host, owner and repo of a git repository URL.
struct repo_location {
  std::string host; // empty for `owner/repo` shorthand and unparsable URLs
  std::string owner;
  std::string repo;
  friend bool operator==(const repo_location&, const repo_location&) = default;
};

/// The original's `parseGitHubRepo` (seed §2.7) with dots kept in repo names: trims a
/// `.git` suffix, then tries `http(s)://host/owner/repo`, then `git@host:owner/repo`, then
/// the last two `/` segments with an empty host; with fewer than two segments the repo
/// is `unknown-repo-<url>` and owner and host are empty.
repo_location parse_github_repo(std::string_view url);

/// The `KELOS_MCP_SERVERS` value: `{"mcpServers":{"<name>":{...}}}` with empty fields
/// omitted. Errors: `invalid MCP server configuration: MCP server name is empty`,
/// `... MCP server name "a/b" contains path separators`, `... is a path traversal`,
/// `... duplicate MCP server name "<n>"`.
kelos::expected<std::string> mcp_servers_json(const std::vector<k8s::mcp_server_spec>& servers);

/// The env var (and Secret key) that carries the credential of `agent_type` for
/// `credential_type` (`api-key` or `oauth`); empty for any other credential type, in which
/// case no credential is injected (as in the original). Unknown agent types take the
/// claude-code names, like the original's default branch.
std::string credential_env_name(std::string_view agent_type, std::string_view credential_type);

} // namespace kelos::task
