#pragma once

// The local node of local mode: plays kubelet (and scheduler) for one machine. It watches
// Pods, binds unscheduled ones to itself, and runs each pod assigned to it as host
// processes in bubblewrap sandboxes: init containers one at a time, then the containers.
// Status goes to pods/status, output to the API server's pod log store.
//
// Guarantees:
// 1. A pod runs at most once per node process; terminal pods (Succeeded/Failed) are never
//    re-run. A Pending/Running pod found with no live process (the node restarted) is re-run
//    from a clean pod directory with its restartCount raised.
// 2. Deleting a pod (or activeDeadlineSeconds passing) sends SIGTERM to every process of
//    the sandbox and SIGKILL after terminationGracePeriodSeconds (default 30); every
//    process is reaped. Stopping the actor kills every sandbox at once.
// 3. Nothing is written outside `pods_dir` (one directory per pod, removed when the pod is
//    deleted); the host root is read-only inside the sandbox.
// Caveats: restartPolicy is treated as Never; volume types other than emptyDir, secret and
// configMap fail the pod. See docs/local-mode-node.md.

#include "actors/actors.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace kelos {

struct local_node_config {
  std::string node_name = "kelos-local";
  /// One directory per pod is created under it.
  std::filesystem::path pods_dir;
  /// Image map file; empty: the built-in deploy/local/image-map.yaml.
  std::filesystem::path image_map_path;
  /// Holds <type>/kelos_entrypoint.sh (${KELOS_AGENTS_DIR} of the image map).
  std::filesystem::path agents_dir;
  /// kelos-capture binary (${KELOS_CAPTURE}).
  std::filesystem::path capture_binary;
  /// Host directories bound read-write at the same path in every sandbox.
  std::vector<std::filesystem::path> writable_paths;
  /// The bubblewrap binary (a name searched on PATH, or a path).
  std::string bwrap = "bwrap";
  /// Container output (whole lines) and end of output, per container.
  std::function<void(std::string_view ns, std::string_view pod, std::string_view container, std::string_view text)>
    log_append;
  std::function<void(std::string_view ns, std::string_view pod, std::string_view container)> log_finish;
};

/// Spawns the node. A broken image map file is reported by every pod that needs it (the
/// pod fails naming the file), never by refusing to start.
caf::actor spawn_local_node(caf::actor_system& sys, kube_actor kube, local_node_config cfg);

} // namespace kelos
