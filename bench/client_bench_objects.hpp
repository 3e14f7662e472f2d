#pragma once

// Synthetic Kubernetes objects for the client benchmarks (bench/ only).

#include "k8s/json.hpp"

#include <chrono>
#include <ctime>
#include <cstdio>
#include <malloc.h>
#include <string>

namespace kelos::bench {

/// A Task-like object of roughly 1 KiB when serialized.
inline k8s::json make_task(int i, int rv) {
  auto name = "task-" + std::to_string(i);
  return {
    {"apiVersion", "kelos.dev/v1alpha1"},
    {"kind", "Task"},
    {"metadata",
     {{"name", name},
      {"namespace", "ns-" + std::to_string(i % 10)},
      {"uid", "6f1c2a3b-0000-4000-8000-" + std::to_string(100000000000LL + i)},
      {"resourceVersion", std::to_string(rv)},
      {"generation", 3},
      {"creationTimestamp", "2026-01-01T00:00:00Z"},
      {"labels", {{"kelos.dev/spawner", "spawner-" + std::to_string(i % 50)}, {"app", "bench"}}},
      {"annotations", {{"kelos.dev/source", "github.com/kelos-dev/kelos/issues/" + std::to_string(i)}}},
      {"finalizers", {"kelos.dev/cleanup"}}}},
    {"spec",
     {{"type", "claude-code"},
      {"prompt", "Fix the flaky test in the watch state machine and explain the root cause in the PR "
                 "description. Keep the change small, add a regression test, and run the full unit "
                 "suite before pushing. Issue text follows: the reflector sometimes misses deletes "
                 "after a relist because the buffer was applied incrementally instead of swapped."},
      {"credentials", {{"type", "api-key"}, {"secretRef", {{"name", "anthropic-key"}}}}},
      {"workspaceRef", {{"name", "kelos-repo"}}},
      {"branch", "kelos/" + name},
      {"ttlSecondsAfterFinished", 3600}}},
    {"status",
     {{"phase", i % 3 == 0 ? "Running" : "Pending"},
      {"jobName", name},
      {"podName", name + "-abcde"},
      {"startTime", "2026-01-01T00:00:05Z"},
      {"message", "waiting for branch lock"}}},
  };
}

/// The compact view a controller caches instead of the whole object.
struct task_summary {
  std::string phase;
  std::string branch;
  std::string resource_version;
};

inline task_summary summarize(const k8s::json& o) {
  task_summary s;
  if (auto st = o.find("status"); st != o.end() && st->is_object()) s.phase = st->value("phase", "");
  if (auto sp = o.find("spec"); sp != o.end() && sp->is_object()) s.branch = sp->value("branch", "");
  if (auto m = o.find("metadata"); m != o.end() && m->is_object()) s.resource_version = m->value("resourceVersion", "");
  return s;
}

/// Bytes currently allocated from the heap (glibc), for cache-size comparisons.
inline std::size_t heap_in_use() { return mallinfo2().uordblks; }

/// Wall and CPU time of a measured section. The machine is shared, so CPU time of this
/// thread is the figure that means "on one core"; wall time is printed for reference.
struct stopwatch {
  std::chrono::steady_clock::time_point wall0 = std::chrono::steady_clock::now();
  double cpu0 = thread_cpu_seconds();

  static double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  }
  double wall() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count(); }
  double cpu() const { return thread_cpu_seconds() - cpu0; }
};

} // namespace kelos::bench
