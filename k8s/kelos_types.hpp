#pragma once

/// Full C++ types of the four Kelos kinds (kelos.dev/v1alpha1): Task, Workspace,
/// AgentConfig and TaskSpawner's shared parts. These are what the Task controller
/// decides from; `k8s/kinds.hpp` keeps the compact cache views.
///
/// Decoding is strict about types and lenient about absence: a field of the wrong JSON
/// type is an error naming the field (`spec.podOverrides.env[2].name: expected string`),
/// a missing optional field stays empty. Fields the CRD schema preserves as unknown
/// (`env[].valueFrom`, `resources`) are kept verbatim as JSON, so round trips lose nothing.

#include "k8s/json.hpp"
#include "k8s/object_meta.hpp"
#include "runtime/error.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kelos::k8s {

inline constexpr std::string_view kelos_api_version = "kelos.dev/v1alpha1";

/// Task phases (`status.phase`); empty before the first transition.
namespace task_phase {
inline constexpr std::string_view pending = "Pending";
inline constexpr std::string_view running = "Running";
inline constexpr std::string_view succeeded = "Succeeded";
inline constexpr std::string_view failed = "Failed";
inline constexpr std::string_view waiting = "Waiting";
} // namespace task_phase

/// One `corev1.EnvVar`; `value_from` is kept as JSON (secretKeyRef, configMapKeyRef, ...).
struct env_var {
  std::string name;
  std::optional<std::string> value;
  json value_from; // null when absent
  friend bool operator==(const env_var&, const env_var&) = default;
};

/// `PodOverrides` (Task spec and TaskSpawner taskTemplate).
struct pod_overrides {
  json resources; // corev1.ResourceRequirements, null when absent
  std::optional<int64_t> active_deadline_seconds;
  std::vector<env_var> env;
  std::map<std::string, std::string> node_selector;
  friend bool operator==(const pod_overrides&, const pod_overrides&) = default;
};

struct task_credentials {
  std::string type;        // "api-key" | "oauth"
  std::string secret_name; // credentials.secretRef.name
  friend bool operator==(const task_credentials&, const task_credentials&) = default;
};

struct task_spec {
  std::string type; // claude-code | codex | gemini | opencode | cursor
  std::string prompt;
  task_credentials credentials;
  std::string model;
  std::string image;
  std::optional<std::string> workspace_ref;    // workspaceRef.name
  std::optional<std::string> agent_config_ref; // agentConfigRef.name
  std::vector<std::string> depends_on;
  std::string branch;
  std::optional<int32_t> ttl_seconds_after_finished;
  std::optional<pod_overrides> overrides;
  friend bool operator==(const task_spec&, const task_spec&) = default;
};

struct task_status {
  std::string phase;
  std::string job_name;
  std::string pod_name;
  std::optional<time_point> start_time;
  std::optional<time_point> completion_time;
  std::string message;
  std::vector<std::string> outputs;
  std::map<std::string, std::string> results;
  friend bool operator==(const task_status&, const task_status&) = default;
};

struct task {
  object_meta meta;
  task_spec spec;
  task_status status;
  bool is_terminal() const {
    return status.phase == task_phase::succeeded || status.phase == task_phase::failed;
  }
};

struct git_remote {
  std::string name;
  std::string url;
  friend bool operator==(const git_remote&, const git_remote&) = default;
};

struct workspace_file {
  std::string path;
  std::string content;
  friend bool operator==(const workspace_file&, const workspace_file&) = default;
};

struct workspace_spec {
  std::string repo;
  std::string ref;
  std::string secret_name; // secretRef.name, empty when absent
  std::vector<git_remote> remotes;
  std::vector<workspace_file> files;
  friend bool operator==(const workspace_spec&, const workspace_spec&) = default;
};

struct workspace {
  object_meta meta;
  workspace_spec spec;
};

/// A named markdown document (plugin skill or agent).
struct named_content {
  std::string name;
  std::string content;
  friend bool operator==(const named_content&, const named_content&) = default;
};

struct plugin_spec {
  std::string name;
  std::vector<named_content> skills;
  std::vector<named_content> agents;
  friend bool operator==(const plugin_spec&, const plugin_spec&) = default;
};

struct mcp_server_spec {
  std::string name;
  std::string type; // stdio | http | sse
  std::string command;
  std::vector<std::string> args;
  std::string url;
  std::map<std::string, std::string> headers;
  std::map<std::string, std::string> env;
  friend bool operator==(const mcp_server_spec&, const mcp_server_spec&) = default;
};

struct agent_config_spec {
  std::string agents_md;
  std::vector<plugin_spec> plugins;
  std::vector<mcp_server_spec> mcp_servers;
  friend bool operator==(const agent_config_spec&, const agent_config_spec&) = default;
};

struct agent_config {
  object_meta meta;
  agent_config_spec spec;
};

/// Decoders: the full object (apiVersion, kind, metadata, spec, status). Errors are
/// errc::invalid_spec with a message that starts with the JSON path of the offending field.
/// `null` counts as absent; `apiVersion` and `kind`, when present, must be ours; integers
/// accept integral floats (`30.0`) and fail on fractions or values outside int32/int64;
/// status times must be RFC 3339. `workspaceRef: {}` decodes to an empty name (present),
/// so validate() can report it.
kelos::expected<task> decode_task(const json& object);
kelos::expected<workspace> decode_workspace(const json& object);
kelos::expected<agent_config> decode_agent_config(const json& object);
kelos::expected<pod_overrides> decode_pod_overrides(const json& j, std::string_view path);

/// Encoders: complete objects (apiVersion, kind, metadata, spec[, status]) with empty
/// optional fields omitted, so decode(encode(x)) == x. Required fields are always written,
/// as Go does. Status times are `metav1.Time` (whole seconds): sub-second parts are dropped.
json encode(const task& t);
json encode(const workspace& w);
json encode(const agent_config& a);
json encode_spec(const task_spec& s);
json encode_status(const task_status& s);
json encode(const pod_overrides& o);

/// Semantic validation beyond the JSON types (what the CRD schema enforces, for objects
/// that did not come through an API server, e.g. `kelos run --dry-run`). Returns every
/// problem, each prefixed by its field path; empty when valid.
std::vector<std::string> validate(const task_spec& s);
std::vector<std::string> validate(const workspace_spec& s);
std::vector<std::string> validate(const agent_config_spec& s);
/// The `podOverrides` rules alone, paths prefixed by `path` (e.g. a TaskSpawner's
/// "spec.taskTemplate.podOverrides").
std::vector<std::string> validate(const pod_overrides& o, std::string_view path);

} // namespace kelos::k8s
