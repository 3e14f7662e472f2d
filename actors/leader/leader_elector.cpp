#include "actors/leader/leader_elector.hpp"

#include "k8s/client/request.hpp"
#include "k8s/resource_registry.hpp"
#include "runtime/caf_error.hpp"
#include "runtime/log.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <random>

namespace kelos::leader {
namespace {

using std::chrono::milliseconds;

const k8s::resource_info& leases() {
  static const auto registry = k8s::resource_registry::with_builtins();
  return *registry.by_kind("coordination.k8s.io/v1", "Lease");
}

steady_time steady_now() { return std::chrono::steady_clock::now(); }

struct elector_state {
  kube_actor kube;
  elector_settings settings;
  std::optional<elector> machine;
  /// Answers of attempts other than this one are dropped.
  uint64_t attempt = 0;
  bool busy = false;
  /// Deadline timers older than this are ignored.
  uint64_t deadline_timer = 0;
  std::string last_holder;
  std::mt19937_64 rng{std::random_device{}()};
  static inline const char* name = "kelos.leader-elector";

  std::string lease_id() const {
    return settings.election.lease_namespace + "/" + settings.election.lease_name;
  }
  void gauge(double v) const {
    if (settings.is_leader)
      settings.is_leader.with({}).set(v);
  }
};

using self_ptr = caf::stateful_actor<elector_state>*;

void execute(self_ptr self, step s, uint64_t attempt);

void lose(self_ptr self, const std::string& reason) {
  auto& st = self->state;
  st.machine->drop_leadership();
  st.gauge(0);
  ++st.attempt;
  logging::error({"leader election", st.lease_id()}, "lost the lease ({}); this replica stops reconciling", reason);
  if (st.settings.hooks.stopped_leading)
    st.settings.hooks.stopped_leading(reason);
  self->quit();
}

void schedule_next(self_ptr self) {
  auto& st = self->state;
  milliseconds delay = st.settings.election.retry_period;
  if (!st.machine->leading() && st.settings.jitter > 0) {
    std::uniform_real_distribution<double> u{0.0, st.settings.jitter};
    delay += milliseconds{int64_t(double(delay.count()) * u(st.rng))};
  }
  self->delayed_send(self, delay, atom::tick::value);
}

void note_holder(self_ptr self) {
  auto& st = self->state;
  auto holder = st.machine->observed_holder();
  if (holder != st.last_holder && !holder.empty() && holder != st.settings.election.identity)
    logging::info({"leader election", st.lease_id()}, "the lease is held by {}", holder);
  st.last_holder = holder;
}

void finish_attempt(self_ptr self, const step& s) {
  auto& st = self->state;
  st.busy = false;
  note_holder(self);
  if (s.what == action::lost)
    lose(self, s.reason);
  else if (s.what == action::wait)
    logging::debug({"leader election", st.lease_id()}, "{}", s.reason);
}

void written(self_ptr self, const k8s::json& stored, steady_time issued) {
  auto& st = self->state;
  bool was = st.machine->leading();
  bool now_leading = st.machine->on_written(stored, issued);
  st.busy = false;
  note_holder(self);
  if (!now_leading)
    return;
  // The deadline counts from when this renewal was sent.
  auto left = st.settings.election.renew_deadline - std::chrono::duration_cast<milliseconds>(steady_now() - issued);
  self->delayed_send(self, std::max(left, milliseconds{0}), atom::check::value, ++st.deadline_timer);
  if (!was) {
    st.gauge(1);
    logging::info({"leader election", st.lease_id()}, "{} acquired the lease", st.settings.election.identity);
    if (st.settings.hooks.started_leading)
      st.settings.hooks.started_leading();
  }
}

void execute(self_ptr self, step s, uint64_t attempt) {
  auto& st = self->state;
  const auto& cfg = st.settings.election;
  const auto timeout = cfg.renew_deadline;
  switch (s.what) {
  case action::wait:
  case action::lost:
    finish_attempt(self, s);
    return;
  case action::read:
    self->request(st.kube, timeout, atom::call::value, k8s::get_request(leases(), cfg.lease_namespace, cfg.lease_name))
      .then(
        [=](json_doc& doc) {
          if (attempt != self->state.attempt)
            return;
          execute(self, self->state.machine->on_read(doc.value, steady_now(), k8s::now()), attempt);
        },
        [=](caf::error& err) {
          if (attempt != self->state.attempt)
            return;
          auto e = from_caf_error(err);
          if (e.code == errc::not_found) {
            execute(self, self->state.machine->on_read(std::nullopt, steady_now(), k8s::now()), attempt);
            return;
          }
          logging::warn({"leader election", self->state.lease_id()}, "reading the lease: {}", e.render());
          execute(self, self->state.machine->on_failed(e.code, steady_now()), attempt);
        });
    return;
  case action::create:
  case action::update: {
    auto issued = steady_now();
    auto req = s.what == action::create ? k8s::create_request(leases(), cfg.lease_namespace, s.body)
                                        : k8s::update_request(leases(), cfg.lease_namespace, cfg.lease_name, s.body);
    self->request(st.kube, timeout, atom::call::value, std::move(req))
      .then(
        [=](json_doc& doc) {
          if (attempt == self->state.attempt)
            written(self, doc.value, issued);
        },
        [=](caf::error& err) {
          if (attempt != self->state.attempt)
            return;
          auto e = from_caf_error(err);
          logging::log(e.code == errc::conflict || e.code == errc::already_exists ? spdlog::level::debug
                                                                                  : spdlog::level::warn,
                       {"leader election", self->state.lease_id()}, "writing the lease: {}", e.render());
          execute(self, self->state.machine->on_failed(e.code, steady_now()), attempt);
        });
    return;
  }
  }
}

caf::behavior elector_actor(self_ptr self, kube_actor kube, elector_settings settings) {
  auto& st = self->state;
  st.kube = std::move(kube);
  st.settings = std::move(settings);
  st.machine.emplace(st.settings.election);
  st.gauge(0);
  logging::info({"leader election", st.lease_id()}, "{} competing for the lease", st.settings.election.identity);
  self->send(self, atom::tick::value);
  return {
    [=](atom::tick) {
      auto& st = self->state;
      schedule_next(self);
      if (st.busy) {
        if (st.machine->deadline_passed(steady_now()))
          lose(self, "renew deadline passed while a lease request was outstanding");
        return;
      }
      st.busy = true;
      execute(self, st.machine->begin(steady_now(), k8s::now()), ++st.attempt);
    },
    [=](atom::check, uint64_t timer) {
      auto& st = self->state;
      if (timer == st.deadline_timer && st.machine->deadline_passed(steady_now()))
        lose(self, "renew deadline passed without a successful renewal");
    },
    [=](atom::release) -> caf::result<atom::ok> {
      auto& st = self->state;
      ++st.attempt; // drop whatever is in flight
      st.busy = true;
      auto s = st.machine->release(k8s::now());
      st.gauge(0);
      if (s.what != action::update) {
        self->quit();
        return atom::ok::value;
      }
      logging::info({"leader election", st.lease_id()}, "releasing the lease");
      auto rp = self->make_response_promise<atom::ok>();
      const auto& cfg = st.settings.election;
      self->request(st.kube, cfg.renew_deadline, atom::call::value,
                    k8s::update_request(leases(), cfg.lease_namespace, cfg.lease_name, s.body))
        .then(
          [=](json_doc& doc) mutable {
            self->state.machine->on_written(doc.value, steady_now());
            logging::info({"leader election", self->state.lease_id()}, "released the lease");
            rp.deliver(atom::ok::value);
            self->quit();
          },
          [=](caf::error& err) mutable {
            logging::warn({"leader election", self->state.lease_id()}, "releasing the lease: {} (it expires by itself)",
                          from_caf_error(err).render());
            rp.deliver(atom::ok::value);
            self->quit();
          });
      return rp;
    },
  };
}

} // namespace

kelos::expected<metrics::gauge_family> register_leader_metrics(metrics::registry& r) {
  return r.gauge("kelos_leader_is_leader",
                 "1 while this kelos-controller replica holds the leader-election Lease, else 0");
}

caf::actor spawn_leader_elector(caf::actor_system& sys, kube_actor kube, elector_settings settings) {
  return sys.spawn(elector_actor, std::move(kube), std::move(settings));
}

} // namespace kelos::leader
