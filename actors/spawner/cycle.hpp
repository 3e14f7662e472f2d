#pragma once

/// One TaskSpawner cycle as a pure function (seed §3.2, with the fixes): given the
/// spawner, the items a discovery found (or why it failed), the Tasks the spawner owns,
/// the slots in use and the budget already spent, decide which Tasks to create, which to
/// delete for a retrigger, which items wait for a slot, and the new status.
///
/// The SPAWNER actor executes the plan (actors/spawner/spawner_actor.hpp). Differences from
/// the seed, on purpose:
/// - Concurrency is counted in slots the actor holds (observed non-terminal Tasks plus
///   creates in flight), not in a possibly stale list, so a burst cannot overshoot.
/// - The budget already spent is max(status.totalTasksCreated, Tasks that exist), so a
///   counter lost in a crash between create and status write cannot exceed maxTotalTasks.
/// - Names go through `sources::spawned_task_name` (lowercased, DNS-1123, hashed when
///   changed), Tasks carry an ownerReference (controller) to the TaskSpawner.
/// - A retriggered finished Task is deleted; the new Task is created once the old one is
///   gone (the item stays `pending` until then), never racing its finalizer.
/// - A discovery error, an invalid spec or a template error is written to status.
/// - Only Tasks whose controller owner is this TaskSpawner (by uid), or that have no
///   controller owner at all (created by the original spawner), count as its own.

#include "k8s/taskspawner_types.hpp"
#include "sources/work_item.hpp"

#include <optional>
#include <string>
#include <vector>

namespace kelos::spawner {

/// Condition types and reasons (the seed's, plus SourceReady for discovery health).
namespace cond {
inline constexpr std::string_view suspended = "Suspended";
inline constexpr std::string_view budget_exhausted = "TaskBudgetExhausted";
inline constexpr std::string_view source_ready = "SourceReady";
} // namespace cond

/// What the cycle needs to know of one Task carrying the spawner's label.
struct owned_task {
  std::string name;
  std::string phase;
  std::optional<k8s::time_point> completion_time;
  std::optional<k8s::time_point> creation_timestamp;
  /// deletionTimestamp is set (a finalizer still holds it).
  bool deleting = false;
  /// UID of its controller owner; empty when it has none.
  std::string controller_uid;

  bool terminal() const;
};

/// Reads the fields above from a Task object (any projection that keeps status.phase,
/// status.completionTime and metadata).
owned_task owned_task_of(const k8s::json& task);

struct cycle_input {
  const k8s::task_spawner* spawner = nullptr;
  /// Problems that stop the spawner (spec validation, unparsable pollInterval, invalid
  /// cron, template syntax): status Failed, nothing created.
  std::vector<std::string> spec_errors;
  /// True when `items`/`discovery_error` come from a discovery that just finished
  /// (updates totalDiscovered and lastDiscoveryTime); false for a re-plan of the last
  /// items after a slot freed or a retriggered Task went away.
  bool fresh_discovery = false;
  std::vector<sources::work_item> items;
  /// The discovery failed: no items; the message goes to status.
  std::optional<kelos::error> discovery_error;
  /// Tasks labelled for this spawner (owned or not; see the header comment).
  std::vector<owned_task> tasks;
  /// Slots held: owned non-terminal Tasks plus creates in flight.
  int64_t slots_in_use = 0;
  /// Tasks created so far (the actor's counter: max(status.totalTasksCreated, owned Tasks
  /// that exist) at start, +1 per successful create).
  int64_t total_created = 0;
  k8s::time_point now;
};

/// An item that could not become a Task.
struct skipped_item {
  std::string item_id;
  std::string reason;
};

struct cycle_plan {
  /// Complete Task objects to POST, in priority order.
  std::vector<k8s::json> create;
  /// Names of finished Tasks to DELETE (retrigger).
  std::vector<std::string> remove;
  /// New items left for lack of a slot, or waiting for their retriggered Task to go, in
  /// priority order. The actor re-plans when a slot frees or a Task is removed.
  std::vector<sources::work_item> pending;
  /// How many of `pending` wait only because maxConcurrency slots are all in use.
  std::size_t held_by_concurrency = 0;
  /// Items whose prompt or branch did not render.
  std::vector<skipped_item> skipped;
  /// The status to write (the actor writes it only when it differs).
  k8s::task_spawner_status status;
};

/// The cycle. `in.spawner` must be set.
cycle_plan plan_cycle(const cycle_input& in);

/// The status after `created` of the planned creates succeeded and `failures` (item id,
/// message) failed: totals, activeTasks, message and budget condition updated from
/// `plan.status`, which assumed every create succeeds.
k8s::task_spawner_status settle_status(const cycle_input& in, const cycle_plan& plan, int64_t created,
                                       const std::vector<skipped_item>& failures);

/// Runtime checks of a spec beyond the CRD rules: pollInterval, cron expression, prompt
/// and branch template syntax. Each message names the field.
std::vector<std::string> runtime_spec_errors(const k8s::task_spawner_spec& spec);

/// Stable sort by `priority_labels` (index 0 highest; items without a listed label last),
/// as the seed's SortByLabelPriority.
void sort_by_label_priority(std::vector<sources::work_item>& items, const std::vector<std::string>& priority_labels);

/// The Task object for `item` (no render: `prompt` and `branch` given).
k8s::json build_task(const k8s::task_spawner& spawner, const std::string& name, const std::string& prompt,
                     const std::string& branch);

} // namespace kelos::spawner
