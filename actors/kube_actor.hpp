#pragma once

// The KUBE actor: the only component of kelos-controller that performs Kubernetes API I/O.
//
//   other actors ──(call / call_raw)──▶ KUBE ──rate limit──▶ transport ──▶ API server
//        ▲                               │ ◀──(anon_send: reply, stream bytes)──┘
//        └──(apply / remove / synced)────┤
//                                        └─ one list+watch per watch_spec, shared by all
//                                           subscribers; pure watch_machine + store
//
// Requests are executed one message at a time but never block: the transport runs on
// its own threads and reports back with messages. Idempotent requests are retried with
// backoff on 429/5xx/connection errors (k8s/client/retry_policy.hpp); every request,
// watch lists included, passes one client-side token bucket.

#include "actors/actors.hpp"
#include "actors/kube_cache_view.hpp"
#include "actors/kube_transport.hpp"
#include "k8s/client/field_filter.hpp"
#include "k8s/client/retry_policy.hpp"
#include "k8s/client/watch_state.hpp"
#include "k8s/resource_registry.hpp"
#include "runtime/controller_metrics.hpp"

#include <caf/actor_system.hpp>

namespace kelos {

/// Settings of the KUBE actor. Defaults suit a controller; client-go defaults to 5 qps
/// and burst 10, far too low for an operator managing thousands of Tasks.
struct kube_config {
  /// Client-side rate limit shared by every request but Events, which have a second bucket
  /// of the same size; qps <= 0 disables both.
  double qps = 50;
  int burst = 100;
  /// Most requests on the wire at once (watch streams excluded); later ones wait in FIFO
  /// order. Bounds connections and buffered replies under bursts (client-go gets the same
  /// effect from HTTP/2, one connection per server). 0: unbounded.
  std::size_t max_in_flight = 64;
  /// Retries of failed idempotent requests.
  k8s::retry_policy retry;
  /// List page size, watch timeout, watch backoff.
  k8s::watch_config watch;
  /// Applied to every object before it enters a watch cache (list items and watch
  /// events), so caches hold only what subscribers read. Must keep apiVersion, kind,
  /// metadata.name/namespace/uid/resourceVersion. Unset: objects are cached whole.
  std::function<k8s::json(const watch_spec&, k8s::json&&)> projection;
  /// What of each watch event's object is decoded at all, per spec: the parser skips what
  /// the filter drops without building it (`k8s::parse_filtered`), which is most of a Job
  /// (its pod template) and every object's managedFields. Must keep everything
  /// `projection` keeps. Unset, or nullopt for a spec: whole objects.
  std::function<std::optional<k8s::filter_node>(const watch_spec&)> decode_filter;
  /// Request, watch-restart and relist metrics (`kelos_kube_*`); null records nothing.
  /// Every attempt counts (a retried request counts once per attempt, as in client-go).
  std::shared_ptr<const metrics::controller_metrics> metrics;
  /// When set, every watch cache is published here for direct reads by other actors of the
  /// process (`kube_cache_view`); `atom::get` keeps working either way.
  std::shared_ptr<kube_cache_view> cache_view;
};

/// Checks the settings; errors name the field.
kelos::expected<void> validate(const kube_config& cfg);

/// Spawns the KUBE actor. `registry` maps watch specs (apiVersion, kind) to resources.
kube_actor spawn_kube(caf::actor_system& sys, std::shared_ptr<kube_transport> transport,
                      kube_config cfg = {},
                      k8s::resource_registry registry = k8s::resource_registry::with_builtins());

} // namespace kelos
