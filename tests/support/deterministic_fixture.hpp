#pragma once

// GoogleTest fixture running CAF 0.17's deterministic `test_coordinator`:
// nothing runs until the test calls `run()`, and `advance_time()` fires
// `delayed_send` timers without waiting. The destructor sends an exit to
// every actor spawned through `spawn()` and drains the scheduler, otherwise
// `~actor_system` waits forever for live actors (DEPENDENCIES.md, CAF pitfall 4).

#include "runtime/caf_error.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/scoped_actor.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace kelos::test {

class DeterministicTest : public ::testing::Test {
protected:
  DeterministicTest()
    : sys(init(cfg)),
      self(sys, true),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    // nop
  }

  ~DeterministicTest() override {
    for (auto& a : spawned_)
      self->send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Spawns an actor that the fixture terminates at teardown.
  template <class... Ts>
  auto spawn(Ts&&... xs) {
    auto handle = sys.spawn(std::forward<Ts>(xs)...);
    spawned_.push_back(caf::actor_cast<caf::actor>(handle));
    return handle;
  }

  /// Runs every pending message; returns how many were processed.
  size_t run() { return sched.run(); }

  /// Moves virtual time forward, firing due timers, then runs.
  size_t advance(caf::timespan d) {
    sched.advance_time(d);
    return sched.run();
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scoped_actor self;
  caf::scheduler::test_coordinator& sched;

private:
  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.console", caf::atom("none"));
    register_error_category(cfg);
    return cfg;
  }

  std::vector<caf::actor> spawned_;
};

} // namespace kelos::test
