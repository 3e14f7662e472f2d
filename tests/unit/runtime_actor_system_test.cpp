// The CAF settings of kelos-controller and local mode: CAF ignores unknown keys silently, so
// the test starts a real actor system and checks that the settings took effect.

#include "runtime/actor_system_setup.hpp"

#include <caf/actor_system.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include <gtest/gtest.h>

#include <thread>

namespace kelos {
namespace {

TEST(ActorSystemSetup, OneWorkerPerCoreButAtLeastTwo) {
  EXPECT_EQ(scheduler_workers(0), 2u); // hardware_concurrency() may not know
  EXPECT_EQ(scheduler_workers(1), 2u);
  EXPECT_EQ(scheduler_workers(2), 2u);
  EXPECT_EQ(scheduler_workers(16), 16u);
}

TEST(ActorSystemSetup, TheSchedulerRunsThatManyWorkers) {
  caf::actor_system_config cfg;
  configure_actor_system(cfg);
  caf::actor_system sys{cfg};
  EXPECT_EQ(sys.scheduler().num_workers(), scheduler_workers(std::thread::hardware_concurrency()));
}

} // namespace
} // namespace kelos
