#include "actors/task/task_effects.hpp"

#include "k8s/client/request.hpp"
#include "k8s/event_builder.hpp"
#include "runtime/caf_error.hpp"
#include "runtime/metrics.hpp"
#include "runtime/log.hpp"

#include <spdlog/spdlog.h>


namespace kelos::task {
namespace {

std::string spawner_of(const k8s::task& t) {
  auto it = t.meta.labels.find("kelos.dev/taskspawner");
  return it == t.meta.labels.end() ? std::string{} : it->second;
}

} // namespace

void post_event(caf::event_based_actor* self, const kube_actor& kube, const controller_context& ctx,
                const k8s::json& involved, std::string_view type, std::string_view reason, std::string_view message) {
  static k8s::event_name_sequence names;
  auto now = ctx.now ? ctx.now() : k8s::now();
  auto event = k8s::build_event(involved, type, reason, message, now, "kelos-controller", ctx.instance, names.next(now));
  const auto* events = &resource_of("v1", "Event");
  auto ns = k8s::get_string(event["metadata"], "namespace");
  std::string what = std::string{reason};
  std::string object = ns + "/" + k8s::get_string(involved["metadata"], "name");
  auto recorder = ctx.events;
  auto on_error = [what, object, recorder, event](caf::error& err) {
    if (recorder)
      recorder->forget(event);
    logging::warn({"event recorder", object}, "event {} not recorded: {}", what, from_caf_error(err).render());
  };
  k8s::event_action action = recorder ? recorder->observe(event, now) : k8s::event_action{k8s::event_create{}};
  if (auto* patch = std::get_if<k8s::event_patch>(&action)) {
    auto req = k8s::patch_request(*events, ns, patch->name, k8s::patch_type::merge,
                                  k8s::event_patch_body(patch->count, now).dump());
    if (req) {
      self->request(kube, caf::infinite, atom::call_text::value, std::move(*req)).then([](std::string&) {}, on_error);
      return;
    }
  }
  self->request(kube, caf::infinite, atom::call_text::value, k8s::create_request(*events, ns, event))
    .then([](std::string&) {}, on_error);
}

void record_reconcile_error(const controller_context& ctx) {
  if (ctx.metrics)
    ctx.metrics->reconcile_errors.with({"task"}).inc();
}

void record_created(const controller_context& ctx, const k8s::task& t) {
  if (ctx.metrics)
    ctx.metrics->task_created.with({t.meta.namespace_, t.spec.type}).inc();
}

void record_completed(const controller_context& ctx, const k8s::task& t, std::string_view phase,
                      std::optional<double> duration_seconds) {
  if (!ctx.metrics)
    return;
  std::string p{phase};
  ctx.metrics->task_completed.with({t.meta.namespace_, t.spec.type, p}).inc();
  if (duration_seconds && *duration_seconds >= 0)
    ctx.metrics->task_duration.with({t.meta.namespace_, t.spec.type, p}).observe(*duration_seconds);
}

void record_usage(const controller_context& ctx, const k8s::task& t, const std::map<std::string, std::string>& results) {
  if (ctx.metrics)
    ctx.metrics->record_usage(t.meta.namespace_, t.spec.type, spawner_of(t), t.spec.model, results);
}

} // namespace kelos::task
