#include "cli/controller_runtime.hpp"

#include "actors/kube_actor.hpp"
#include "actors/leader/leader_elector.hpp"
#include "actors/spawner/spawner_supervisor.hpp"
#include "actors/task/task_supervisor.hpp"

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <mutex>

namespace kelos::cli {

/// The supervisors an elected replica started, shared between the elector's hooks and
/// stop_controller.
struct elected_work {
  std::mutex mu;
  bool stopping = false;
  caf::actor supervisor;
  caf::actor spawners;
};

namespace {

/// Starts only the KUBE actors and the elector; the supervisors follow the lease.
running_controller start_elected(caf::actor_system& sys, std::shared_ptr<k8s::http_client> http,
                                 const controller_options& opts, kube_actor kube,
                                 std::shared_ptr<const task::controller_context> ctx,
                                 std::shared_ptr<std::atomic<bool>> ready, const leader_hooks& leader) {
  auto work = std::make_shared<elected_work>();
  leader::elector_settings s;
  s.election.lease_namespace = opts.leader_election_namespace;
  s.election.lease_name = opts.leader_election_id;
  s.election.identity = leader.identity;
  s.election.lease_duration = opts.leader_election_lease_duration;
  s.election.renew_deadline = opts.leader_election_renew_deadline;
  s.election.retry_period = opts.leader_election_retry_period;
  s.is_leader = leader.is_leader;
  auto leading = leader.leading;
  s.hooks.started_leading = [&sys, kube, ctx, ready, opts, work, leading] {
    std::lock_guard<std::mutex> g{work->mu};
    if (work->stopping || work->supervisor)
      return;
    if (leading)
      *leading = true;
    work->supervisor = task::spawn_task_supervisor(sys, kube, ctx, ready);
    work->spawners = start_spawner_controller(sys, kube, opts, ctx->observability);
  };
  s.hooks.stopped_leading = [work, leading, on_lost = leader.on_lost](const std::string& reason) {
    {
      // Stop reconciling before anything else.
      std::lock_guard<std::mutex> g{work->mu};
      for (auto* a : {&work->supervisor, &work->spawners})
        if (*a)
          caf::anon_send_exit(*a, caf::exit_reason::kill);
      work->supervisor = nullptr;
      work->spawners = nullptr;
      if (leading)
        *leading = false;
    }
    if (on_lost)
      on_lost(reason);
  };
  // A KUBE actor of its own: renewals never queue behind the controllers' requests.
  running_controller rc;
  rc.kube = kube;
  kube_config ekc;
  ekc.metrics = ctx->observability;
  rc.elector_kube = spawn_kube(sys, make_http_transport(std::move(http)), ekc);
  rc.elector = leader::spawn_leader_elector(sys, rc.elector_kube, std::move(s));
  rc.elected = work;
  rc.lease = opts.leader_election_namespace + "/" + opts.leader_election_id;
  return rc;
}

} // namespace

running_controller start_controller(caf::actor_system& sys, std::shared_ptr<k8s::http_client> http,
                                    const controller_options& opts, const std::string& instance,
                                    std::shared_ptr<metrics::task_metrics> task_metrics,
                                    std::shared_ptr<std::atomic<bool>> ready, const leader_hooks& leader,
                                    std::shared_ptr<const metrics::controller_metrics> observability) {
  kube_config kc;
  kc.metrics = observability;
  kc.qps = opts.qps;
  kc.burst = opts.burst;
  kc.projection = task::project_cached;
  kc.decode_filter = task::decode_filter_cached;
  kc.cache_view = std::make_shared<kube_cache_view>();
  auto kube = spawn_kube(sys, make_http_transport(http), kc);

  auto ctx = std::make_shared<task::controller_context>();
  ctx->caches = kc.cache_view;
  ctx->reconcile.images = opts.images;
  ctx->watch_namespace = opts.watch_namespace;
  ctx->metrics = std::move(task_metrics);
  ctx->instance = instance;
  ctx->dependency_missing_timeout = opts.dependency_timeout;
  ctx->github_api_base = opts.github_api_base_url;
  if (observability) {
    ctx->observability = observability;
    ctx->waiting = std::make_shared<metrics::waiting_counts>(observability->tasks_waiting);
    ctx->slots->observe([m = observability](std::size_t in_use, std::size_t waiting) {
      m->reconcile_active.with({"task"}).set(static_cast<double>(in_use));
      m->reconcile_queue_depth.with({"task"}).set(static_cast<double>(waiting));
    });
  }
  if (opts.leader_elect)
    return start_elected(sys, std::move(http), opts, kube, ctx, std::move(ready), leader);
  auto supervisor = task::spawn_task_supervisor(sys, kube, ctx, std::move(ready));
  running_controller rc;
  rc.kube = kube;
  rc.supervisor = supervisor;
  rc.spawners = start_spawner_controller(sys, kube, opts, std::move(observability));
  return rc;
}

caf::actor start_spawner_controller(caf::actor_system& sys, kube_actor kube, const controller_options& opts,
                                    std::shared_ptr<const metrics::controller_metrics> observability) {
  auto ctx = std::make_shared<spawner::spawner_context>();
  if (observability) {
    ctx->waiting = std::make_shared<metrics::waiting_counts>(observability->tasks_waiting);
    ctx->metrics = std::move(observability);
  }
  ctx->watch_namespace = opts.watch_namespace;
  ctx->github_api_base = opts.github_api_base_url;
  return spawner::spawn_spawner_supervisor(sys, std::move(kube), std::move(ctx));
}

stop_report stop_controller(caf::actor_system& sys, running_controller& controller,
                            std::chrono::steady_clock::time_point deadline) {
  using namespace std::chrono;
  stop_report report;
  auto remaining = [&] {
    return std::max(duration_cast<milliseconds>(deadline - steady_clock::now()), milliseconds{1});
  };
  caf::scoped_actor self{sys};
  if (controller.elected) {
    // No new leadership from here on; stop what the current one started.
    std::lock_guard<std::mutex> g{controller.elected->mu};
    controller.elected->stopping = true;
    controller.supervisor = controller.elected->supervisor;
    controller.spawners = controller.elected->spawners;
  }
  // 1. No new work: both supervisors (and with them every Task and spawner actor) stop.
  std::vector<std::pair<caf::actor, std::string>> supervisors;
  if (controller.supervisor)
    supervisors.emplace_back(controller.supervisor, "stopping the Task supervisor");
  if (controller.spawners)
    supervisors.emplace_back(controller.spawners, "stopping the TaskSpawner supervisor");
  for (auto& [a, what] : supervisors) {
    self->monitor(a);
    self->send_exit(a, caf::exit_reason::user_shutdown);
  }
  for (std::size_t left = supervisors.size(); left > 0; --left) {
    bool timed_out = false;
    self->receive(
      [&](const caf::down_msg& dm) {
        for (auto& s : supervisors)
          if (s.first && s.first.address() == dm.source)
            s.first = nullptr;
      },
      caf::after(remaining()) >> [&] { timed_out = true; });
    if (timed_out)
      break;
  }
  for (auto& [a, what] : supervisors)
    if (a)
      report.abandoned.push_back(what);
  // 2. In-flight writes finish. With leader election a third of what is left is kept
  // for the release.
  if (controller.kube) {
    auto budget = remaining();
    if (controller.elector)
      budget -= budget / 3;
    // The KUBE actor answers at 90% of the budget with what is still pending; the
    // request's own timeout only catches an actor that does not answer at all.
    auto own = caf::timespan{duration_cast<nanoseconds>(budget - budget / 10)};
    bool answered = false;
    self->request(caf::actor_cast<caf::actor>(controller.kube), budget, atom::shutdown::value, own)
      .receive(
        [&](std::vector<std::string>& pending) {
          answered = true;
          for (auto& p : pending)
            report.abandoned.push_back("API write " + p);
        },
        [&](const caf::error&) {});
    if (!answered)
      report.abandoned.push_back("waiting for in-flight API writes (the KUBE actor did not answer)");
  }
  // 3. Every write has finished: hand the lease over (a no-op when not leading).
  if (controller.elector) {
    self->request(controller.elector, remaining(), atom::release::value)
      .receive([](atom::ok) {},
               [&](const caf::error&) {
                 report.abandoned.push_back("releasing the Lease " + controller.lease +
                                            " (it expires by itself after the lease duration)");
                 // The elector still waits for its write; the actor system must not.
                 self->send_exit(controller.elector, caf::exit_reason::kill);
               });
  }
  // 4. Watches close; the transport stays with its owner.
  if (controller.elector_kube)
    self->send_exit(controller.elector_kube, caf::exit_reason::user_shutdown);
  if (controller.kube)
    self->send_exit(controller.kube, caf::exit_reason::user_shutdown);
  controller = {};
  return report;
}

bool stop_controller(caf::actor_system& sys, running_controller& controller, std::chrono::milliseconds grace) {
  return stop_controller(sys, controller, std::chrono::steady_clock::now() + grace).clean();
}

kelos::expected<void> check_reachable(k8s::http_client& http, std::chrono::milliseconds timeout) {
  auto version = http.send_sync(k8s::http_request{"GET", "/version", {}, {}, {}, false, true}, timeout);
  if (version && version->status == 200)
    return {};
  return kelos::error{errc::connection_failed,
                      "API server " + http.endpoint() + " is not reachable: " +
                          (version ? "HTTP " + std::to_string(version->status) : version.error().render())};
}

} // namespace kelos::cli
