#pragma once

// The CAF settings every Kelos process that hosts the controller uses (kelos-controller and
// local mode's `kelos up`), in one place so the two cannot drift apart.

#include <caf/actor_system_config.hpp>

#include <cstddef>

namespace kelos {

/// Workers for `cores` hardware threads: one per core, at least two (CAF's default is at
/// least four). Nothing blocks a worker: token exchanges run on detached actors, processes
/// on threads of their own. On 2 cores four workers cost about 10 % more CPU per Task in
/// futex wake-ups (bench/README.md, "Where the CPU goes, and five experiments").
size_t scheduler_workers(size_t cores);

/// Quiet CAF logger, a work-sharing scheduler (`quiet_sharing`, CAF's work sharing with
/// fewer wake-ups) with scheduler_workers(hardware threads) workers (the work-stealing
/// default spins idle workers: 28 ms of CPU per Task against 5-6 ms, bench/README.md), and
/// the "kelos" error category. Call it once per config: it loads the scheduler module.
void configure_actor_system(caf::actor_system_config& cfg);

} // namespace kelos
