#include "actors/jobs/job_controller.hpp"

#include "actors/jobs/job_sync.hpp"
#include "k8s/client/request.hpp"
#include "runtime/caf_error.hpp"
#include "runtime/log.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>
#include <optional>
#include <set>

namespace kelos::jobs {
namespace {

using k8s::json;
using k8s::object_ref;
using steady = std::chrono::steady_clock;

/// How long a created pod may stay invisible in the cache before syncs resume anyway.
constexpr auto expectation_timeout = std::chrono::seconds{30};

/// What the controller keeps per Job between syncs.
struct job_entry {
  job_ledger ledger;
  /// Uids of pods whose DELETE we sent; dropped once the pod left the cache.
  std::set<std::string> deleting;
  /// Names of pods we created that the cache does not show yet, and until when to wait.
  std::set<std::string> expected;
  steady::time_point expected_until;
  /// The Job returned by our last status write, used while the cache is older.
  json written;
  /// Due time of the pending deadline/TTL timer.
  std::optional<k8s::time_point> timer_due;
  int failures = 0;
};

struct controller_state {
  kube_actor kube;
  job_controller_config cfg;
  std::set<watch_spec> unsynced;
  bool ready = false;
  std::map<object_ref, job_entry> jobs;
  /// Pod -> controlling Job, so a removed pod (no longer readable) still finds its Job.
  std::map<object_ref, object_ref> pod_owner;
  /// Jobs to sync; Jobs being synced; whether a drain message is on its way.
  std::set<object_ref> dirty;
  std::set<object_ref> running;
  bool drain_pending = false;
  static inline const char* name = "kelos.job-controller";
};

using self_ptr = caf::stateful_actor<controller_state>*;

const k8s::resource_info& resource(std::string_view api_version, std::string_view kind) {
  static const auto registry = k8s::resource_registry::with_builtins();
  return *registry.by_kind(api_version, kind);
}

watch_spec jobs_spec(const job_controller_config& cfg) { return {"batch/v1", "Job", cfg.namespace_, ""}; }
watch_spec pods_spec(const job_controller_config& cfg) { return {"v1", "Pod", cfg.namespace_, ""}; }

std::string key_text(const object_ref& ref) { return ref.namespace_ + "/" + ref.name; }

std::optional<uint64_t> resource_version(const json& obj) {
  const json* rv = k8s::find_path(obj, "metadata.resourceVersion");
  if (!rv || !rv->is_string())
    return std::nullopt;
  const auto& s = rv->get_ref<const std::string&>();
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

/// The cached Job, or our own last write when that is newer (same uid); forgets the
/// write once the cache caught up.
json newest_job(json cached, json& written) {
  if (written.is_null() || cached.is_null())
    return cached;
  auto c = resource_version(cached), w = resource_version(written);
  const json* cu = k8s::find_path(cached, "metadata.uid");
  const json* wu = k8s::find_path(written, "metadata.uid");
  if (c && w && *w > *c && cu && wu && *cu == *wu)
    return written;
  written = nullptr;
  return cached;
}

void sync(self_ptr self, const object_ref& key);

void mark_dirty(self_ptr self, const object_ref& key) {
  auto& st = self->state;
  st.dirty.insert(key);
  if (st.ready && !st.drain_pending) {
    st.drain_pending = true;
    self->send(self, atom::tick::value);
  }
}

void drain(self_ptr self) {
  auto& st = self->state;
  st.drain_pending = false;
  for (auto it = st.dirty.begin(); it != st.dirty.end();) {
    if (st.running.count(*it)) {
      ++it;
      continue;
    }
    auto key = *it;
    it = st.dirty.erase(it);
    sync(self, key);
  }
}

void finish(self_ptr self, const object_ref& key) {
  auto& st = self->state;
  st.running.erase(key);
  if (st.dirty.count(key))
    mark_dirty(self, key);
}

/// Wakes the Job at `due` unless an earlier timer is pending.
void wake_at(self_ptr self, const object_ref& key, k8s::time_point due) {
  auto& entry = self->state.jobs[key];
  if (entry.timer_due && *entry.timer_due <= due)
    return;
  entry.timer_due = due;
  auto delay = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(due - k8s::now()),
                        std::chrono::milliseconds{0}) +
               std::chrono::milliseconds{5};
  self->delayed_send(self, delay, atom::wake::value, key);
}

/// A call failed: conflicts re-sync soon from the cache, other errors back off.
void call_failed(self_ptr self, const object_ref& key, const std::string& what, const caf::error& err) {
  auto e = from_caf_error(err);
  auto it = self->state.jobs.find(key);
  std::chrono::milliseconds delay{200};
  if (e.code == errc::conflict) {
    logging::debug({"job controller", key_text(key)}, "{}: {}; re-syncing", what, e.render());
  } else {
    int failures = it == self->state.jobs.end() ? 1 : (it->second.failures = std::min(it->second.failures + 1, 10));
    delay = std::min<std::chrono::milliseconds>(std::chrono::milliseconds{100} * (1 << (failures - 1)),
                                                std::chrono::seconds{10});
    logging::warn({"job controller", key_text(key)}, "{} failed: {} (retrying in {} ms)", what, e.render(),
                  delay.count());
  }
  self->delayed_send(self, delay, atom::wake::value, key);
  finish(self, key);
}

/// Executing one plan: the Job it was made from and the plan.
struct execution {
  object_ref key;
  json job;
  sync_plan plan;
};
using execution_ptr = std::shared_ptr<execution>;

void run_deletes(self_ptr self, execution_ptr ex, size_t i);
void run_creates(self_ptr self, execution_ptr ex, size_t i);
void run_status(self_ptr self, execution_ptr ex);
void run_job_delete(self_ptr self, execution_ptr ex);
void run_done(self_ptr self, execution_ptr ex);

void run_deletes(self_ptr self, execution_ptr ex, size_t i) {
  if (i == ex->plan.remove.size()) {
    run_creates(self, ex, 0);
    return;
  }
  const auto& pod = ex->plan.remove[i];
  k8s::delete_options opts;
  opts.precondition_uid = pod.uid;
  auto req = k8s::delete_request(resource("v1", "Pod"), ex->key.namespace_, pod.name, opts);
  auto done = [=] {
    self->state.jobs[ex->key].deleting.insert(ex->plan.remove[i].uid);
    run_deletes(self, ex, i + 1);
  };
  self->request(self->state.kube, caf::infinite, atom::call::value, std::move(req))
    .then(
      [=](json_doc&) {
        logging::info({"job controller", key_text(ex->key)}, "deleted pod {}/{}", ex->key.namespace_,
                      ex->plan.remove[i].name);
        done();
      },
      [=](caf::error& err) {
        auto code = from_caf_error(err).code;
        if (code == errc::not_found || code == errc::conflict) // gone, or a newer pod of that name
          done();
        else
          call_failed(self, ex->key, "deleting pod " + ex->plan.remove[i].name, err);
      });
}

void run_creates(self_ptr self, execution_ptr ex, size_t i) {
  if (i == ex->plan.create.size()) {
    run_status(self, ex);
    return;
  }
  auto req = k8s::create_request(resource("v1", "Pod"), ex->key.namespace_, ex->plan.create[i]);
  self->request(self->state.kube, caf::infinite, atom::call::value, std::move(req))
    .then(
      [=](json_doc& reply) {
        auto name = k8s::get_string(reply.value["metadata"], "name");
        auto& entry = self->state.jobs[ex->key];
        entry.expected.insert(name);
        entry.expected_until = steady::now() + expectation_timeout;
        logging::info({"job controller", key_text(ex->key)}, "created pod {}/{}", ex->key.namespace_, name);
        run_creates(self, ex, i + 1);
      },
      [=](caf::error& err) { call_failed(self, ex->key, "creating a pod", err); });
}

void run_status(self_ptr self, execution_ptr ex) {
  if (!ex->plan.status) {
    self->state.jobs[ex->key].ledger = ex->plan.ledger;
    run_job_delete(self, ex);
    return;
  }
  json body = ex->job;
  body["status"] = *ex->plan.status;
  auto req = k8s::update_status_request(resource("batch/v1", "Job"), ex->key.namespace_, ex->key.name, body);
  self->request(self->state.kube, caf::infinite, atom::call::value, std::move(req))
    .then(
      [=](json_doc& reply) {
        auto& entry = self->state.jobs[ex->key];
        entry.ledger = ex->plan.ledger;
        entry.written = std::move(reply.value);
        for (const auto& t : ex->plan.transitions)
          logging::info({"job controller", key_text(ex->key)}, "{}", t);
        run_job_delete(self, ex);
      },
      [=](caf::error& err) { call_failed(self, ex->key, "writing the status", err); });
}

void run_job_delete(self_ptr self, execution_ptr ex) {
  if (!ex->plan.delete_job) {
    run_done(self, ex);
    return;
  }
  k8s::delete_options opts;
  opts.propagation_policy = "Background";
  opts.precondition_uid = k8s::get_string(ex->job["metadata"], "uid");
  auto req = k8s::delete_request(resource("batch/v1", "Job"), ex->key.namespace_, ex->key.name, opts);
  self->request(self->state.kube, caf::infinite, atom::call::value, std::move(req))
    .then(
      [=](json_doc&) {
        logging::info({"job controller", key_text(ex->key)}, "deleted (ttlSecondsAfterFinished)");
        run_done(self, ex);
      },
      [=](caf::error& err) {
        if (from_caf_error(err).code == errc::not_found)
          run_done(self, ex);
        else
          call_failed(self, ex->key, "deleting the Job", err);
      });
}

void run_done(self_ptr self, execution_ptr ex) {
  auto it = self->state.jobs.find(ex->key);
  if (it != self->state.jobs.end()) {
    it->second.failures = 0;
    if (ex->plan.wake_at)
      wake_at(self, ex->key, *ex->plan.wake_at);
  }
  finish(self, ex->key);
}

/// Plans one sync from the caches (Job, then the namespace's pods) and executes it.
void sync(self_ptr self, const object_ref& key) {
  auto& st = self->state;
  st.running.insert(key);
  self->request(st.kube, caf::infinite, atom::get::value, jobs_spec(st.cfg), key)
    .then(
      [=](json_doc& doc) {
        if (doc.value.is_null()) {
          self->state.jobs.erase(key);
          finish(self, key);
          return;
        }
        auto job = std::make_shared<json>(newest_job(std::move(doc.value), self->state.jobs[key].written));
        self->request(self->state.kube, caf::infinite, atom::list::value, pods_spec(self->state.cfg), key.namespace_)
          .then(
            [=](object_list& pods) {
              auto& entry = self->state.jobs[key];
              std::set<std::string> names, uids;
              for (const auto& pod : pods.items) {
                names.insert(k8s::get_string(pod["metadata"], "name"));
                uids.insert(k8s::get_string(pod["metadata"], "uid"));
              }
              std::erase_if(entry.expected, [&](const std::string& n) { return names.count(n) > 0; });
              if (!entry.expected.empty() && steady::now() < entry.expected_until) {
                finish(self, key); // the pod's arrival in the cache syncs again
                return;
              }
              entry.expected.clear();
              std::erase_if(entry.deleting, [&](const std::string& u) { return uids.count(u) == 0; });
              sync_context ctx;
              ctx.now = k8s::now();
              ctx.node_name = self->state.cfg.node_name;
              ctx.ledger = entry.ledger;
              ctx.deleting = entry.deleting;
              auto ex = std::make_shared<execution>();
              ex->key = key;
              ex->job = std::move(*job);
              ex->plan = sync_job(ex->job, pods.items, ctx);
              if (entry.timer_due && *entry.timer_due <= ctx.now)
                entry.timer_due.reset();
              run_deletes(self, ex, 0);
            },
            [=](caf::error& err) { call_failed(self, key, "listing pods", err); });
      },
      [=](caf::error& err) { call_failed(self, key, "reading the Job", err); });
}

/// A pod changed: find its Job (controller owner reference) and sync it.
void on_pod(self_ptr self, const object_ref& ref) {
  auto& st = self->state;
  self->request(st.kube, caf::infinite, atom::get::value, pods_spec(st.cfg), ref)
    .then(
      [=](json_doc& doc) {
        if (doc.value.is_null())
          return;
        auto job = controlling_job(doc.value);
        if (job.empty())
          return;
        object_ref key{"Job", ref.namespace_, job};
        self->state.pod_owner[ref] = key;
        mark_dirty(self, key);
      },
      [=](caf::error& err) {
        logging::debug({"job controller", ref.to_string()}, "reading: {}", from_caf_error(err).render());
      });
}

caf::behavior controller(self_ptr self, kube_actor kube, job_controller_config cfg) {
  auto& st = self->state;
  st.kube = std::move(kube);
  st.cfg = std::move(cfg);
  auto me = caf::actor_cast<caf::actor>(self);
  for (const auto& spec : job_controller_specs(st.cfg)) {
    st.unsynced.insert(spec);
    self->request(st.kube, caf::infinite, atom::subscribe::value, spec, me)
      .then([](atom::ok) {},
            [=](caf::error& err) {
              logging::error({"job controller", spec.to_string()}, "subscribing: {}", from_caf_error(err).render());
              self->quit(err);
            });
  }
  return {
    [=](atom::apply, const watch_spec& spec, const object_ref& ref) {
      if (spec.kind == "Job")
        mark_dirty(self, object_ref{"Job", ref.namespace_, ref.name});
      else
        on_pod(self, ref);
    },
    [=](atom::remove, const watch_spec& spec, const object_ref& ref) {
      auto& st = self->state;
      if (spec.kind == "Job") {
        mark_dirty(self, object_ref{"Job", ref.namespace_, ref.name}); // the sync forgets it
        return;
      }
      auto it = st.pod_owner.find(ref);
      if (it == st.pod_owner.end())
        return;
      auto key = it->second;
      st.pod_owner.erase(it);
      mark_dirty(self, key);
    },
    [=](atom::synced, const watch_spec& spec) {
      auto& st = self->state;
      if (!st.unsynced.erase(spec) || !st.unsynced.empty() || st.ready)
        return;
      st.ready = true;
      logging::info({"job controller", ""}, "caches synced, syncing {} Jobs", st.dirty.size());
      if (!st.dirty.empty()) {
        st.drain_pending = true;
        self->send(self, atom::tick::value);
      }
    },
    [=](atom::tick) { drain(self); },
    [=](atom::wake, const object_ref& key) {
      auto& st = self->state;
      if (auto it = st.jobs.find(key); it != st.jobs.end() && it->second.timer_due && *it->second.timer_due <= k8s::now())
        it->second.timer_due.reset();
      mark_dirty(self, key);
    },
  };
}

} // namespace

std::vector<watch_spec> job_controller_specs(const job_controller_config& cfg) {
  return {jobs_spec(cfg), pods_spec(cfg)};
}

caf::actor spawn_job_controller(caf::actor_system& sys, kube_actor kube, job_controller_config cfg) {
  return sys.spawn(controller, std::move(kube), std::move(cfg));
}

} // namespace kelos::jobs
