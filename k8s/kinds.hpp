#pragma once

/// Typed, compact views of the objects the controller reads. Each `parse_*`
/// takes the full JSON object and keeps only what Kelos uses, so caches stay small.

#include "k8s/json.hpp"
#include "k8s/object_meta.hpp"
#include "runtime/error.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kelos::k8s {

/// `metav1.Condition` / JobCondition (the common subset).
struct condition {
  std::string type;
  std::string status; // "True", "False", "Unknown"
  std::string reason;
  std::string message;
  std::optional<time_point> last_transition_time;
};
std::vector<condition> parse_conditions(const json& status);
const condition* find_condition(const std::vector<condition>& cs, std::string_view type);

/// batch/v1 Job: status counters and terminal conditions.
struct job_view {
  object_meta meta;
  int64_t active = 0;
  int64_t succeeded = 0;
  int64_t failed = 0;
  std::optional<time_point> start_time;
  std::optional<time_point> completion_time;
  std::vector<condition> conditions;
  std::optional<int64_t> active_deadline_seconds;
  std::optional<int64_t> backoff_limit;

  /// Condition Complete=True.
  bool is_complete() const;
  /// Condition Failed=True.
  bool is_failed() const;
};
job_view parse_job(const json& object);

/// `containerStatuses[]` entry.
struct container_status {
  std::string name;
  bool ready = false;
  int64_t restart_count = 0;
  /// "waiting", "running", "terminated" or empty.
  std::string state;
  std::string reason;
  std::optional<int> exit_code;
};

/// v1 Pod: phase and per-container outcomes.
struct pod_view {
  object_meta meta;
  std::string phase; // Pending, Running, Succeeded, Failed, Unknown
  std::string node_name;
  std::string reason;
  std::string message;
  std::vector<std::string> container_names;
  std::vector<std::string> init_container_names;
  std::vector<container_status> init_container_statuses;
  std::vector<container_status> container_statuses;
  std::optional<time_point> start_time;
};
pod_view parse_pod(const json& object);

/// v1 Secret: decoded data (base64 `data` plus any `stringData`).
struct secret_view {
  object_meta meta;
  std::string type;
  std::map<std::string, std::string> data;
  bool has(std::string_view key) const { return data.count(std::string{key}) > 0; }
};
/// Returns an error when a `data` value is not valid base64.
kelos::expected<secret_view> parse_secret(const json& object);

std::string base64_encode(std::string_view bytes);
/// Standard alphabet with padding; whitespace is ignored. nullopt when invalid.
std::optional<std::string> base64_decode(std::string_view text);

/// core/v1 Event (what the recorder writes).
struct event_view {
  object_meta meta;
  object_ref involved;
  std::string reason;
  std::string message;
  std::string type; // Normal, Warning
  int64_t count = 0;
};
event_view parse_event(const json& object);

/// coordination.k8s.io/v1 Lease.
struct lease_view {
  object_meta meta;
  std::string holder_identity;
  int64_t lease_duration_seconds = 0;
  std::optional<time_point> acquire_time;
  std::optional<time_point> renew_time;
  int64_t lease_transitions = 0;
};
lease_view parse_lease(const json& object);
/// The `spec` of a Lease with MicroTime fields.
json lease_spec_to_json(const lease_view& lease);

/// kelos.dev/v1alpha1 Task: what scheduling decisions read.
struct task_view {
  object_meta meta;
  std::string type;
  std::string workspace;    // spec.workspaceRef.name
  std::string agent_config; // spec.agentConfigRef.name
  std::string branch;
  std::vector<std::string> depends_on;
  std::optional<int64_t> ttl_seconds_after_finished;
  std::string phase;        // status.phase
  std::string job_name;
  std::string pod_name;
  std::map<std::string, std::string> results;

  /// Succeeded or Failed.
  bool is_terminal() const { return phase == "Succeeded" || phase == "Failed"; }
};
task_view parse_task(const json& object);

/// kelos.dev/v1alpha1 Workspace.
struct workspace_view {
  object_meta meta;
  std::string repo;
  std::string ref;
  std::string secret;
};
workspace_view parse_workspace(const json& object);

/// kelos.dev/v1alpha1 AgentConfig.
struct agent_config_view {
  object_meta meta;
  std::string agents_md;
  size_t plugin_count = 0;
  size_t mcp_server_count = 0;
};
agent_config_view parse_agent_config(const json& object);

/// kelos.dev/v1alpha1 TaskSpawner.
struct task_spawner_view {
  object_meta meta;
  /// "githubIssues", "jira", "cron" or "" when `when` has none of them.
  std::string source_kind;
  bool suspend = false;
  int64_t max_concurrency = 0; // 0 = unlimited
  int64_t max_total_tasks = 0; // 0 = unlimited
  std::string poll_interval;
  std::string phase;
  int64_t total_tasks_created = 0;
  int64_t active_tasks = 0;
};
task_spawner_view parse_task_spawner(const json& object);

} // namespace kelos::k8s
