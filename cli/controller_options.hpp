#pragma once

/// Command-line options of `kelos-controller`, parsed purely (no I/O) so that every flag
/// and every error message is unit-tested. docs/reference/controller.md lists them.

#include "actors/task/job_builder.hpp"
#include "runtime/error.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace kelos::cli {

struct controller_options {
  /// Empty: $KUBECONFIG, then in-cluster, then ~/.kube/config (controller-runtime order).
  std::string kubeconfig;
  std::string context;
  /// Namespace scope; empty watches all namespaces.
  std::string watch_namespace;
  /// Go-style listen addresses; "0" disables.
  std::string metrics_address = ":8080";
  std::string health_address = ":8081";
  /// Agent and git helper images with pull policies.
  task::job_builder_config images = task::default_job_builder_config();
  /// Client-side rate limit towards the API server.
  double qps = 500;
  int burst = 1000;
  /// A Task whose dependency does not exist fails after this long.
  std::chrono::seconds dependency_timeout{600};
  /// GitHub REST API base for every TaskSpawner's GitHub source and App token exchange
  /// ("" = from the repository host: api.github.com or https://<host>/api/v3).
  std::string github_api_base_url;
  std::string log_level = "info";
  /// `--log-format`: "text" (default) or "json", one object per line (docs/operations.md).
  std::string log_format = "text";
  /// `--graceful-shutdown-timeout`: after SIGTERM/SIGINT the process exits within this
  /// bound, abandoning whatever has not finished (controller-runtime's
  /// GracefulShutdownTimeout, 30 s by default).
  std::chrono::milliseconds graceful_shutdown_timeout{30000};
  /// Leader election on a coordination.k8s.io/v1 Lease (off by default, as the original's
  /// --leader-elect); docs/operations.md.
  bool leader_elect = false;
  std::string leader_election_id = "kelos-controller-leader-election";
  /// "" = the in-cluster namespace file, else "kelos-system" (resolved at start-up).
  std::string leader_election_namespace;
  std::chrono::milliseconds leader_election_lease_duration{15000};
  std::chrono::milliseconds leader_election_renew_deadline{10000};
  std::chrono::milliseconds leader_election_retry_period{2000};
  bool help = false;
};

/// Parses `args` (without the program name). Errors are `invalid_config` naming the flag.
/// Accepts `--flag value` and `--flag=value`.
kelos::expected<controller_options> parse_controller_options(const std::vector<std::string>& args);

/// The usage text printed by --help.
std::string controller_usage();

} // namespace kelos::cli
