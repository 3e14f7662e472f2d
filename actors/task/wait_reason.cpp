#include "actors/task/wait_reason.hpp"

namespace kelos::task {

std::optional<metrics::wait_reason> wait_reason_of(const observation& obs) {
  if (obs.task == nullptr || obs.task->meta.is_deleting())
    return std::nullopt;
  if (obs.dependencies && obs.dependencies->what == dependency_verdict::kind::waiting)
    return metrics::wait_reason::dependency;
  if (obs.branch && !obs.branch->granted)
    return metrics::wait_reason::branch;
  return std::nullopt;
}

} // namespace kelos::task
