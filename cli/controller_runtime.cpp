#include "cli/controller_runtime.hpp"

#include "actors/kube_actor.hpp"
#include "actors/spawner/spawner_supervisor.hpp"
#include "actors/task/task_supervisor.hpp"

#include <caf/scoped_actor.hpp>

namespace kelos::cli {

running_controller start_controller(caf::actor_system& sys, std::shared_ptr<k8s::http_client> http,
                                    const controller_options& opts, const std::string& instance,
                                    std::shared_ptr<metrics::task_metrics> task_metrics,
                                    std::shared_ptr<std::atomic<bool>> ready) {
  kube_config kc;
  kc.qps = opts.qps;
  kc.burst = opts.burst;
  kc.projection = task::project_cached;
  auto kube = spawn_kube(sys, make_http_transport(std::move(http)), kc);

  auto ctx = std::make_shared<task::controller_context>();
  ctx->reconcile.images = opts.images;
  ctx->watch_namespace = opts.watch_namespace;
  ctx->metrics = std::move(task_metrics);
  ctx->instance = instance;
  ctx->dependency_missing_timeout = opts.dependency_timeout;
  ctx->github_api_base = opts.github_api_base_url;
  auto supervisor = task::spawn_task_supervisor(sys, kube, ctx, std::move(ready));
  return {kube, supervisor, start_spawner_controller(sys, kube, opts)};
}

caf::actor start_spawner_controller(caf::actor_system& sys, kube_actor kube, const controller_options& opts) {
  auto ctx = std::make_shared<spawner::spawner_context>();
  ctx->watch_namespace = opts.watch_namespace;
  ctx->github_api_base = opts.github_api_base_url;
  return spawner::spawn_spawner_supervisor(sys, std::move(kube), std::move(ctx));
}

bool stop_controller(caf::actor_system& sys, running_controller& controller, std::chrono::milliseconds grace) {
  bool stopped = true;
  caf::scoped_actor self{sys};
  if (controller.supervisor) {
    self->monitor(controller.supervisor);
    self->send_exit(controller.supervisor, caf::exit_reason::user_shutdown);
    self->receive([](const caf::down_msg&) {}, caf::after(grace) >> [&] { stopped = false; });
  }
  if (controller.spawners) {
    self->monitor(controller.spawners);
    self->send_exit(controller.spawners, caf::exit_reason::user_shutdown);
    self->receive([](const caf::down_msg&) {}, caf::after(grace) >> [&] { stopped = false; });
  }
  if (controller.kube)
    self->send_exit(controller.kube, caf::exit_reason::user_shutdown);
  controller = {};
  return stopped;
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
