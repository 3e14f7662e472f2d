// kelos-controller: the Kelos operator. One CAF actor system: the KUBE actor (all API
// I/O), the Task supervisor with its gate, lock and Task actors; metrics and health on
// their own HTTP endpoints. Runs in a cluster (in-cluster config) or against any
// kubeconfig (kind, the embedded API server of local mode). SIGTERM/SIGINT stop it
// gracefully: actors first, then the transport, then the endpoints.

#include "cli/controller_options.hpp"
#include "cli/controller_runtime.hpp"
#include "cli/shutdown_watchdog.hpp"
#include "actors/leader/leader_elector.hpp"
#include "actors/kube_transport.hpp"
#include "k8s/client/http_client.hpp"
#include "k8s/client/rest_config.hpp"
#include "runtime/actor_system_setup.hpp"
#include "runtime/log.hpp"
#include "runtime/metrics.hpp"
#include "runtime/ops_server.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <malloc.h>
#include <optional>
#include <random>
#include <pthread.h>
#include <unistd.h>

using namespace kelos;

namespace {

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0)
    return "kelos-controller";
  return buf;
}

/// The Lease holder identity: hostname + "_" + a random suffix, so a restarted pod (same
/// hostname) is a new candidate, as controller-runtime does (hostname + "_" + UUID).
std::string leader_identity() {
  std::random_device rd;
  std::uniform_int_distribution<uint32_t> d;
  char suffix[9];
  std::snprintf(suffix, sizeof suffix, "%08x", d(rd));
  return host_name() + "_" + suffix;
}

/// The namespace of the pod (the service-account namespace file), else kelos-system.
std::string default_lease_namespace() {
  std::ifstream in{"/var/run/secrets/kubernetes.io/serviceaccount/namespace"};
  std::string ns;
  std::getline(in, ns);
  while (!ns.empty() && std::isspace(static_cast<unsigned char>(ns.back())))
    ns.pop_back();
  return ns.empty() ? "kelos-system" : ns;
}

/// glibc gives threads that contend for malloc arenas of their own, up to eight per core,
/// and memory freed into one arena is not reused by another. The controller's caches and
/// actors are allocated by whichever CAF worker or I/O thread runs, so after a burst its
/// resident size held the free space of every arena: 124 MiB at 10,000 Tasks against 65.5 MiB
/// with two arenas, at the same throughput (bench/README.md). MALLOC_ARENA_MAX, when set,
/// wins. Must run before any thread starts. Builds link jemalloc by default instead
/// (cmake/dependencies.cmake), which needs no such limit.
void limit_malloc_arenas() {
#ifndef KELOS_WITH_JEMALLOC
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr)
    mallopt(M_ARENA_MAX, 2);
#endif
}

} // namespace

int main(int argc, char** argv) {
  limit_malloc_arenas();
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = cli::parse_controller_options(args);
  if (!parsed) {
    std::cerr << "kelos-controller: " << parsed.error().message << "\n";
    return 2;
  }
  auto opts = std::move(*parsed);
  if (opts.help) {
    std::cout << cli::controller_usage();
    return 0;
  }
  logging::setup("kelos-controller", *logfmt::parse_format(opts.log_format),
                 spdlog::level::from_str(opts.log_level));

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  k8s::client::load_options lo;
  lo.kubeconfig_path = opts.kubeconfig;
  lo.context = opts.context;
  auto rest = k8s::client::load_rest_config(lo);
  if (!rest) {
    spdlog::error("kelos-controller: no usable cluster configuration: {}", rest.error().render());
    return 1;
  }
  auto client = k8s::http_client::make(transport_config_from(*rest));
  if (!client) {
    spdlog::error("kelos-controller: {}", client.error().render());
    return 1;
  }
  std::shared_ptr<k8s::http_client> http{std::move(*client)};
  // Fail fast with a clear message when the API server cannot be reached at all.
  if (auto reachable = cli::check_reachable(*http, std::chrono::seconds{15}); !reachable) {
    spdlog::error("kelos-controller: {}", reachable.error().message);
    return 1;
  }

  metrics::registry registry;
  auto task_metrics = metrics::task_metrics::register_in(registry);
  if (!task_metrics) {
    spdlog::error("kelos-controller: {}", task_metrics.error().render());
    return 1;
  }
  auto observability = metrics::controller_metrics::register_in(registry);
  if (!observability) {
    spdlog::error("kelos-controller: {}", observability.error().render());
    return 1;
  }
  auto ready = std::make_shared<std::atomic<bool>>(false);
  cli::leader_hooks election;
  election.leading = std::make_shared<std::atomic<bool>>(false);
  if (opts.leader_elect) {
    if (opts.leader_election_namespace.empty())
      opts.leader_election_namespace = default_lease_namespace();
    election.identity = leader_identity();
    auto gauge = leader::register_leader_metrics(registry);
    if (!gauge) {
      spdlog::error("kelos-controller: {}", gauge.error().render());
      return 1;
    }
    election.is_leader = *gauge;
    election.on_lost = [](const std::string& reason) {
      // controller-runtime's behaviour: a replica that lost the lease exits at once and
      // comes back (Deployment restart) as a standby.
      spdlog::error("kelos-controller: leader election lost ({}), exiting", reason);
      spdlog::default_logger()->flush();
      std::_Exit(1);
    };
  }
  const bool elect = opts.leader_elect;
  ops::ops_server_config metrics_cfg{opts.metrics_address, &registry, false, {}};
  // A standby is ready (a rolling update proceeds) and reports kelos_leader_is_leader 0;
  // the leader is ready once its caches have synced.
  ops::ops_server_config health_cfg{opts.health_address, nullptr, true,
                                    [ready, elect, leading = election.leading]() -> std::optional<std::string> {
                                      if (ready->load() || (elect && !leading->load()))
                                        return std::nullopt;
                                      return std::string{"caches not synced"};
                                    }};
  auto metrics_server = ops::ops_server::start(metrics_cfg);
  auto health_server = ops::ops_server::start(health_cfg);
  for (auto* s : {&metrics_server, &health_server})
    if (!*s) {
      spdlog::error("kelos-controller: {}", s->error().render());
      return 1;
    }

  caf::actor_system_config cfg;
  configure_actor_system(cfg);
  int exit_code = 0;
  std::optional<cli::shutdown_watchdog> watchdog;
  {
    caf::actor_system sys{cfg};
    auto controller = cli::start_controller(sys, http, opts, host_name(),
                                            std::make_shared<metrics::task_metrics>(*task_metrics), ready, election,
                                            std::make_shared<metrics::controller_metrics>(*observability));
    spdlog::info("kelos-controller: watching {} on {}",
                 opts.watch_namespace.empty() ? "all namespaces" : "namespace " + opts.watch_namespace,
                 http->endpoint());
    if (elect)
      spdlog::info("kelos-controller: leader election on Lease {}/{} as {}; reconciling once elected",
                   opts.leader_election_namespace, opts.leader_election_id, election.identity);

    int sig = 0;
    sigwait(&stop_signals, &sig);
    // Bounded graceful shutdown (docs/operations.md, "Shutdown"): the orderly steps get
    // the bound minus a slice for tearing down the actor system and endpoints; the
    // watchdog ends the process at the bound whatever still hangs.
    const auto bound = opts.graceful_shutdown_timeout;
    const auto deadline = std::chrono::steady_clock::now() + bound;
    const auto steps_deadline = deadline - std::min<std::chrono::milliseconds>(bound / 10, std::chrono::seconds{2});
    spdlog::info("kelos-controller: signal {}, shutting down (bound {} ms)", sig, bound.count());
    watchdog.emplace("kelos-controller", deadline, bound);
    ready->store(false);
    watchdog->phase("stopping the controllers");
    auto report = cli::stop_controller(sys, controller, steps_deadline);
    if (!report.clean()) {
      std::string what;
      for (const auto& a : report.abandoned)
        what += (what.empty() ? "" : "; ") + a;
      spdlog::warn("kelos-controller: graceful shutdown reached its bound of {} ms; abandoned: {}", bound.count(),
                   what);
      exit_code = 1;
    }
    watchdog->phase("stopping the actor system");
  }
  if (watchdog)
    watchdog->phase("stopping the metrics and health endpoints");
  for (auto* s : {&metrics_server, &health_server})
    if (**s)
      (**s)->stop();
  http.reset();
  if (watchdog)
    watchdog->disarm();
  spdlog::info("kelos-controller: stopped{}", exit_code == 0 ? "" : " (graceful shutdown incomplete, exit code 1)");
  return exit_code;
}
