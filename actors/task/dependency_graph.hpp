#pragma once

/// The Task controller's pure model of `spec.dependsOn` (seed §2.6): which Tasks depend on
/// which, the dependency-relevant status of each Task, and the verdict "may this Task start?".
///
/// ```
///  Task observed (spec or status changed) ──upsert──▶ dependency_graph
///  Task deleted ─────────────────────────────erase──▶ dependency_graph
///  task actor ──evaluate(task, now)──▶ ready | waiting | failed (+ message)
///  phase change of T ──dependents_of(T)──▶ wake each dependent by message
///  waiting on a missing dependency ──next_deadline(task)──▶ one timer for the timeout
/// ```
///
/// Differences from the seed, all deliberate:
/// 1. **Cycles are checked on every evaluation** (the seed checked only outside `Waiting`),
///    so a cycle closed later by an edit of another Task is still found. Only cycles that
///    pass through the evaluated Task count: a Task that merely depends on a cycle waits for
///    it and then fails with `Dependency "<d>" failed` once the cycle's members have failed.
///    The message adds the path: `... cycle involves "a" (a -> b -> a)`.
/// 2. **Waking is by reverse index, not polling** (`dependents_of`); the seed requeued every
///    5 s (missing) or 10 s (pending).
/// 3. **A missing dependency times out.** The seed waited forever for a dependency that was
///    never created; here the verdict turns `failed` once the evaluated Task has seen it
///    missing for `missing_timeout` (`Dependency "<d>" was not created within 10m0s`, the
///    duration in Go's `time.Duration` format).
///
/// Dependencies are named by `spec.dependsOn` and live in the dependent's namespace.

#include "actors/task/task_id.hpp"
#include "k8s/json.hpp"
#include "k8s/time.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::task {

/// How long a Task waits for a dependency that does not exist before it fails.
inline constexpr std::chrono::minutes default_missing_dependency_timeout{10};

/// What the graph keeps of one Task.
struct dependency_node {
  /// `spec.dependsOn`: names of Tasks in the same namespace, in spec order.
  std::vector<std::string> depends_on;
  /// `status.phase` (empty before the first transition).
  std::string phase;
  /// `status.outputs` and `status.results`, exposed to dependents' prompt templates.
  std::vector<std::string> outputs;
  std::map<std::string, std::string> results;
  friend bool operator==(const dependency_node&, const dependency_node&) = default;
};

/// The answer of `dependency_graph::evaluate`.
struct dependency_verdict {
  enum class kind {
    /// Every dependency has Succeeded (or there are none): the Task may start.
    ready,
    /// A dependency is missing (within the timeout) or not finished yet.
    waiting,
    /// A cycle through the Task, a Failed dependency, or a missing-dependency timeout.
    /// Terminal for the Task.
    failed,
  };
  kind what = kind::ready;
  /// The status message (seed wording); empty when ready.
  std::string message;
  /// The dependency that decided the verdict, if any (empty for ready and for cycles).
  std::string dependency;
  friend bool operator==(const dependency_verdict&, const dependency_verdict&) = default;
};

/// Dependency edges and status of every Task a controller knows. Not thread-safe: owned by
/// one actor. Memory is proportional to Tasks plus edges.
class dependency_graph {
public:
  explicit dependency_graph(std::chrono::microseconds missing_timeout =
                              default_missing_dependency_timeout);

  /// Adds or replaces `task`. Dropping a dependency from `depends_on` also forgets since
  /// when it was missing.
  void upsert(const task_id& task, dependency_node node);

  /// Removes `task` (deleted). Tasks that depend on it see it as missing from now on.
  void erase(const task_id& task);

  /// Whether `task` may start at `now`. Rules, the first that matches wins:
  /// 1. a cycle through `task` (depth-first over `depends_on`, missing Tasks are leaves,
  ///    diamonds are fine): failed,
  ///    `Circular dependency detected: cycle involves "<task>" (<task> -> ... -> <task>)`;
  /// 2. each dependency `d` in spec order:
  ///    - missing: waiting, `Waiting for dependency "<d>" to be created`; the graph remembers
  ///      when `task` first saw `d` missing, and from `missing_timeout` after that the
  ///      verdict is failed, `Dependency "<d>" was not created within <Go duration>`;
  ///    - phase Failed: failed, `Dependency "<d>" failed`;
  ///    - any phase but Succeeded: waiting, `Waiting for dependency "<d>"`;
  /// 3. ready.
  /// A `task` the graph does not know has no dependencies: ready. Cost: linear in the Tasks
  /// reachable from `task` (iterative, so long chains cannot exhaust the stack).
  dependency_verdict evaluate(const task_id& task, k8s::time_point now);

  /// The known Tasks whose `depends_on` names `task` (same namespace), sorted. To be woken
  /// when `task` appears, changes phase or is deleted. Also answers for unknown `task`s.
  std::vector<task_id> dependents_of(const task_id& task) const;

  /// The earliest time at which a missing-dependency timeout of `task` expires, for the
  /// actor's timer; nullopt when `task` is not waiting for a missing dependency. Only
  /// dependencies seen missing by `evaluate` and still missing count.
  std::optional<k8s::time_point> next_deadline(const task_id& task) const;

  /// Data for `task`'s prompt template (seed §2.6):
  /// `{"Deps": {"<d>": {"Name": "<d>", "Outputs": [...], "Results": {...}}}}` with one
  /// entry per known dependency. `Outputs` is always an array and `Results` always an
  /// object (possibly empty), so `{{range .Deps.a.Outputs}}` and
  /// `{{index .Deps "a" "Results" "branch"}}` work. Unknown dependencies are left out, so a
  /// template that names one fails and `resolve_prompt` falls back to the raw prompt.
  k8s::json template_data(const task_id& task) const;

  /// The known Task `task`, or nullptr.
  const dependency_node* find(const task_id& task) const;

private:
  std::optional<std::vector<std::string>> cycle_through(const task_id& task) const;

  std::chrono::microseconds missing_timeout_;
  std::map<task_id, dependency_node> nodes_;
  /// dependency -> the known Tasks that list it (reverse edges; may name unknown Tasks).
  std::map<task_id, std::set<task_id>> dependents_;
  /// task -> dependency name -> when `task` first saw it missing.
  std::map<task_id, std::map<std::string, k8s::time_point>> missing_since_;
};

/// Renders `prompt` as a Go text/template with `missingkey=error` against `template_data`
/// (normally `dependency_graph::template_data`). Any parse or execution failure, including
/// the engine's limits on nesting, steps and output size, returns the raw prompt unchanged
/// (seed §2.6), so hostile or brace-heavy prompts are harmless. The seed templates only
/// Tasks with a non-empty `dependsOn`; that choice is the caller's.
std::string resolve_prompt(std::string_view prompt, const k8s::json& template_data);

/// Go's `time.Duration.String()`: `10m0s`, `1h0m0s`, `1.5s`, `250ms`, `0s`.
std::string format_go_duration(std::chrono::nanoseconds d);

} // namespace kelos::task
