#pragma once

/// Local mode's process: the embedded API server and, in one actor system, a Job
/// controller, a local node and the Kelos Task controller. The Task controller is the
/// same one `kelos-controller` runs (cli/controller_runtime.hpp) and talks to the API
/// server over HTTP through the written kubeconfig, exactly as in a cluster; only the
/// Job controller and the node know that they run locally.

#include "cli/local/up_options.hpp"
#include "runtime/error.hpp"

#include <functional>
#include <memory>
#include <string>

namespace kelos::local {

/// Where the node finds the agent entrypoints and kelos-capture; resolved from the flags,
/// $KELOS_AGENTS_DIR, the installed layout beside the binary, then the source tree.
struct local_assets {
  std::filesystem::path agents_dir;
  std::filesystem::path capture_binary;
};

/// Resolves the assets; errors say what is missing and which flag sets it.
kelos::expected<local_assets> find_local_assets(const up_options& opts, const std::filesystem::path& self_exe);

class local_cluster {
public:
  using progress_fn = std::function<void(const std::string&)>;

  /// Starts everything in order (state directory, API server, kubeconfig, CRDs, Job
  /// controller, node, Task controller) and returns once the Task controller's caches have
  /// synced. `progress` gets one line per step. On error, everything started is stopped.
  static kelos::expected<std::unique_ptr<local_cluster>> start(const up_options& opts, const local_assets& assets,
                                                               const progress_fn& progress);
  ~local_cluster();
  local_cluster(const local_cluster&) = delete;
  local_cluster& operator=(const local_cluster&) = delete;

  /// "http://127.0.0.1:PORT".
  std::string url() const;
  /// The kubeconfig written for this cluster (context kelos-local).
  std::filesystem::path kubeconfig() const;

  /// Stops the controllers (running pods are killed), then the API server. Idempotent.
  void stop();

  struct impl;

private:
  explicit local_cluster(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

/// Installs (or updates) the Kelos CRDs through `kubeconfig` and waits until the Task and
/// TaskSpawner resources are served.
kelos::expected<void> install_crds(const std::filesystem::path& kubeconfig, std::chrono::seconds wait);

} // namespace kelos::local
