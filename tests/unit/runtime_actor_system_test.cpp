// The CAF settings of kelos-controller and local mode: CAF ignores unknown keys silently, so
// the test starts a real actor system and checks that the settings took effect.

#include "runtime/actor_system_setup.hpp"
#include "runtime/quiet_sharing.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>
#include <caf/scheduler/coordinator.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

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
  EXPECT_NE(dynamic_cast<caf::scheduler::coordinator<quiet_sharing>*>(&sys.scheduler()), nullptr)
    << "the quiet_sharing scheduler module is loaded";
}

// Relays: each message hops `hops` times between actors on the workers before it is
// counted, so most enqueues come from workers (where quiet_sharing may skip the wake-up),
// while the test thread injects bursts from outside. A lost wake-up leaves messages in
// the queue with every worker asleep: the count would stop short and the wait time out.
caf::behavior relay(caf::event_based_actor* self, std::vector<caf::actor>* ring, size_t index,
                    std::atomic<int>* delivered) {
  return {
    [=](int hops) {
      if (hops == 0) {
        ++*delivered;
        return;
      }
      self->send((*ring)[(index + 1) % ring->size()], hops - 1);
    },
  };
}

TEST(ActorSystemSetup, EveryMessageIsDeliveredWhetherWorkersOrOtherThreadsSendIt) {
  caf::actor_system_config cfg;
  configure_actor_system(cfg);
  caf::actor_system sys{cfg};
  std::atomic<int> delivered{0};
  std::vector<caf::actor> ring;
  for (size_t i = 0; i < 16; ++i)
    ring.push_back(sys.spawn(relay, &ring, i, &delivered));
  constexpr int bursts = 50, per_burst = 40;
  for (int b = 0; b < bursts; ++b) {
    for (int m = 0; m < per_burst; ++m)
      caf::anon_send(ring[static_cast<size_t>(m) % ring.size()], m % 7);
    if (b % 10 == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5)); // let the workers fall asleep
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (delivered.load() < bursts * per_burst && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(delivered.load(), bursts * per_burst);
  for (auto& a : ring)
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

} // namespace
} // namespace kelos
