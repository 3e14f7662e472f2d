#pragma once

/// The Task reconcile decision: a pure function from what a TASK actor observed to what
/// it must do next. No CAF, no I/O. The actor gathers an `observation` from the KUBE
/// actor's caches, asks `decide`, and either answers a question (`need_dependencies`,
/// `need_branch`, `need_log`: the actor obtains the answer and calls `decide` again with
/// it filled in) or executes the returned `plan` step by step, stopping at the first
/// failed write and reconciling again.
///
/// Differences from the original (kelos-seed §2.1–2.6, §11):
/// - Failed is sticky: a Task never leaves a terminal phase; a missing Workspace,
///   AgentConfig or Secret is not a failure but `Waiting` with the reason, and the Task
///   proceeds when the object appears.
/// - TTL applies to every terminal Task, including those that failed without a Job.
/// - Events and metrics are part of the plan after the status write they describe, so a
///   write that fails (conflict) counts nothing; the actor re-plans from fresh state.
/// - The branch lock is released when Job creation fails.
/// - A GitHub App token failure that is transient (network, 5xx, 429) keeps the Task
///   Waiting and retries; only bad credentials fail it.
/// - startTime falls back to the Job's startTime when Running was never observed.

#include "actors/task/branch_queue.hpp"
#include "actors/task/dependency_graph.hpp"
#include "actors/task/job_builder.hpp"
#include "k8s/kelos_types.hpp"
#include "k8s/kinds.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace kelos::task {

inline constexpr std::string_view task_finalizer = "kelos.dev/finalizer";

struct reconcile_config {
  /// After a terminal phase with no outputs yet, the log is read again every
  /// `output_retry_interval` until `output_retry_window` after completion (seed: 5 s, 30 s).
  std::chrono::seconds output_retry_interval{5};
  std::chrono::seconds output_retry_window{30};
  /// How many trailing log lines are read for output capture (seed: 50).
  int64_t output_log_tail_lines = 20000;
  job_builder_config images = default_job_builder_config();
};

/// A referenced object (Workspace, AgentConfig, Secret) as seen in the cache.
enum class ref_state { not_referenced, missing, present };

/// The outcome of a GitHub App token exchange for the Task's Workspace.
struct github_token_answer {
  /// The Secret now holding `GITHUB_TOKEN` (`<task>-github-token`), when it worked.
  std::string secret;
  /// Why it did not work.
  std::string error;
  /// A network or server-side failure worth retrying (the Task keeps waiting).
  bool transient = false;
};

struct branch_answer {
  bool granted = false;
  /// The Waiting message when not granted.
  std::string message;
};

/// Everything `decide` reads. Pointers may be null when the object is absent.
struct observation {
  const k8s::task* task = nullptr;
  /// The Job named after the Task, when cached.
  std::optional<k8s::job_view> job;
  /// The Task's pod (label kelos.dev/task), when cached.
  std::optional<k8s::pod_view> pod;
  ref_state workspace = ref_state::not_referenced;
  /// The Workspace spec when present.
  const k8s::workspace_spec* workspace_spec = nullptr;
  /// The Workspace's Secret (spec.secretRef), when the Workspace names one.
  ref_state workspace_secret = ref_state::not_referenced;
  /// That Secret holds GitHub App credentials (appID, installationID, privateKey).
  bool workspace_secret_is_github_app = false;
  ref_state agent_config = ref_state::not_referenced;
  const k8s::agent_config_spec* agent_config_spec = nullptr;
  /// The credentials Secret (spec.credentials.secretRef).
  ref_state credentials_secret = ref_state::not_referenced;
  /// Answers to earlier questions.
  std::optional<dependency_verdict> dependencies;
  /// `{"Deps": ...}` for prompt templating; set with `dependencies` when ready.
  k8s::json dependency_data;
  std::optional<branch_answer> branch;
  std::optional<github_token_answer> github_token;
  /// The agent container's log (tail), when asked for.
  std::optional<std::string> log;
  k8s::time_point now;
};

/// Questions the actor must answer before a plan can be made.
struct need_dependencies {};
struct need_branch {
  branch_key key;
};
/// Exchange the Workspace Secret's GitHub App credentials for an installation token and
/// store it in Secret `<task>-github-token` (owned by the Task).
struct need_github_token {
  std::string secret;
  /// The repository host ("" or github.com for github.com; else GitHub Enterprise).
  std::string repo_host;
};
struct need_log {
  std::string pod;
  std::string container;
  int64_t tail_lines = 0;
};

/// Plan steps, executed in order. A failing write stops the plan.
struct add_finalizer {};
struct remove_finalizer {};
/// Deletes the Job named after the Task (background propagation). `uid`, when known,
/// is a precondition so that a Job recreated by someone else is never deleted.
struct delete_job {
  std::string uid;
};
struct release_branch {};
struct create_job {
  k8s::json job;
};
struct write_status {
  k8s::task_status status;
};
struct emit_event {
  std::string type; // Normal | Warning
  std::string reason;
  std::string message;
};
/// Metric updates, recorded only when every step before them succeeded.
struct count_created {};
struct count_completed {
  std::string phase;
  /// Seconds from startTime to completionTime, when startTime is known.
  std::optional<double> duration_seconds;
};
struct count_usage {
  std::map<std::string, std::string> results;
};
struct delete_task {};
/// Ask the supervisor to reconcile this Task when `ref` is created or changes.
struct watch_reference {
  k8s::object_ref ref;
};

using action = std::variant<add_finalizer, remove_finalizer, delete_job, release_branch, create_job,
                            write_status, emit_event, count_created, count_completed, count_usage,
                            delete_task, watch_reference>;

struct plan {
  std::vector<action> actions;
  /// Reconcile again after this long even without a change (TTL, output retries).
  std::optional<std::chrono::milliseconds> requeue_after;
};

using decision = std::variant<need_dependencies, need_branch, need_github_token, need_log, plan>;

/// Decides the next step for `obs.task` (must not be null). Deterministic in its inputs.
decision decide(const observation& obs, const reconcile_config& cfg);

/// The branch lock key of a Task with a branch (workspace name, possibly empty).
branch_key branch_key_of(const k8s::task& t);

} // namespace kelos::task
