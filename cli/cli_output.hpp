#pragma once

/// What `kelos get` prints (seed §4.2): tables (tabwriter, padding 3), detail views with a
/// 20-column label, YAML and JSON. Pure: `now` is passed in.

#include "k8s/time.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace kelos::cli {

using json = nlohmann::json;

/// The resource kinds the CLI handles.
enum class kind { task, taskspawner, workspace, agentconfig };

struct kind_info {
  kind k;
  std::string singular;              // "task"
  std::string plural;                // "tasks"
  std::vector<std::string> aliases;  // every accepted spelling, singular first
  std::string api_kind;              // "Task"
};

const std::vector<kind_info>& all_kinds();
/// The kind for any accepted spelling (task, tasks, ts, ws, ac, ...), or nullptr.
const kind_info* find_kind(std::string_view word);

/// Cells padded to the widest cell of their column plus 3 spaces; the last column is not padded.
std::string format_table(const std::vector<std::vector<std::string>>& rows);

/// Kubernetes' duration.HumanDuration ("45s", "5m3s", "3h", "2d4h", ...).
std::string human_duration(std::chrono::seconds d);

/// The table (header and one row per object) for `items` of kind `k`; `with_namespace`
/// prepends NAMESPACE.
std::vector<std::vector<std::string>> table_rows(kind k, const std::vector<json>& items, k8s::time_point now,
                                                 bool with_namespace, bool header = true);

/// The SOURCE column of a TaskSpawner, for every source kind.
std::string source_summary(const json& spawner);

/// The detail view (`get <kind> NAME -d`). For a task, `same_namespace_tasks` (may be empty)
/// lets it explain what a Waiting or Pending task waits for.
std::string detail_view(kind k, const json& object, k8s::time_point now,
                        const std::vector<json>& same_namespace_tasks = {});

/// Why a task is not running yet: its unfinished dependencies and the task holding its
/// branch; empty when nothing blocks it.
std::vector<std::string> waiting_reasons(const json& task, const std::vector<json>& same_namespace_tasks);

/// YAML in sigs.k8s.io/yaml's shape: sorted keys, 2-space indent, sequences not indented
/// under their key, block scalars for multi-line strings, quotes only where needed.
std::string to_yaml(const json& value);

/// JSON indented by 2 spaces, with a final newline.
std::string to_json_text(const json& value);

} // namespace kelos::cli
