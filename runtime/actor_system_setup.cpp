#include "runtime/actor_system_setup.hpp"

#include "runtime/caf_error.hpp"
#include "runtime/quiet_sharing.hpp"

#include <caf/scheduler/coordinator.hpp>

#include <algorithm>
#include <thread>

namespace kelos {

size_t scheduler_workers(size_t cores) {
  return std::max<size_t>(2, cores);
}

void configure_actor_system(caf::actor_system_config& cfg) {
  cfg.set("logger.console", caf::atom("none"));
  cfg.load<caf::scheduler::coordinator<quiet_sharing>>();
  cfg.set("scheduler.max-threads", scheduler_workers(std::thread::hardware_concurrency()));
  register_error_category(cfg);
}

} // namespace kelos
