#include "actors/kube_actor.hpp"

#include "actors/kube_request_labels.hpp"
#include "k8s/client/compact_object.hpp"
#include "k8s/client/field_filter.hpp"
#include "k8s/client/line_decoder.hpp"
#include "k8s/client/list_page.hpp"
#include "k8s/client/rate_limiter.hpp"
#include "k8s/client/store.hpp"
#include "k8s/status.hpp"
#include "runtime/caf_error.hpp"
#include "runtime/log.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include <spdlog/spdlog.h>

#include <atomic>
#include <deque>
#include <map>
#include <variant>

namespace kelos {

namespace {

/// A transport answer, handed from a transport thread to the actor.
struct transport_reply {
  uint64_t id = 0;
  std::optional<k8s::http_response> response;
  kelos::error error;
};

/// Something that happened on a watch stream.
struct stream_signal {
  enum class kind_t { head, data, done };
  uint64_t stream = 0;
  kind_t kind = kind_t::data;
  int status = 0;
  std::string data;
  kelos::error error;
};

} // namespace
} // namespace kelos

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kelos::transport_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kelos::stream_signal)

namespace kelos {

namespace {

using k8s::http_request;
using k8s::http_response;
using clock_type = std::chrono::steady_clock;

std::string describe(const http_request& req) {
  return req.method + " " + req.path;
}

/// One API call waiting for its answer (or for its next attempt).
struct pending_call {
  http_request request;
  /// monostate: an internal call (watch lists) answered to the actor itself.
  std::variant<std::monostate, caf::typed_response_promise<json_doc>,
               caf::typed_response_promise<http_response>, caf::typed_response_promise<std::string>>
    promise;
  int attempt = 1;
  /// Made at the first failure: a backoff carries a 2.5 KB random engine, and most calls
  /// never retry.
  std::optional<k8s::backoff> backoff;
};

/// One shared list+watch.
struct watch_entry {
  watch_entry(k8s::resource_info res, k8s::watch_config cfg, k8s::store<k8s::compact_object>::projection project)
    : resource(std::move(res)), machine(std::move(cfg)),
      cache(std::move(project), k8s::store<k8s::compact_object>::label_index::drop) {}
  k8s::resource_info resource;
  k8s::watch_machine machine;
  /// The projected objects as compact text: reads decode a fresh copy. Watches select by
  /// label on the server (`watch_spec::label_selector`), so no label index is kept.
  k8s::store<k8s::compact_object> cache;
  std::vector<caf::actor> subscribers;
  k8s::line_decoder decoder;
  /// Parse filter of watch event lines (`kube_config::decode_filter`), if any.
  std::optional<k8s::filter_node> event_filter;
  /// Id of the current list call or stream; answers for other ids are stale.
  uint64_t current = 0;
  /// Cancels the current stream, if one is open.
  std::function<void()> cancel;
  clock_type::time_point stream_started;
  int stream_status = 0;
  std::string error_body;
  /// resourceVersion per key before a relist, to diff against the new list.
  std::map<k8s::store_key, std::string> before_relist;
  /// Timer generation: a delayed action fires only if no newer action was issued.
  uint64_t timer_generation = 0;
  /// First pages of lists issued so far: every one after the first is a relist.
  uint64_t lists_started = 0;
  /// Why the next first list page is requested (`k8s::list_cause`), for the relist log.
  std::string list_cause = "first list";
  /// The same cause as the relist metric's label (`k8s::relist_cause_label`).
  std::string_view list_cause_label;
  /// Watch streams opened so far: every one after the first is a restart.
  uint64_t watches_started = 0;
};

struct kube_state {
  std::shared_ptr<kube_transport> transport;
  kube_config cfg;
  k8s::resource_registry registry;
  std::optional<k8s::rate_limiter> limiter;
  /// Events have their own bucket of the same size (client-go's event recorder uses its
  /// own client): a burst of Events never delays the writes they describe, nor the reverse.
  std::optional<k8s::rate_limiter> event_limiter;
  uint64_t next_id = 1;
  std::map<uint64_t, pending_call> calls;
  /// Calls the rate limiter delayed, by due time (ties in order of arrival). One timer
  /// serves them all, firing at most every `pace_granularity`: a timer per call woke three
  /// threads per request, which at the default 500 qps doubled the controller's CPU per Task.
  std::multimap<clock_type::time_point, uint64_t> paced;
  bool pace_armed = false;
  /// Requests sent and not yet answered, and those waiting for one of them to finish
  /// (`kube_config::max_in_flight`), oldest first.
  std::size_t in_flight = 0;
  std::deque<uint64_t> waiting;
  std::map<watch_spec, watch_entry> watches;
  /// Which watch a list call id belongs to.
  std::map<uint64_t, watch_spec> list_calls;
  /// Shutdown drains waiting for the pending writes to finish, by drain id.
  std::map<uint64_t, caf::typed_response_promise<std::vector<std::string>>> drains;
  uint64_t next_drain = 1;
  static inline const char* name = "kube";

  kube_state() = default;
  kube_state(const kube_state&) = delete;
  kube_state& operator=(const kube_state&) = delete;
  /// Open streams end with the actor (CAF destroys the state when the actor exits).
  ~kube_state();
};

using kube_pointer = caf::stateful_actor<kube_state>*;

void close_stream(struct watch_entry& w);

kube_state::~kube_state() {
  for (auto& [spec, w] : watches) {
    close_stream(w);
    if (cfg.cache_view)
      cfg.cache_view->withdraw(spec);
  }
}

/// Applies one event to a watch cache, holding the view's lock when the caches are
/// published; the projection runs under it too.
bool apply_to_cache(kube_state& st, watch_entry& w, k8s::store_event ev) {
  std::unique_lock<std::shared_mutex> guard;
  if (st.cfg.cache_view)
    guard = st.cfg.cache_view->lock_for_update();
  return w.cache.apply_event(std::move(ev));
}

/// Ends a watch: closes its stream, withdraws its cache from the view and forgets it.
std::map<watch_spec, watch_entry>::iterator drop_watch(kube_state& st, std::map<watch_spec, watch_entry>::iterator it) {
  close_stream(it->second);
  if (st.cfg.cache_view)
    st.cfg.cache_view->withdraw(it->first);
  return st.watches.erase(it);
}

void transmit(kube_pointer self, uint64_t id) {
  auto& st = self->state;
  auto it = st.calls.find(id);
  if (it == st.calls.end())
    return;
  if (st.cfg.max_in_flight > 0 && st.in_flight >= st.cfg.max_in_flight) {
    st.waiting.push_back(id);
    return;
  }
  ++st.in_flight;
  auto handle = caf::actor_cast<caf::actor>(self);
  // Recorded on the transport's thread (the metrics are thread-safe): the duration ends
  // when the answer arrives, not when the actor gets round to it.
  std::function<void(int)> record;
  if (auto m = st.cfg.metrics) {
    record = [m, verb = kube_verb(it->second.request), started = clock_type::now()](int status) {
      m->kube_requests.with({verb, metrics::status_label(status)}).inc();
      m->kube_request_duration.with({verb}).observe(
        std::chrono::duration<double>(clock_type::now() - started).count());
    };
  }
  self->state.transport->send(it->second.request, [handle, id, record](kelos::expected<http_response> r) {
    if (record)
      record(r ? r->status : 0);
    transport_reply reply;
    reply.id = id;
    if (r)
      reply.response = std::move(*r);
    else
      reply.error = r.error();
    caf::anon_send(handle, atom::response::value, std::move(reply));
  });
}

/// The pacing timer's resolution: a due call waits at most this much longer.
constexpr auto pace_granularity = std::chrono::milliseconds{5};

/// Arms the one pacing timer for the earliest delayed call, unless it is armed.
void arm_pacing(kube_pointer self) {
  auto& st = self->state;
  if (st.pace_armed || st.paced.empty())
    return;
  auto wait = std::max<clock_type::duration>(st.paced.begin()->first - self->clock().now(), pace_granularity);
  st.pace_armed = true;
  self->delayed_send(self, wait, atom::pace::value);
}

/// Sends every delayed call that is due (never one before its time: the rate holds).
void send_due(kube_pointer self) {
  auto& st = self->state;
  st.pace_armed = false;
  auto now = self->clock().now();
  while (!st.paced.empty() && st.paced.begin()->first <= now) {
    auto id = st.paced.begin()->second;
    st.paced.erase(st.paced.begin());
    transmit(self, id);
  }
  arm_pacing(self);
}

/// Sends a call now or, when the rate limiter delays it, once it is due.
void dispatch(kube_pointer self, uint64_t id) {
  auto& st = self->state;
  auto it = st.calls.find(id);
  auto& limiter = it != st.calls.end() && is_event_request(it->second.request) ? st.event_limiter : st.limiter;
  auto now = self->clock().now();
  auto delay = limiter ? limiter->reserve(now) : clock_type::duration::zero();
  if (delay > clock_type::duration::zero()) {
    st.paced.emplace(now + delay, id);
    arm_pacing(self);
  } else {
    transmit(self, id);
  }
}

uint64_t start_call(kube_pointer self, http_request req, decltype(pending_call::promise) promise) {
  auto id = self->state.next_id++;
  self->state.calls.emplace(id, pending_call{std::move(req), std::move(promise), 1, std::nullopt});
  dispatch(self, id);
  return id;
}

void handle_watch_step(kube_pointer self, const watch_spec& spec, k8s::watch_step step);

void notify(kube_pointer self, watch_entry& w, const watch_spec& spec, bool removed,
            const k8s::store_key& key) {
  k8s::object_ref ref{w.resource.kind, key.namespace_, key.name};
  for (auto& sub : w.subscribers) {
    if (removed)
      self->send(sub, atom::remove::value, spec, ref);
    else
      self->send(sub, atom::apply::value, spec, ref);
  }
}

/// Applies store events and tells subscribers what changed. After a relist the new
/// contents are diffed against the old ones, so deletes missed while disconnected are
/// reported.
void apply_events(kube_pointer self, const watch_spec& spec, watch_entry& w,
                  std::vector<k8s::store_event> events) {
  using kind = k8s::store_event::kind_t;
  for (auto& ev : events) {
    switch (ev.kind) {
      case kind::init:
        w.before_relist.clear();
        w.cache.for_each([&](const k8s::store_key& key, const k8s::compact_object& obj) {
          w.before_relist.emplace(key, obj.resource_version);
        });
        apply_to_cache(self->state, w, std::move(ev));
        break;
      case kind::init_apply:
        apply_to_cache(self->state, w, std::move(ev));
        break;
      case kind::init_done: {
        apply_to_cache(self->state, w, std::move(ev));
        auto before = std::move(w.before_relist);
        w.before_relist.clear();
        w.cache.for_each([&](const k8s::store_key& key, const k8s::compact_object& obj) {
          auto old = before.find(key);
          if (old == before.end() || old->second != obj.resource_version)
            notify(self, w, spec, false, key);
          if (old != before.end())
            before.erase(old);
        });
        for (auto& [key, rv] : before)
          notify(self, w, spec, true, key);
        for (auto& sub : w.subscribers)
          self->send(sub, atom::synced::value, spec);
        logging::debug({"kube", spec.to_string()}, "synced with {} objects", w.cache.size());
        break;
      }
      case kind::apply:
      case kind::remove: {
        auto key = k8s::key_of(ev.object);
        bool removed = ev.kind == kind::remove;
        if (apply_to_cache(self->state, w, std::move(ev)))
          notify(self, w, spec, removed, key);
        break;
      }
    }
  }
}

void close_stream(watch_entry& w) {
  if (w.cancel) {
    auto cancel = std::move(w.cancel);
    w.cancel = nullptr;
    cancel();
  }
  w.decoder = k8s::line_decoder{};
  w.stream_status = 0;
  w.error_body.clear();
}

void issue(kube_pointer self, const watch_spec& spec, const k8s::watch_action& action) {
  auto it = self->state.watches.find(spec);
  if (it == self->state.watches.end())
    return;
  auto& w = it->second;
  close_stream(w);
  auto req = w.machine.request_for(action, w.resource, spec.namespace_);
  if (action.kind == k8s::watch_action::kind_t::list) {
    if (action.continue_token.empty() && w.lists_started++ > 0) {
      logging::info({"kube", ""}, "relisting {} (relist {}: {})", spec.to_string(), w.lists_started - 1,
                    w.list_cause);
      if (auto& m = self->state.cfg.metrics)
        m->relists.with({w.resource.qualified_plural(), std::string{w.list_cause_label}}).inc();
    }
    auto id = self->state.next_id++;
    w.current = id;
    self->state.list_calls.emplace(id, spec);
    // A list runs through the ordinary call path (rate limit, no retries: the watch
    // machine owns backoff for lists).
    self->state.calls.emplace(id, pending_call{std::move(req), std::monostate{}, 1, std::nullopt});
    self->state.calls.at(id).attempt = self->state.cfg.retry.max_attempts; // no retry
    dispatch(self, id);
    return;
  }
  auto id = self->state.next_id++;
  w.current = id;
  w.stream_started = self->clock().now();
  auto& m = self->state.cfg.metrics;
  if (m && w.watches_started > 0)
    m->watch_restarts.with({w.resource.qualified_plural()}).inc();
  ++w.watches_started;
  // A watch counts once: with its status when the head arrives, as "error" when the
  // stream ends without one (not when we cancelled it).
  std::function<void(int)> record;
  if (m) {
    record = [m, answered = std::make_shared<std::atomic<bool>>(false), started = clock_type::now()](int status) {
      if (answered->exchange(true))
        return;
      m->kube_requests.with({"watch", metrics::status_label(status)}).inc();
      m->kube_request_duration.with({"watch"}).observe(
        std::chrono::duration<double>(clock_type::now() - started).count());
    };
  }
  auto handle = caf::actor_cast<caf::actor>(self);
  k8s::stream_callbacks cbs;
  cbs.on_response_head = [handle, id, record](int status, const auto&) {
    if (record)
      record(status);
    caf::anon_send(handle, atom::chunk::value,
                   stream_signal{id, stream_signal::kind_t::head, status, {}, {}});
  };
  cbs.on_data = [handle, id](std::string_view data) {
    caf::anon_send(handle, atom::chunk::value,
                   stream_signal{id, stream_signal::kind_t::data, 0, std::string{data}, {}});
  };
  cbs.on_done = [handle, id, record](kelos::error err) {
    if (record && err && err.code != errc::cancelled)
      record(0);
    caf::anon_send(handle, atom::chunk::value,
                   stream_signal{id, stream_signal::kind_t::done, 0, {}, std::move(err)});
  };
  w.cancel = self->state.transport->stream(std::move(req), std::move(cbs));
}

void execute(kube_pointer self, const watch_spec& spec, const k8s::watch_action& action) {
  if (action.kind == k8s::watch_action::kind_t::none)
    return;
  auto it = self->state.watches.find(spec);
  if (it == self->state.watches.end())
    return;
  auto& w = it->second;
  auto generation = ++w.timer_generation;
  if (action.delay.count() > 0) {
    close_stream(w);
    w.current = 0;
    self->delayed_send(self, action.delay, atom::tick::value, spec, generation);
    return;
  }
  issue(self, spec, action);
}

void handle_watch_step(kube_pointer self, const watch_spec& spec, k8s::watch_step step) {
  auto it = self->state.watches.find(spec);
  if (it == self->state.watches.end())
    return;
  if (step.error) {
    auto& err = *step.error;
    if (err.code == errc::forbidden)
      logging::warn({"kube", spec.to_string()}, "watch: {} (check RBAC)", err.render());
    else
      logging::debug({"kube", spec.to_string()}, "watch: {}", err.render());
  }
  if (step.next.kind == k8s::watch_action::kind_t::list && step.next.continue_token.empty()) {
    it->second.list_cause = k8s::list_cause(step.error);
    it->second.list_cause_label = k8s::relist_cause_label(step.error);
  }
  apply_events(self, spec, it->second, std::move(step.events));
  execute(self, spec, step.next);
}

void on_list_reply(kube_pointer self, uint64_t id, const transport_reply& reply) {
  auto lc = self->state.list_calls.find(id);
  if (lc == self->state.list_calls.end())
    return;
  auto spec = lc->second;
  self->state.list_calls.erase(lc);
  auto it = self->state.watches.find(spec);
  if (it == self->state.watches.end() || it->second.current != id)
    return; // stale: unsubscribed or superseded
  auto& w = it->second;
  w.current = 0;
  if (!reply.response) {
    handle_watch_step(self, spec, w.machine.step(k8s::list_failed{reply.error}));
    return;
  }
  auto& resp = *reply.response;
  if (resp.status != 200) {
    auto err = k8s::error_from_response(resp.status, resp.body, "list " + spec.to_string());
    handle_watch_step(self, spec, w.machine.step(k8s::list_failed{err}));
    return;
  }
  auto page = k8s::decode_list_page(resp.body);
  if (!page) {
    handle_watch_step(self, spec, w.machine.step(k8s::decode_failed{page.error()}));
    return;
  }
  handle_watch_step(self, spec, w.machine.step(k8s::list_page_received{std::move(*page)}));
}

void on_stream_signal(kube_pointer self, stream_signal& sig) {
  watch_spec spec;
  watch_entry* w = nullptr;
  for (auto& [s, entry] : self->state.watches) {
    if (entry.current == sig.stream) {
      spec = s;
      w = &entry;
      break;
    }
  }
  if (w == nullptr)
    return; // a stream we already abandoned
  using kind = stream_signal::kind_t;
  switch (sig.kind) {
    case kind::head:
      w->stream_status = sig.status;
      return;
    case kind::data: {
      if (w->stream_status != 200) {
        if (w->error_body.size() < 64 * 1024)
          w->error_body += sig.data;
        return;
      }
      std::vector<k8s::watch_input> inputs;
      auto fed = w->decoder.feed(sig.data, [&](std::string_view line) {
        inputs.push_back(k8s::input_from_line(line, w->event_filter ? &*w->event_filter : nullptr));
      });
      if (!fed)
        inputs.emplace_back(k8s::decode_failed{fed.error()});
      uint64_t stream = sig.stream;
      for (auto& in : inputs) {
        auto it = self->state.watches.find(spec);
        if (it == self->state.watches.end() || it->second.current != stream)
          return; // the machine moved on (e.g. relist after 410); drop the rest
        bool stop = std::holds_alternative<k8s::decode_failed>(in);
        handle_watch_step(self, spec, it->second.machine.step(std::move(in)));
        if (stop)
          return;
      }
      return;
    }
    case kind::done: {
      w->current = 0;
      w->cancel = nullptr;
      if (sig.error.code == errc::cancelled)
        return;
      if (w->stream_status != 0 && w->stream_status != 200) {
        auto err = k8s::error_from_response(w->stream_status, w->error_body,
                                            "watch " + spec.to_string());
        handle_watch_step(self, spec, w->machine.step(k8s::stream_failed{err}));
        return;
      }
      if (sig.error) {
        handle_watch_step(self, spec, w->machine.step(k8s::stream_failed{sig.error}));
        return;
      }
      if (auto fin = w->decoder.finish(); !fin) {
        handle_watch_step(self, spec, w->machine.step(k8s::decode_failed{fin.error()}));
        return;
      }
      auto lasted = std::chrono::duration_cast<std::chrono::milliseconds>(
        self->clock().now() - w->stream_started);
      handle_watch_step(self, spec, w->machine.step(k8s::stream_closed{lasted}));
      return;
    }
  }
}

/// One sent request was answered: the oldest waiting one may go.
void release_slot(kube_pointer self) {
  auto& st = self->state;
  if (st.in_flight > 0)
    --st.in_flight;
  while (!st.waiting.empty() && (st.cfg.max_in_flight == 0 || st.in_flight < st.cfg.max_in_flight)) {
    auto next = st.waiting.front();
    st.waiting.pop_front();
    transmit(self, next);
  }
}

/// Writes (every method but GET) accepted and not yet answered: on the wire, waiting for
/// a slot or the rate limiter, or waiting to be retried.
std::vector<std::string> pending_writes(const kube_state& st) {
  std::vector<std::string> out;
  for (const auto& [id, call] : st.calls)
    if (call.request.method != "GET")
      out.push_back(describe(call.request));
  return out;
}

/// Answers the shutdown drains once no write is pending.
void settle_drains(kube_pointer self) {
  auto& st = self->state;
  if (st.drains.empty() || !pending_writes(st).empty())
    return;
  for (auto& [id, rp] : st.drains)
    rp.deliver(std::vector<std::string>{});
  st.drains.clear();
}

void on_call_reply_inner(kube_pointer self, transport_reply& reply);

void on_call_reply(kube_pointer self, transport_reply& reply) {
  on_call_reply_inner(self, reply);
  settle_drains(self);
}

void on_call_reply_inner(kube_pointer self, transport_reply& reply) {
  release_slot(self);
  auto it = self->state.calls.find(reply.id);
  if (it == self->state.calls.end())
    return;
  auto& call = it->second;
  if (self->state.list_calls.count(reply.id) > 0) {
    self->state.calls.erase(it);
    on_list_reply(self, reply.id, reply);
    return;
  }
  k8s::attempt_outcome outcome;
  std::string retry_after;
  if (reply.response) {
    outcome.status = reply.response->status;
    retry_after = reply.response->header("Retry-After");
    outcome.retry_after = retry_after;
  } else {
    outcome.transport_error = reply.error.code;
  }
  bool failed = !reply.response || reply.response->status >= 400;
  if (failed) {
    if (!call.backoff)
      call.backoff.emplace(self->state.cfg.retry.backoff);
    if (auto delay = k8s::next_retry_delay(self->state.cfg.retry, call.request, outcome,
                                           call.attempt, *call.backoff)) {
      logging::debug({"kube", ""}, "{} failed ({}), retry {} in {} ms", describe(call.request),
                     reply.response ? std::to_string(reply.response->status) : reply.error.render(),
                     call.attempt + 1, delay->count());
      ++call.attempt;
      self->delayed_send(self, *delay, atom::retry::value, reply.id);
      return;
    }
  }
  auto done = std::move(call);
  self->state.calls.erase(it);
  if (auto* raw = std::get_if<caf::typed_response_promise<http_response>>(&done.promise)) {
    if (reply.response)
      raw->deliver(std::move(*reply.response));
    else
      raw->deliver(to_caf_error(reply.error));
    return;
  }
  auto fail = [](auto& rp, const kelos::error& err) { rp.deliver(to_caf_error(err)); };
  auto error_of = [&](const http_response& resp) {
    auto err = k8s::error_from_response(resp.status, resp.body, describe(done.request));
    if (err.code == errc::forbidden)
      logging::warn({"kube", ""}, "{} (check RBAC)", err.render());
    return err;
  };
  if (auto* text = std::get_if<caf::typed_response_promise<std::string>>(&done.promise)) {
    if (!reply.response)
      fail(*text, kelos::error{reply.error.code, describe(done.request) + ": " + reply.error.message});
    else if (reply.response->status < 200 || reply.response->status >= 300)
      fail(*text, error_of(*reply.response));
    else
      text->deliver(std::move(reply.response->body));
    return;
  }
  auto& rp = std::get<caf::typed_response_promise<json_doc>>(done.promise);
  if (!reply.response) {
    fail(rp, kelos::error{reply.error.code, describe(done.request) + ": " + reply.error.message});
    return;
  }
  auto& resp = *reply.response;
  if (resp.status < 200 || resp.status >= 300) {
    fail(rp, error_of(resp));
    return;
  }
  if (resp.body.empty()) {
    rp.deliver(json_doc{nullptr});
    return;
  }
  auto body = k8s::parse_whole(resp.body);
  if (!body) {
    rp.deliver(to_caf_error(make_error(errc::parse_error,
                                       describe(done.request) + ": response is not JSON")));
    return;
  }
  rp.deliver(json_doc{std::move(*body)});
}

caf::behavior kube(kube_pointer self, std::shared_ptr<kube_transport> transport, kube_config cfg,
                   k8s::resource_registry registry) {
  auto& st = self->state;
  st.transport = std::move(transport);
  st.cfg = std::move(cfg);
  st.registry = std::move(registry);
  if (st.cfg.qps > 0) {
    st.limiter.emplace(st.cfg.qps, st.cfg.burst, self->clock().now());
    st.event_limiter.emplace(st.cfg.qps, st.cfg.burst, self->clock().now());
  }
  self->set_down_handler([self](caf::down_msg& dm) {
    // A subscriber died: drop it everywhere; a watch without subscribers stops.
    for (auto it = self->state.watches.begin(); it != self->state.watches.end();) {
      auto& subs = it->second.subscribers;
      subs.erase(std::remove_if(subs.begin(), subs.end(),
                                [&](const caf::actor& a) { return a.address() == dm.source; }),
                 subs.end());
      if (subs.empty()) {
        it = drop_watch(self->state, it);
      } else {
        ++it;
      }
    }
  });
  return {
    [self](atom::call, http_request& req) -> caf::result<json_doc> {
      auto rp = self->make_response_promise<json_doc>();
      start_call(self, std::move(req), rp);
      return rp;
    },
    [self](atom::call_raw, http_request& req) -> caf::result<http_response> {
      auto rp = self->make_response_promise<http_response>();
      start_call(self, std::move(req), rp);
      return rp;
    },
    [self](atom::call_text, http_request& req) -> caf::result<std::string> {
      auto rp = self->make_response_promise<std::string>();
      start_call(self, std::move(req), rp);
      return rp;
    },
    [self](atom::subscribe, const watch_spec& spec, const caf::actor& sub) -> caf::result<atom::ok> {
      auto& st = self->state;
      auto it = st.watches.find(spec);
      if (it == st.watches.end()) {
        auto res = st.registry.by_kind(spec.api_version, spec.kind);
        if (res == nullptr)
          return to_caf_error(make_error(errc::invalid_spec, "cannot watch " + spec.to_string()
                                                               + ": unknown kind"));
        auto wcfg = st.cfg.watch;
        wcfg.label_selector = spec.label_selector;
        k8s::store<k8s::compact_object>::projection project = [](k8s::json&& j) {
          return k8s::compact_object::encode(j);
        };
        if (st.cfg.projection)
          project = [f = st.cfg.projection, spec](k8s::json&& j) {
            return k8s::compact_object::encode(f(spec, std::move(j)));
          };
        it = st.watches.try_emplace(spec, *res, std::move(wcfg), std::move(project)).first;
        if (st.cfg.decode_filter)
          if (auto f = st.cfg.decode_filter(spec))
            it->second.event_filter = k8s::watch_event_filter(std::move(*f));
        if (st.cfg.cache_view)
          st.cfg.cache_view->publish(spec, &it->second.cache);
        it->second.subscribers.push_back(sub);
        self->monitor(sub);
        if (auto& m = st.cfg.metrics) {
          // Every watched resource shows its restarts and relists, at 0 until one happens.
          m->watch_restarts.with({res->qualified_plural()});
          for (const char* cause : {"expired", "list_failed"})
            m->relists.with({res->qualified_plural(), cause});
        }
        logging::debug({"kube", spec.to_string()}, "starting watch");
        execute(self, spec, it->second.machine.start());
        return atom::ok::value;
      }
      auto& w = it->second;
      if (std::find(w.subscribers.begin(), w.subscribers.end(), sub) == w.subscribers.end()) {
        w.subscribers.push_back(sub);
        self->monitor(sub);
      }
      w.cache.for_each([&](const k8s::store_key& key, const k8s::compact_object&) {
        self->send(sub, atom::apply::value, spec, k8s::object_ref{w.resource.kind, key.namespace_, key.name});
      });
      if (w.cache.synced())
        self->send(sub, atom::synced::value, spec);
      return atom::ok::value;
    },
    [self](atom::unsubscribe, const watch_spec& spec, const caf::actor& sub) {
      auto it = self->state.watches.find(spec);
      if (it == self->state.watches.end())
        return;
      auto& subs = it->second.subscribers;
      subs.erase(std::remove(subs.begin(), subs.end(), sub), subs.end());
      if (subs.empty()) {
        drop_watch(self->state, it);
        logging::debug({"kube", spec.to_string()}, "stopped watch");
      }
    },
    [self](atom::get, const watch_spec& spec, const k8s::object_ref& ref) {
      auto it = self->state.watches.find(spec);
      if (it == self->state.watches.end())
        return json_doc{nullptr};
      auto obj = it->second.cache.get(ref.namespace_, ref.name);
      return json_doc{obj ? obj->decode() : k8s::json(nullptr)};
    },
    [self](atom::list, const watch_spec& spec, const std::string& ns) {
      object_list out;
      auto it = self->state.watches.find(spec);
      if (it == self->state.watches.end())
        return out;
      auto items = ns.empty() ? it->second.cache.list() : it->second.cache.list_namespace(ns);
      out.items.reserve(items.size());
      for (auto* obj : items)
        if (auto decoded = obj->decode(); !decoded.is_null())
          out.items.push_back(std::move(decoded));
      return out;
    },
    // Internal messages.
    [self](atom::response, transport_reply& reply) { on_call_reply(self, reply); },
    [self](atom::retry, uint64_t id) { transmit(self, id); },
    [self](atom::pace) { send_due(self); },
    // Shutdown drain (outside the typed interface; cli/controller_runtime.cpp sends it
    // untyped): replies once every pending write has been answered, with an empty list,
    // or after `budget` with the writes still pending ("PATCH /apis/..."), which the
    // caller reports as abandoned. Reads are not waited for.
    [self](atom::shutdown, caf::timespan budget) -> caf::result<std::vector<std::string>> {
      auto pending = pending_writes(self->state);
      if (pending.empty())
        return std::vector<std::string>{};
      auto id = self->state.next_drain++;
      auto rp = self->make_response_promise<std::vector<std::string>>();
      self->state.drains.emplace(id, rp);
      self->delayed_send(self, budget, atom::shutdown::value, id);
      return rp;
    },
    [self](atom::shutdown, uint64_t drain) {
      auto it = self->state.drains.find(drain);
      if (it == self->state.drains.end())
        return;
      it->second.deliver(pending_writes(self->state));
      self->state.drains.erase(it);
    },
    [self](atom::chunk, stream_signal& sig) { on_stream_signal(self, sig); },
    [self](atom::tick, const watch_spec& spec, uint64_t generation) {
      auto it = self->state.watches.find(spec);
      if (it == self->state.watches.end() || it->second.timer_generation != generation)
        return;
      // The delay has passed: ask the machine for the action again with no delay.
      auto& m = it->second.machine;
      k8s::watch_action action;
      if (m.phase() == k8s::watch_phase::listing) {
        action.kind = k8s::watch_action::kind_t::list;
        action.continue_token = m.continue_token();
      } else {
        action.kind = k8s::watch_action::kind_t::watch;
        action.resource_version = m.resource_version();
      }
      issue(self, spec, action);
    },
  };
}

} // namespace

kelos::expected<void> validate(const kube_config& cfg) {
  if (cfg.qps > 0 && cfg.burst < 1)
    return make_error(errc::invalid_config, "kube.burst: must be at least 1 when qps is set");
  if (cfg.retry.max_attempts < 1)
    return make_error(errc::invalid_config, "kube.retry.max_attempts: must be at least 1");
  if (cfg.watch.page_size < 0)
    return make_error(errc::invalid_config, "kube.watch.page_size: must not be negative");
  return {};
}

kube_actor spawn_kube(caf::actor_system& sys, std::shared_ptr<kube_transport> transport,
                      kube_config cfg, k8s::resource_registry registry) {
  return caf::actor_cast<kube_actor>(
    sys.spawn(kube, std::move(transport), std::move(cfg), std::move(registry)));
}

} // namespace kelos
