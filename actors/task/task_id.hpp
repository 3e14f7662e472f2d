#pragma once

#include <compare>
#include <string>

namespace kelos::task {

/// Identity of one Task: its namespace and name. Ordered (namespace first, then name) so
/// it can key `std::map`s; a Task's `spec.dependsOn` names Tasks in its own namespace.
struct task_id {
  std::string namespace_;
  std::string name;

  friend bool operator==(const task_id&, const task_id&) = default;
  friend std::strong_ordering operator<=>(const task_id&, const task_id&) = default;
};

/// "<namespace>/<name>", as in log lines and `kubectl` references.
inline std::string to_string(const task_id& id) {
  return id.namespace_ + "/" + id.name;
}

} // namespace kelos::task
