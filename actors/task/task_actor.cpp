#include "actors/task/task_actor.hpp"

#include "actors/task/cache_read.hpp"
#include "actors/task/github_token.hpp"
#include "actors/task/task_effects.hpp"
#include "actors/task/wait_reason.hpp"
#include "k8s/client/field_filter.hpp"
#include "k8s/client/request.hpp"
#include "runtime/caf_error.hpp"
#include "runtime/log.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

namespace kelos::task {
namespace {

using k8s::json;

/// Everything one reconcile pass has read so far.
struct snapshot {
  json task_json;
  k8s::task task;
  std::optional<k8s::workspace> workspace;
  std::optional<k8s::agent_config> agent_config;
  observation obs;
};
using snapshot_ptr = std::shared_ptr<snapshot>;

struct task_state {
  task_id id;
  kube_actor kube;
  caf::actor supervisor;
  caf::actor gate;
  caf::actor lock;
  std::shared_ptr<const controller_context> ctx;
  bool busy = false;
  bool dirty = false;
  /// The GitHub App token refresher of this Task was started (or found unnecessary) by this
  /// actor; after a controller restart a running Task's refresher is started once again.
  bool token_refresh_checked = false;
  /// A reconcile slot (controller_context::slots) is held, or has been asked for.
  bool has_slot = false;
  bool awaiting_slot = false;
  /// Pod name announced by the supervisor (label kelos.dev/task).
  std::string pod_name;
  /// Objects returned by our own writes: used while the cache still holds an older version.
  json written_task;
  /// The Job as our create (or a read after AlreadyExists) returned it, unparsed: most
  /// passes find it in the cache and never need it.
  std::string created_job;
  std::chrono::steady_clock::time_point created_job_at;
  int failures = 0;
  /// The one pending timer (requeue_after): its due time and generation. A newer, earlier
  /// deadline replaces it; ticks of replaced timers are ignored, so timers never pile up.
  std::optional<std::chrono::steady_clock::time_point> timer_due;
  uint64_t timer_generation = 0;
  /// When the current reconcile pass started (`kelos_reconcile_duration_seconds`).
  std::optional<std::chrono::steady_clock::time_point> pass_started;
  static inline const char* name = "kelos.task";
};

using self_ptr = caf::stateful_actor<task_state>*;

std::optional<uint64_t> rv_number(const json& obj) {
  const json* rv = k8s::find_path(obj, "metadata.resourceVersion");
  if (!rv || !rv->is_string())
    return std::nullopt;
  const auto& s = rv->get_ref<const std::string&>();
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size())
    return std::nullopt;
  return v;
}

/// `cached` unless our own write returned a newer version of the same object; forgets
/// `written` once the cache has caught up with it.
json freshest(json cached, json& written) {
  if (written.is_null())
    return cached;
  auto a = rv_number(cached);
  auto b = rv_number(written);
  bool written_is_newer = !cached.is_null() && a && b && *b > *a &&
                          k8s::get_string(cached["metadata"], "uid") == k8s::get_string(written["metadata"], "uid");
  if (!written_is_newer) {
    written = nullptr; // the cache has caught up with (or moved past) our write, or the Task is gone
    return cached;
  }
  return written;
}

void reconcile(self_ptr self);

/// A reconcile pass ended: count it once (`kelos_reconcile_total{controller="task"}`).
void end_pass(self_ptr self, metrics::reconcile_result result) {
  auto& st = self->state;
  if (!st.pass_started)
    return;
  auto started = *st.pass_started;
  st.pass_started.reset();
  if (const auto& m = st.ctx->observability) {
    m->reconcile_total.with({"task", metrics::to_string(result)}).inc();
    m->reconcile_duration.with({"task"}).observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
}

/// The reconcile ended with nothing left to do at once: give the slot to the next Task.
void go_idle(self_ptr self) {
  auto& st = self->state;
  st.busy = false;
  if (st.has_slot) {
    st.has_slot = false;
    st.ctx->slots->release(self->id());
  }
}

void finish(self_ptr self, std::optional<std::chrono::milliseconds> requeue_after,
            std::optional<metrics::reconcile_result> result = std::nullopt) {
  auto& st = self->state;
  end_pass(self, result.value_or(requeue_after ? metrics::reconcile_result::requeue
                                               : metrics::reconcile_result::success));
  st.busy = false;
  if (requeue_after) {
    auto due = std::chrono::steady_clock::now() + *requeue_after;
    if (!st.timer_due || due < *st.timer_due) {
      st.timer_due = due;
      self->delayed_send(self, *requeue_after, atom::tick::value, ++st.timer_generation);
    }
  }
  if (st.dirty) {
    // Keep the slot: a Task finishes its pass (finalizer, Job, status) before the next
    // Task is admitted, so bursts complete in arrival order.
    st.dirty = false;
    reconcile(self);
    return;
  }
  go_idle(self);
}

/// A write failed: conflicts re-plan at once, anything else backs off.
void write_failed(self_ptr self, const std::string& what, const caf::error& err) {
  auto& st = self->state;
  auto e = from_caf_error(err);
  if (e.code == errc::conflict || e.code == errc::already_exists) {
    logging::debug({"task", to_string(st.id)}, "{}: {}, re-reading", what, e.render());
    st.dirty = true;
    finish(self, std::nullopt, metrics::reconcile_result::requeue);
    return;
  }
  record_reconcile_error(*st.ctx);
  st.failures = std::min(st.failures + 1, 16);
  auto delay = std::min<std::chrono::milliseconds>(st.ctx->retry_base * (1 << std::min(st.failures - 1, 10)),
                                                   st.ctx->retry_max);
  logging::warn({"task", to_string(st.id)}, "{} failed: {} (retrying in {} ms)", what, e.render(), delay.count());
  finish(self, delay, metrics::reconcile_result::error);
}

/// A merge patch setting the finalizer list, guarded by the observed resourceVersion
/// (a concurrent change gives 409 and a re-read). A patch, not a PUT, so fields the cache
/// does not keep (annotations, managedFields) are never written back.
std::string finalizer_patch(const json& task_json, bool present) {
  const auto& meta = task_json["metadata"];
  json list = meta.contains("finalizers") && meta["finalizers"].is_array() ? meta["finalizers"] : json::array();
  json out = json::array();
  for (auto& f : list)
    if (!(f.is_string() && f.get<std::string>() == task_finalizer))
      out.push_back(f);
  if (present)
    out.push_back(std::string{task_finalizer});
  json patch = {{"metadata", {{"finalizers", out}, {"resourceVersion", k8s::get_string(meta, "resourceVersion")}}}};
  return patch.dump();
}

void run_plan(self_ptr self, snapshot_ptr snap, std::shared_ptr<plan> p, size_t i);

/// Our write returned the Task: the plan's later steps work on it, and so does the next
/// pass until the cache catches up (`freshest`). One copy, one move.
void adopt_written_task(self_ptr self, snapshot& snap, json reply) {
  snap.task_json = reply;
  self->state.written_task = std::move(reply);
}

/// The name of the Job in a reply kept as text: checks that the whole reply is a JSON
/// object with a name, building nothing else.
kelos::expected<std::string> job_name_in(const std::string& reply) {
  static const auto name_only = [] {
    k8s::filter_node f;
    f.keep("metadata.name");
    return f;
  }();
  auto parsed = k8s::parse_filtered(reply, name_only);
  if (!parsed)
    return parsed.error();
  auto name = parsed->is_object() ? k8s::get_string((*parsed)["metadata"], "name") : std::string{};
  if (name.empty())
    return make_error(errc::parse_error, "the reply is not a Job");
  return name;
}

/// A Job we created or found, used while the cache does not show it yet.
void remember_job(self_ptr self, std::string job) {
  self->state.created_job = std::move(job);
  self->state.created_job_at = std::chrono::steady_clock::now();
}

/// Executes a KUBE call for step `i`; on success runs `after(reply)` and the next step.
void call_step(self_ptr self, snapshot_ptr snap, std::shared_ptr<plan> p, size_t i, k8s::http_request req,
               std::string what, std::function<void(json&)> after, bool not_found_ok = false) {
  self->request(self->state.kube, caf::infinite, atom::call::value, std::move(req))
    .then(
      [=](json_doc& reply) {
        after(reply.value);
        run_plan(self, snap, p, i + 1);
      },
      [=](caf::error& err) {
        if (not_found_ok && from_caf_error(err).code == errc::not_found) {
          run_plan(self, snap, p, i + 1);
          return;
        }
        write_failed(self, what, err);
      });
}

void run_plan(self_ptr self, snapshot_ptr snap, std::shared_ptr<plan> p, size_t i) {
  auto& st = self->state;
  if (i == p->actions.size()) {
    st.failures = 0;
    finish(self, p->requeue_after);
    return;
  }
  const auto& ns = st.id.namespace_;
  const auto& name = st.id.name;
  const auto& t = snap->task;
  const auto& task_res = resource_of(k8s::kelos_api_version, "Task");
  auto next = [=] { run_plan(self, snap, p, i + 1); };
  std::visit(
    [&](auto& step) {
      using T = std::decay_t<decltype(step)>;
      if constexpr (std::is_same_v<T, add_finalizer> || std::is_same_v<T, remove_finalizer>) {
        bool add = std::is_same_v<T, add_finalizer>;
        auto req = k8s::patch_request(task_res, ns, name, k8s::patch_type::merge, finalizer_patch(snap->task_json, add));
        if (!req) {
          write_failed(self, "building the finalizer patch", to_caf_error(req.error()));
          return;
        }
        call_step(self, snap, p, i, std::move(*req), add ? "adding the finalizer" : "removing the finalizer",
                  [self, snap](json& reply) { adopt_written_task(self, *snap, std::move(reply)); }, !add);
      } else if constexpr (std::is_same_v<T, delete_job>) {
        k8s::delete_options opts;
        opts.propagation_policy = "Background";
        opts.precondition_uid = step.uid;
        call_step(self, snap, p, i, k8s::delete_request(resource_of("batch/v1", "Job"), ns, name, opts),
                  "deleting the Job", [](json&) {}, true);
      } else if constexpr (std::is_same_v<T, release_branch>) {
        self->send(st.lock, atom::release::value, st.id);
        next();
      } else if constexpr (std::is_same_v<T, create_job>) {
        const auto& jobs = resource_of("batch/v1", "Job");
        self->request(st.kube, caf::infinite, atom::call_text::value, k8s::create_request(jobs, ns, step.job))
          .then(
            [=](std::string& reply) {
              auto created = job_name_in(reply);
              if (!created) {
                write_failed(self, "creating the Job", to_caf_error(created.error()));
                return;
              }
              logging::info({"task", to_string(self->state.id)}, "created Job {}", *created);
              remember_job(self, std::move(reply));
              run_plan(self, snap, p, i + 1);
            },
            [=](caf::error& err) {
              if (from_caf_error(err).code != errc::already_exists) {
                write_failed(self, "creating the Job", err);
                return;
              }
              // A Job of that name exists. It may carry no kelos.dev/task label and so never
              // reach the cache: read it once, remember it, and decide again (ours: carry on;
              // someone else's: JobConflict) instead of retrying the create forever.
              self->request(self->state.kube, caf::infinite, atom::call_text::value, k8s::get_request(jobs, ns, name))
                .then(
                  [=](std::string& existing) {
                    if (auto checked = job_name_in(existing); !checked) {
                      write_failed(self, "reading the existing Job", to_caf_error(checked.error()));
                      return;
                    }
                    remember_job(self, std::move(existing));
                    self->state.dirty = true;
                    finish(self, std::nullopt, metrics::reconcile_result::requeue);
                  },
                  [=](caf::error& e) { write_failed(self, "reading the existing Job", e); });
            });
      } else if constexpr (std::is_same_v<T, write_status>) {
        // The new status goes into the snapshot's Task itself, not a copy: the reply
        // replaces it on success, and a failed write ends the pass with this snapshot.
        snap->task_json["status"] = k8s::encode_status(step.status);
        call_step(self, snap, p, i, k8s::update_status_request(task_res, ns, name, snap->task_json), "writing status",
                  [self, snap](json& reply) { adopt_written_task(self, *snap, std::move(reply)); });
      } else if constexpr (std::is_same_v<T, emit_event>) {
        post_event(self, st.kube, *st.ctx, snap->task_json, step.type, step.reason, step.message);
        next();
      } else if constexpr (std::is_same_v<T, count_created>) {
        record_created(*st.ctx, t);
        next();
      } else if constexpr (std::is_same_v<T, count_completed>) {
        if (step.duration_seconds)
          logging::info({"task", to_string(st.id)}, "{} after {:.0f}s", step.phase, *step.duration_seconds);
        else
          logging::info({"task", to_string(st.id)}, "{}", step.phase);
        record_completed(*st.ctx, t, step.phase, step.duration_seconds);
        next();
      } else if constexpr (std::is_same_v<T, count_usage>) {
        record_usage(*st.ctx, t, step.results);
        next();
      } else if constexpr (std::is_same_v<T, delete_task>) {
        k8s::delete_options opts;
        opts.precondition_uid = t.meta.uid;
        call_step(self, snap, p, i, k8s::delete_request(task_res, ns, name, opts), "deleting the expired Task",
                  [](json&) {}, true);
      } else if constexpr (std::is_same_v<T, watch_reference>) {
        self->send(st.supervisor, atom::watch_ref::value, step.ref, st.id);
        next();
      }
    },
    p->actions[i]);
}

void decide_and_act(self_ptr self, snapshot_ptr snap) {
  auto& st = self->state;
  auto d = decide(snap->obs, st.ctx->reconcile);
  if (auto* q = std::get_if<need_dependencies>(&d)) {
    (void)q;
    self->request(st.gate, caf::infinite, atom::check::value, st.id, snap->task.spec.depends_on)
      .then(
        [=](int kind, std::string& message, std::string& dependency, json_doc& data) {
          snap->obs.dependencies =
            dependency_verdict{static_cast<dependency_verdict::kind>(kind), std::move(message), std::move(dependency)};
          snap->obs.dependency_data = std::move(data.value);
          decide_and_act(self, snap);
        },
        [=](caf::error& err) { write_failed(self, "asking the dependency gate", err); });
    return;
  }
  if (auto* q = std::get_if<need_branch>(&d)) {
    auto created = snap->task.meta.creation_timestamp.value_or(k8s::time_point{});
    self->request(st.lock, caf::infinite, atom::acquire::value, q->key, st.id,
                  static_cast<int64_t>(created.time_since_epoch().count()))
      .then(
        [=](bool granted, std::string& message) {
          snap->obs.branch = branch_answer{granted, std::move(message)};
          decide_and_act(self, snap);
        },
        [=](caf::error& err) { write_failed(self, "asking the branch lock", err); });
    return;
  }
  if (auto* q = std::get_if<need_github_token>(&d)) {
    st.token_refresh_checked = true; // the refresher starts with this token
    resolve_github_token(self, st.kube, *st.ctx, snap->task, *q, [=](github_token_answer answer) {
      if (answer.secret.empty())
        logging::warn({"task", to_string(self->state.id)}, "GitHub App token: {}", answer.error);
      snap->obs.github_token = std::move(answer);
      decide_and_act(self, snap);
    });
    return;
  }
  if (auto* q = std::get_if<need_log>(&d)) {
    k8s::log_options opts;
    opts.container = q->container;
    opts.tail_lines = q->tail_lines;
    self->request(st.kube, caf::infinite, atom::call_raw::value, k8s::pod_logs_request(st.id.namespace_, q->pod, opts))
      .then(
        [=](k8s::http_response& resp) {
          snap->obs.log = resp.status == 200 ? std::move(resp.body) : std::string{};
          if (resp.status != 200)
            logging::debug({"task", to_string(self->state.id)}, "reading the log of pod {}: HTTP {}", q->pod,
                           resp.status);
          decide_and_act(self, snap);
        },
        [=](caf::error& err) {
          logging::debug({"task", to_string(self->state.id)}, "reading pod log: {}", from_caf_error(err).render());
          snap->obs.log = std::string{};
          decide_and_act(self, snap);
        });
    return;
  }
  st.ctx->waiting->set(self->id(), wait_reason_of(snap->obs));
  run_plan(self, snap, std::make_shared<plan>(std::move(std::get<plan>(d))), 0);
}

/// Reads one object from a cache, then continues with `k(json)`: at once from the
/// published caches, else through the KUBE actor.
void get_cached(self_ptr self, watch_spec spec, k8s::object_ref ref, std::function<void(json)> k) {
  read_cached(self, self->state.kube, self->state.ctx->caches.get(), std::move(spec), std::move(ref), std::move(k),
              [self](caf::error& err) { write_failed(self, "reading the cache", err); });
}

ref_state state_of(const json& obj) { return obj.is_null() ? ref_state::missing : ref_state::present; }

void read_references(self_ptr self, snapshot_ptr snap);

void reconcile(self_ptr self) {
  auto& st = self->state;
  if (st.busy) {
    st.dirty = true;
    return;
  }
  if (!st.has_slot) {
    if (st.awaiting_slot)
      return;
    auto addr = self->address();
    if (!st.ctx->slots->acquire(self->id(), [addr] {
          if (auto me = caf::actor_cast<caf::actor>(addr))
            caf::anon_send(me, atom::grant::value);
        })) {
      st.awaiting_slot = true;
      return;
    }
    st.has_slot = true;
  }
  st.busy = true;
  st.pass_started = std::chrono::steady_clock::now();
  auto snap = std::make_shared<snapshot>();
  const auto& ctx = *st.ctx;
  get_cached(self, tasks_spec(ctx), k8s::object_ref{"Task", st.id.namespace_, st.id.name}, [=](json obj) {
    auto& st = self->state;
    obj = freshest(std::move(obj), st.written_task);
    if (obj.is_null()) {
      st.ctx->waiting->clear(self->id());
      end_pass(self, metrics::reconcile_result::success);
      go_idle(self);
      return; // gone: the supervisor stops this actor
    }
    auto decoded = k8s::decode_task(obj);
    if (!decoded) {
      logging::error({"task", to_string(st.id)}, "cannot decode: {}", decoded.error().message);
      record_reconcile_error(*st.ctx);
      end_pass(self, metrics::reconcile_result::error);
      go_idle(self);
      return;
    }
    snap->task_json = std::move(obj);
    snap->task = std::move(*decoded);
    snap->obs.task = &snap->task;
    snap->obs.now = st.ctx->now ? st.ctx->now() : k8s::now();
    get_cached(self, jobs_spec(*st.ctx), k8s::object_ref{"Job", st.id.namespace_, st.id.name}, [=](json job) {
      auto& st = self->state;
      bool recently_created = !st.created_job.empty() &&
                              std::chrono::steady_clock::now() - st.created_job_at < std::chrono::seconds{30};
      if (job.is_null() && recently_created && !snap->task.meta.is_deleting()) {
        // Created by us, not yet in the cache.
        if (auto parsed = k8s::parse_whole(st.created_job); parsed && parsed->is_object())
          job = std::move(*parsed);
      } else if (!job.is_null() && !st.created_job.empty()) {
        // Free the text, not only empty it: clear() keeps the capacity, and 10,000 Task
        // actors each holding a 3 KB Job they no longer need were a third of the
        // controller's resting heap.
        std::string().swap(st.created_job);
      }
      if (!job.is_null())
        snap->obs.job = k8s::parse_job(job);
      std::string pod = !st.pod_name.empty() ? st.pod_name : snap->task.status.pod_name;
      if (pod.empty() || !snap->obs.job) {
        read_references(self, snap);
        return;
      }
      get_cached(self, pods_spec(*st.ctx), k8s::object_ref{"Pod", st.id.namespace_, pod}, [=](json p) {
        if (!p.is_null())
          snap->obs.pod = k8s::parse_pod(p);
        read_references(self, snap);
      });
    });
  });
}

void read_credentials(self_ptr self, snapshot_ptr snap) {
  const auto& t = snap->task;
  auto& st = self->state;
  if (snap->obs.job || t.is_terminal() || t.meta.is_deleting() || t.spec.credentials.secret_name.empty()) {
    decide_and_act(self, snap);
    return;
  }
  get_cached(self, secrets_spec(*st.ctx), k8s::object_ref{"Secret", t.meta.namespace_, t.spec.credentials.secret_name},
             [=](json s) {
               snap->obs.credentials_secret = state_of(s);
               decide_and_act(self, snap);
             });
}

void read_agent_config(self_ptr self, snapshot_ptr snap) {
  const auto& t = snap->task;
  if (!t.spec.agent_config_ref || snap->obs.job || t.is_terminal()) {
    read_credentials(self, snap);
    return;
  }
  get_cached(self, agent_configs_spec(*self->state.ctx),
             k8s::object_ref{"AgentConfig", t.meta.namespace_, *t.spec.agent_config_ref}, [=](json a) {
               snap->obs.agent_config = state_of(a);
               if (!a.is_null()) {
                 auto decoded = k8s::decode_agent_config(a);
                 if (decoded) {
                   snap->agent_config = std::move(*decoded);
                   snap->obs.agent_config_spec = &snap->agent_config->spec;
                 } else {
                   logging::warn({"task", to_string(self->state.id)}, "AgentConfig {}: {}", *t.spec.agent_config_ref,
                                 decoded.error().message);
                   snap->obs.agent_config = ref_state::missing;
                 }
               }
               read_credentials(self, snap);
             });
}

bool holds_github_app(const json& secret) {
  const json* data = k8s::find_path(secret, "data");
  return data && data->is_object() && data->contains("appID") && data->contains("installationID") &&
         data->contains("privateKey");
}

/// A Task that already runs when its actor starts (the controller restarted) has no token
/// refresher: when its Workspace Secret holds GitHub App credentials, exchange them once more
/// and start the refresher again, beside the reconcile (the token Secret keeps its name).
void resume_token_refresh(self_ptr self, const snapshot_ptr& snap) {
  auto& st = self->state;
  const auto& t = snap->task;
  if (st.token_refresh_checked || !snap->obs.job || t.is_terminal() || t.meta.is_deleting() || !t.spec.workspace_ref)
    return;
  st.token_refresh_checked = true;
  auto task = std::make_shared<k8s::task>(t);
  get_cached(self, workspaces_spec(*st.ctx), k8s::object_ref{"Workspace", t.meta.namespace_, *t.spec.workspace_ref},
             [self, task](json w) {
               auto ws = w.is_null() ? kelos::expected<k8s::workspace>{kelos::error{errc::not_found, ""}}
                                     : k8s::decode_workspace(w);
               if (!ws || ws->spec.secret_name.empty())
                 return;
               auto secret = ws->spec.secret_name;
               auto host = parse_github_repo(ws->spec.repo).host;
               get_cached(self, secrets_spec(*self->state.ctx), k8s::object_ref{"Secret", task->meta.namespace_, secret},
                          [self, task, secret, host](json s) {
                            if (!holds_github_app(s))
                              return;
                            logging::info({"task", to_string(self->state.id)}, "resuming the GitHub App token refresh");
                            resolve_github_token(self, self->state.kube, *self->state.ctx, *task,
                                                 need_github_token{secret, host}, [self](github_token_answer answer) {
                                                   if (answer.secret.empty())
                                                     logging::warn({"task", to_string(self->state.id)},
                                                                   "GitHub App token: {}", answer.error);
                                                 });
                          });
             });
}

void read_references(self_ptr self, snapshot_ptr snap) {
  const auto& t = snap->task;
  resume_token_refresh(self, snap);
  if (!t.spec.workspace_ref || snap->obs.job || t.is_terminal() || t.meta.is_deleting()) {
    read_agent_config(self, snap);
    return;
  }
  get_cached(self, workspaces_spec(*self->state.ctx),
             k8s::object_ref{"Workspace", t.meta.namespace_, *t.spec.workspace_ref}, [=](json w) {
               snap->obs.workspace = state_of(w);
               if (!w.is_null()) {
                 auto decoded = k8s::decode_workspace(w);
                 if (decoded) {
                   snap->workspace = std::move(*decoded);
                   snap->obs.workspace_spec = &snap->workspace->spec;
                 } else {
                   logging::warn({"task", to_string(self->state.id)}, "Workspace {}: {}", *t.spec.workspace_ref,
                                 decoded.error().message);
                   snap->obs.workspace = ref_state::missing;
                 }
               }
               if (!snap->workspace || snap->workspace->spec.secret_name.empty()) {
                 read_agent_config(self, snap);
                 return;
               }
               get_cached(self, secrets_spec(*self->state.ctx),
                          k8s::object_ref{"Secret", t.meta.namespace_, snap->workspace->spec.secret_name},
                          [=](json s) {
                            snap->obs.workspace_secret = state_of(s);
                            snap->obs.workspace_secret_is_github_app = holds_github_app(s);
                            read_agent_config(self, snap);
                          });
             });
}

caf::behavior task_actor(self_ptr self, task_id id, kube_actor kube, caf::actor supervisor, caf::actor gate,
                         caf::actor lock, std::shared_ptr<const controller_context> ctx) {
  auto& st = self->state;
  st.id = std::move(id);
  st.kube = std::move(kube);
  st.supervisor = std::move(supervisor);
  st.gate = std::move(gate);
  st.lock = std::move(lock);
  st.ctx = std::move(ctx);
  // Whatever way the actor ends, its slot (or its place in the queue) goes back.
  self->attach_functor([slots = st.ctx->slots, waiting = st.ctx->waiting, id = self->id()] {
    slots->release(id);
    waiting->clear(id); // a deleted Task waits for nothing
  });
  return {
    [=](atom::reconcile) { reconcile(self); },
    [=](atom::grant) {
      auto& st = self->state;
      st.awaiting_slot = false;
      st.has_slot = true;
      reconcile(self);
    },
    [=](atom::tick, uint64_t generation) {
      if (generation != self->state.timer_generation)
        return;
      self->state.timer_due.reset();
      reconcile(self);
    },
    [=](atom::pod, std::string& pod_name) {
      if (self->state.pod_name != pod_name) {
        self->state.pod_name = std::move(pod_name);
        reconcile(self);
      }
    },
  };
}

} // namespace

caf::actor spawn_task_actor(caf::local_actor* parent, task_id id, kube_actor kube, caf::actor supervisor,
                            caf::actor gate, caf::actor lock, std::shared_ptr<const controller_context> ctx) {
  auto a = parent->spawn(task_actor, std::move(id), std::move(kube), std::move(supervisor), std::move(gate),
                         std::move(lock), std::move(ctx));
  parent->monitor(a);
  return a;
}

} // namespace kelos::task
