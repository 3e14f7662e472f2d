#include "actors/spawner/spawner_actor.hpp"

#include "actors/spawner/cycle.hpp"
#include "actors/spawner/poller_actor.hpp"
#include "k8s/client/request.hpp"
#include "k8s/resource_registry.hpp"
#include "runtime/caf_error.hpp"
#include "runtime/log.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <charconv>
#include <map>
#include <set>

namespace kelos::spawner {
namespace {

using k8s::json;

const k8s::resource_info& resource(std::string_view kind) {
  static const auto registry = k8s::resource_registry::with_builtins();
  return *registry.by_kind(k8s::kelos_api_version, kind);
}

/// One plan being executed.
struct cycle_run {
  k8s::task_spawner spawner;
  cycle_input in;
  cycle_plan plan;
  int outstanding = 0;
  int64_t created = 0;
  std::vector<skipped_item> failures;
};

struct spawner_state {
  kube_actor kube;
  caf::actor credentials;
  std::shared_ptr<const spawner_context> ctx;
  json object;
  k8s::task_spawner spawner;
  std::vector<std::string> spec_errors;
  caf::actor poller;
  std::map<std::string, owned_task> tasks;
  std::set<std::string> inflight;
  int64_t total_created = 0;
  std::vector<sources::work_item> pending;
  std::optional<discovery_outcome> fresh;
  bool discovered_once = false;
  bool busy = false;
  bool dirty = false;
  /// When the running cycle started (`kelos_reconcile_duration_seconds{controller="taskspawner"}`).
  std::chrono::steady_clock::time_point cycle_started;

  ~spawner_state() {
    if (poller)
      caf::anon_send_exit(poller, caf::exit_reason::user_shutdown);
  }
  static inline const char* name = "kelos.spawner";
};

using self_ptr = caf::stateful_actor<spawner_state>*;

void request_cycle(self_ptr self);

std::string id(const spawner_state& st) { return st.spawner.meta.namespace_ + "/" + st.spawner.meta.name; }

bool owns(const spawner_state& st, const owned_task& t) {
  return t.controller_uid.empty() || t.controller_uid == st.spawner.meta.uid;
}

int64_t slots_in_use(const spawner_state& st) {
  int64_t n = int64_t(st.inflight.size());
  for (const auto& [name, t] : st.tasks)
    if (owns(st, t) && !t.terminal() && !st.inflight.count(name))
      ++n;
  return n;
}

int64_t owned_count(const spawner_state& st) {
  int64_t n = 0;
  for (const auto& [name, t] : st.tasks)
    n += owns(st, t) ? 1 : 0;
  return n;
}

/// True when `a` is an older resourceVersion than `b` (numeric versions only).
bool older(const std::string& a, const std::string& b) {
  uint64_t x = 0, y = 0;
  auto pa = std::from_chars(a.data(), a.data() + a.size(), x);
  auto pb = std::from_chars(b.data(), b.data() + b.size(), y);
  if (pa.ec != std::errc{} || pb.ec != std::errc{} || pa.ptr != a.data() + a.size() || pb.ptr != b.data() + b.size())
    return false;
  return x < y;
}

/// Appends the items of `extra` whose id `items` lacks.
void add_missing(std::vector<sources::work_item>& items, const std::vector<sources::work_item>& extra) {
  for (const auto& e : extra)
    if (std::none_of(items.begin(), items.end(), [&](const auto& i) { return i.id == e.id; }))
      items.push_back(e);
}

void stop_poller(self_ptr self) {
  auto& st = self->state;
  if (!st.poller)
    return;
  self->send_exit(st.poller, caf::exit_reason::user_shutdown);
  st.poller = nullptr;
}

/// Takes a new version of the TaskSpawner object; reconfigures when the spec changed.
void take_object(self_ptr self, json object, bool initial) {
  auto& st = self->state;
  auto decoded = k8s::decode_task_spawner(object);
  auto old_generation = st.spawner.meta.generation;
  bool was_deleting = st.spawner.meta.is_deleting();
  st.object = std::move(object);
  if (!decoded) {
    st.spawner.meta = k8s::parse_object_meta(st.object);
    st.spec_errors = {decoded.error().message};
    stop_poller(self);
    request_cycle(self);
    return;
  }
  st.spawner = std::move(*decoded);
  st.total_created = std::max(st.total_created, st.spawner.status.total_tasks_created);
  bool spec_changed = initial || st.spawner.meta.generation != old_generation
                      || st.spawner.meta.is_deleting() != was_deleting;
  if (!spec_changed)
    return;
  st.spec_errors = runtime_spec_errors(st.spawner.spec);
  if (st.spawner.meta.is_deleting()) {
    stop_poller(self); // Tasks go with the spawner through their owner references
    return;
  }
  if (!st.spec_errors.empty() || st.spawner.spec.suspend) {
    if (!st.spec_errors.empty())
      logging::warn({"spawner", id(st)}, "invalid spec: {}", st.spec_errors.front());
    stop_poller(self);
    request_cycle(self);
    return;
  }
  if (!st.poller) {
    st.poller = spawn_poller(self, caf::actor_cast<caf::actor>(self), st.kube, st.credentials, st.ctx, st.object);
    if (st.discovered_once)
      request_cycle(self); // resumed: leave Suspended/Failed at once
  } else {
    self->send(st.poller, atom::init::value, json_doc{st.object});
  }
}

/// A cycle ended: count it as one reconcile of the TaskSpawner controller.
void finish_cycle(self_ptr self, metrics::reconcile_result result = metrics::reconcile_result::success) {
  auto& st = self->state;
  if (st.busy && st.ctx->metrics) {
    st.ctx->metrics->reconcile_total.with({"taskspawner", metrics::to_string(result)}).inc();
    st.ctx->metrics->reconcile_duration.with({"taskspawner"}).observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - st.cycle_started).count());
  }
  st.busy = false;
  if (st.dirty) {
    st.dirty = false;
    request_cycle(self);
  }
}

void write_status(self_ptr self, k8s::task_spawner_status status, int attempt) {
  auto& st = self->state;
  if (k8s::encode_status(status) == k8s::encode_status(st.spawner.status) || st.object.is_null()) {
    finish_cycle(self);
    return;
  }
  json body = st.object;
  body["status"] = k8s::encode_status(status);
  const auto& res = resource("TaskSpawner");
  auto ns = st.spawner.meta.namespace_;
  auto name = st.spawner.meta.name;
  self->request(st.kube, caf::infinite, atom::call::value, k8s::update_status_request(res, ns, name, body))
    .then(
      [=](json_doc& doc) {
        take_object(self, std::move(doc.value), false);
        finish_cycle(self);
      },
      [=](caf::error& err) {
        auto e = from_caf_error(err);
        auto& st = self->state;
        if (e.code == errc::not_found) {
          finish_cycle(self);
          return;
        }
        if (e.code == errc::conflict && attempt < 5) {
          self->request(st.kube, caf::infinite, atom::call::value, k8s::get_request(res, ns, name))
            .then(
              [=](json_doc& doc) {
                take_object(self, std::move(doc.value), false);
                write_status(self, status, attempt + 1);
              },
              [=](caf::error&) {
                finish_cycle(self, metrics::reconcile_result::error);
                self->delayed_send(self, self->state.ctx->write_retry, atom::retry::value);
              });
          return;
        }
        logging::warn({"spawner", id(st)}, "writing status: {}", e.message);
        finish_cycle(self, metrics::reconcile_result::error);
        self->delayed_send(self, st.ctx->write_retry, atom::retry::value);
      });
}

void settle(self_ptr self, const std::shared_ptr<cycle_run>& run) {
  auto& st = self->state;
  st.total_created += run->created;
  auto status = settle_status(run->in, run->plan, run->created, run->failures);
  status.active_tasks = slots_in_use(st);
  write_status(self, std::move(status), 0);
}

void one_done(self_ptr self, const std::shared_ptr<cycle_run>& run) {
  if (--run->outstanding == 0)
    settle(self, run);
}

void run_cycle(self_ptr self) {
  auto& st = self->state;
  auto run = std::make_shared<cycle_run>();
  run->spawner = st.spawner;
  auto& in = run->in;
  in.spawner = &run->spawner;
  in.spec_errors = st.spec_errors;
  bool fresh = st.fresh.has_value();
  if (fresh) {
    in.fresh_discovery = true;
    in.items = std::move(st.fresh->items);
    in.discovery_error = std::move(st.fresh->error);
    st.fresh.reset();
    if (st.spawner.spec.cron) // a missed tick stays pending until a slot frees
      add_missing(in.items, st.pending);
  } else {
    in.items = st.pending;
  }
  for (const auto& [name, t] : st.tasks)
    in.tasks.push_back(t);
  in.slots_in_use = slots_in_use(st);
  in.total_created = std::max(st.total_created, owned_count(st));
  st.total_created = in.total_created;
  in.now = st.ctx->clock();
  run->plan = plan_cycle(in);
  const auto& plan = run->plan;
  bool executed = st.spec_errors.empty() && !st.spawner.spec.suspend && !in.discovery_error;
  if (executed) {
    st.pending = plan.pending;
    st.ctx->waiting->set(self->id(), metrics::wait_reason::concurrency, plan.held_by_concurrency);
  } else if (!st.spec_errors.empty() || st.spawner.spec.suspend) {
    // A suspended or invalid spawner holds nothing back for lack of a slot.
    st.ctx->waiting->clear(self->id());
  }
  for (const auto& s : plan.skipped)
    logging::warn({"spawner", id(st)}, "item {} skipped: {}", s.item_id, s.reason);

  st.busy = true;
  st.cycle_started = std::chrono::steady_clock::now();
  run->outstanding = 1 + int(plan.create.size() + plan.remove.size());
  const auto& tasks = resource("Task");
  const auto ns = st.spawner.meta.namespace_;
  for (const auto& task : plan.create) {
    std::string name = task["metadata"]["name"];
    st.inflight.insert(name);
    self->request(st.kube, caf::infinite, atom::call::value, k8s::create_request(tasks, ns, task))
      .then(
        [=](json_doc& doc) {
          auto& st = self->state;
          st.inflight.erase(name);
          if (!st.tasks.count(name))
            st.tasks[name] = owned_task_of(doc.value);
          ++run->created;
          logging::info({"spawner", id(st)}, "created Task {}", name);
          one_done(self, run);
        },
        [=](caf::error& err) {
          auto& st = self->state;
          st.inflight.erase(name);
          auto e = from_caf_error(err);
          run->failures.push_back({name, e.code == errc::already_exists
                                             ? "a Task with this name exists and is not this spawner's"
                                             : e.message});
          logging::warn({"spawner", id(st)}, "creating Task {}: {}", name, e.message);
          one_done(self, run);
        });
  }
  for (const auto& name : plan.remove) {
    logging::info({"spawner", id(st)}, "deleting finished Task {} for a newer trigger comment", name);
    self->request(st.kube, caf::infinite, atom::call::value, k8s::delete_request(tasks, ns, name))
      .then([=](json_doc&) { one_done(self, run); },
            [=](caf::error& err) {
              auto e = from_caf_error(err);
              if (e.code != errc::not_found)
                logging::warn({"spawner", id(self->state)}, "deleting Task {}: {}", name, e.message);
              one_done(self, run);
            });
  }
  one_done(self, run);
}

void request_cycle(self_ptr self) {
  auto& st = self->state;
  if (st.busy) {
    st.dirty = true;
    return;
  }
  if (st.spawner.meta.is_deleting())
    return;
  // Before the first discovery only a suspended or invalid spawner has a status to write.
  if (!st.discovered_once && !st.fresh && st.spec_errors.empty() && !st.spawner.spec.suspend)
    return;
  run_cycle(self);
}

void on_task(self_ptr self, const json& object) {
  auto& st = self->state;
  auto t = owned_task_of(object);
  if (t.name.empty())
    return;
  auto before = slots_in_use(st);
  st.tasks[t.name] = std::move(t);
  if (slots_in_use(st) != before)
    request_cycle(self);
}

void on_task_gone(self_ptr self, const std::string& name) {
  auto& st = self->state;
  auto before = slots_in_use(st);
  st.tasks.erase(name);
  if (slots_in_use(st) != before || !st.pending.empty())
    request_cycle(self);
}

caf::behavior spawner_behavior(self_ptr self, kube_actor kube, caf::actor credentials,
                               std::shared_ptr<const spawner_context> ctx, json_doc object, object_list tasks) {
  auto& st = self->state;
  st.kube = std::move(kube);
  st.credentials = std::move(credentials);
  st.ctx = std::move(ctx);
  for (const auto& t : tasks.items) {
    auto o = owned_task_of(t);
    if (!o.name.empty())
      st.tasks[o.name] = std::move(o);
  }
  take_object(self, std::move(object.value), true);
  st.total_created = std::max(st.total_created, owned_count(st));
  self->attach_functor([waiting = st.ctx->waiting, id = self->id()] { waiting->clear(id); });
  // The spawner actor ends with its TaskSpawner (or the process): drop its series.
  if (st.ctx->metrics)
    self->attach_functor([m = st.ctx->metrics, spawner = id(st)] { m->forget_spawner(spawner); });
  return {
    [=](atom::init, json_doc& doc) {
      auto rv = k8s::get_string(doc.value.value("metadata", json::object()), "resourceVersion");
      if (older(rv, self->state.spawner.meta.resource_version))
        return;
      take_object(self, std::move(doc.value), false);
    },
    [=](atom::apply, const json_doc& doc) { on_task(self, doc.value); },
    [=](atom::remove, const std::string& name) { on_task_gone(self, name); },
    [=](atom::wake, const std::string& kind, const std::string& name) {
      auto& st = self->state;
      const auto& ws = st.spawner.spec.task_template.spec.workspace_ref;
      if (st.poller && kind == "Workspace" && ws && *ws == name)
        self->send(st.poller, atom::wake::value);
    },
    [=](atom::response, discovery_outcome& out) {
      auto& st = self->state;
      if (!st.poller || caf::actor_cast<caf::actor_addr>(self->current_sender()) != st.poller.address())
        return; // a stopped poller's last words
      if (out.error)
        logging::warn({"spawner", id(st)}, "discovery failed: {}", out.error->message);
      st.discovered_once = true;
      if (st.fresh && st.spawner.spec.cron && !out.error) // a tick not yet planned is not dropped
        add_missing(out.items, st.fresh->items);
      st.fresh = std::move(out);
      request_cycle(self);
    },
    [=](atom::retry) { request_cycle(self); },
  };
}

} // namespace

caf::actor spawn_spawner(caf::local_actor* parent, kube_actor kube, caf::actor credentials,
                         std::shared_ptr<const spawner_context> ctx, const k8s::json& spawner,
                         std::vector<k8s::json> tasks) {
  return parent->spawn(spawner_behavior, std::move(kube), std::move(credentials), std::move(ctx), json_doc{spawner},
                       object_list{std::move(tasks)});
}

} // namespace kelos::spawner
