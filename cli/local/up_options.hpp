#pragma once

/// Options of `kelos up` and `kelos down` (local mode) and the file layout of a local
/// installation, parsed purely so every flag and error is unit-tested.
/// docs/local-mode.md lists them.

#include "runtime/error.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace kelos::local {

/// Where local mode keeps its state, all under one directory (default ~/.kelos/local).
struct local_paths {
  std::filesystem::path root;
  std::filesystem::path data() const { return root / "data"; }            ///< API server WAL + snapshots
  std::filesystem::path kubeconfig() const { return root / "kubeconfig"; }
  std::filesystem::path pods() const { return root / "pods"; }             ///< per-pod sandbox directories
  std::filesystem::path repos() const { return root / "repos"; }           ///< local git repos pods may push to
  std::filesystem::path pid_file() const { return root / "kelos.pid"; }
  std::filesystem::path log_file() const { return root / "kelos.log"; }
  std::filesystem::path lock_file() const { return root / "kelos.lock"; }
};

struct up_options {
  /// State directory (`--home`, else $KELOS_HOME/local, else ~/.kelos/local).
  local_paths paths;
  /// API server port on 127.0.0.1; 0 picks a free one.
  uint16_t port = 0;
  bool tls = false;
  /// Run in the background (pid file, log file); returns once everything is ready.
  bool detach = false;
  /// Create the demo repository, Workspace and Task and follow the Task.
  bool demo = false;
  /// Kubeconfig that receives the `kelos-local` context (empty: $KUBECONFIG's first file,
  /// else ~/.kube/config); `--no-kubeconfig-merge` leaves it alone.
  std::string merge_kubeconfig;
  bool merge = true;
  /// Image map replacing the built-in one.
  std::string image_map;
  /// Host directories pods may write (bound read-write); the repos directory always is.
  std::vector<std::string> writable_paths;
  /// Overrides of where the agent entrypoints and kelos-capture are found.
  std::string agents_dir;
  std::string capture_binary;
  std::string log_level = "info";
  bool help = false;
};

struct down_options {
  local_paths paths;
  /// Seconds to wait for a clean stop before SIGKILL.
  int timeout_seconds = 30;
  bool help = false;
};

/// `env` holds the environment variables the parser reads (HOME, KELOS_HOME, KUBECONFIG).
/// Errors are `invalid_config` naming the flag.
kelos::expected<up_options> parse_up_options(const std::vector<std::string>& args,
                                             const std::map<std::string, std::string>& env);
kelos::expected<down_options> parse_down_options(const std::vector<std::string>& args,
                                                 const std::map<std::string, std::string>& env);

/// The kubeconfig the local context is merged into: the first entry of $KUBECONFIG, else
/// $HOME/.kube/config.
std::string default_user_kubeconfig(const std::map<std::string, std::string>& env);

std::string up_usage();
std::string down_usage();

} // namespace kelos::local
