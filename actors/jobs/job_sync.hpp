#pragma once

/// The pure decision of the embedded Job controller (local mode): given a batch/v1 Job,
/// the pods in its namespace and the time, what to create, delete and write. It follows
/// kube-controller-manager's `pkg/controller/job` (1.31+) for NonIndexed Jobs:
///
/// - Pods come from `spec.template` with `generateName: <job>-`, the labels
///   `batch.kubernetes.io/job-name`, `job-name`, `batch.kubernetes.io/controller-uid`,
///   `controller-uid` (added when the template lacks them) and a controller owner
///   reference (batch/v1 Job, `controller: true`, `blockOwnerDeletion: true`).
/// - Up to `min(parallelism, completions - succeeded)` pods are active at once
///   (parallelism and completions default to 1; no completions with a parallelism =
///   work queue: done when one pod succeeded and none is active). Excess active pods
///   are deleted.
/// - Failed pods are retried until `status.failed > backoffLimit` (default 6); then the
///   Job gets `FailureTarget` (BackoffLimitExceeded, "Job has reached the specified
///   backoff limit"), its active pods are deleted and counted as failed, and `Failed`
///   follows once no pod is terminating. `activeDeadlineSeconds` (from
///   `status.startTime`) works the same with DeadlineExceeded, "Job was active longer
///   than specified deadline". With `restartPolicy: OnFailure` the container restart
///   counts of running pods are compared to the limit (upstream `pastBackoffLimitOnFailure`).
/// - Success adds `SuccessCriteriaMet` then `Complete` (reason CompletionsReached,
///   "Reached expected number of succeeded pods") and `completionTime`.
/// - `suspend: true` deletes active pods (not counted as failures) and sets the
///   `Suspended` condition; resuming flips it to False (JobResumed) and resets startTime.
/// - `ttlSecondsAfterFinished` deletes a finished Job that long after the
///   lastTransitionTime of its Complete/Failed condition.
///
/// Deliberate differences (docs/local-mode-job-controller.md): no tracking finalizer
/// and no `uncountedTerminatedPods` protocol, no pod backoff delay before a replacement,
/// a pod being deleted is never replaced while it still exists (podReplacementPolicy
/// Failed), Indexed Jobs, podFailurePolicy, successPolicy and backoffLimitPerIndex are
/// not implemented.
///
/// Counting without the tracking finalizer: the caller keeps a `job_ledger` per Job in
/// memory. `counted` holds the uids already included in `status.succeeded/failed`;
/// `tracked` the uids of pods seen alive. A terminal pod not yet counted adds one; a
/// tracked pod that vanished before reaching a terminal phase counts as failed (as
/// upstream counts deleted pods). A fresh ledger (controller restart) is seeded from the
/// pods present: every terminal pod is taken as counted and the counters become
/// `max(status, pods in that phase)`. Limits: a pod that finishes and is deleted while
/// the controller is down is lost (or, if it was already counted, fine); a pod that
/// succeeds and vanishes before the controller sees its phase is counted as failed.

#include "k8s/json.hpp"
#include "k8s/time.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::jobs {

inline constexpr std::string_view label_job_name = "batch.kubernetes.io/job-name";
inline constexpr std::string_view label_controller_uid = "batch.kubernetes.io/controller-uid";
inline constexpr std::string_view legacy_label_job_name = "job-name";
inline constexpr std::string_view legacy_label_controller_uid = "controller-uid";

/// What the controller remembers of one Job between syncs (see the header comment).
struct job_ledger {
  /// The Job uid this ledger belongs to; a different uid starts a fresh ledger.
  std::string job_uid;
  /// False until the first sync seeded it from the pods present.
  bool initialized = false;
  /// Pod uids whose outcome is included in the status counters.
  std::set<std::string> counted;
  /// Pod uids last seen alive (not terminal), counted as failed if they vanish.
  std::set<std::string> tracked;

  friend bool operator==(const job_ledger&, const job_ledger&) = default;
};

/// Inputs besides the Job and its pods.
struct sync_context {
  k8s::time_point now;
  /// Written into `spec.nodeName` of new pods whose template has none; "" = leave unset.
  std::string node_name;
  job_ledger ledger;
  /// Uids of pods whose DELETE this controller already sent; they count as terminating
  /// (never deleted twice, never replaced while they exist).
  std::set<std::string> deleting;
};

/// A pod to delete (with the uid as precondition).
struct pod_ref {
  std::string name;
  std::string uid;
  friend bool operator==(const pod_ref&, const pod_ref&) = default;
};

/// What one sync decided. The caller executes it in order: deletions, creations, status
/// write (then commits `ledger`), job deletion; and wakes the Job again at `wake_at`.
struct sync_plan {
  /// Full pod objects to POST.
  std::vector<k8s::json> create;
  /// Pods to DELETE.
  std::vector<pod_ref> remove;
  /// The Job's new `status`, only when it differs from the current one.
  std::optional<k8s::json> status;
  /// The ledger after this sync; commit it once `status` (if any) is written.
  job_ledger ledger;
  /// Next deadline or TTL expiry to sync at.
  std::optional<k8s::time_point> wake_at;
  /// Delete the Job (TTL after finished expired); propagationPolicy Background.
  bool delete_job = false;
  /// Phase changes for the log: "SuccessCriteriaMet", "Complete",
  /// "FailureTarget (DeadlineExceeded)", "Failed (BackoffLimitExceeded)", "Suspended",
  /// "Resumed", "Started".
  std::vector<std::string> transitions;
};

/// Decides one sync of `job`. `pods` may hold any pods of the namespace: only those
/// whose controller owner reference has the Job's uid are considered. A finished Job
/// (Complete or Failed) only gets TTL handling.
sync_plan sync_job(const k8s::json& job, const std::vector<k8s::json>& pods, const sync_context& ctx);

/// The pod `sync_job` creates for `job` (generateName, labels, owner reference, template).
k8s::json pod_for(const k8s::json& job, const std::string& node_name);

/// Name of the Job controlling `pod` (owner reference kind Job, apiVersion batch/v1,
/// controller true), or "" when none.
std::string controlling_job(const k8s::json& pod);

/// True when the Job has condition Complete or Failed with status True.
bool is_finished(const k8s::json& job);

} // namespace kelos::jobs
