#pragma once

// Direct reads of the KUBE actor's watch caches by the actors of the same process.
//
// The KUBE actor stays the only writer of its caches. When its `kube_config::cache_view` is
// set, it publishes each watch cache here and changes a published cache only while holding
// the view's lock exclusively. Readers take the lock shared for one lookup and copy the
// cached text out, so a reconcile reads its Task, Job and Secret without a request and a
// reply through the KUBE actor's mailbox (six messages per pass), as controller-runtime's
// reconcilers read the informer cache directly.
//
// Ordering is the same as with `atom::get`: the KUBE actor applies an event to the cache
// before it notifies subscribers, so a read made after a notification sees that change or
// a later one.

#include "actors/kube_messages.hpp"
#include "k8s/client/compact_object.hpp"
#include "k8s/client/store.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>

namespace kelos {

class kube_cache_view {
public:
  using cache = k8s::store<k8s::compact_object>;

  /// The cached object, decoded; null when the cache does not hold it. nullopt when no
  /// cache is published for `spec` (not watched, or the KUBE actor has stopped): ask the
  /// KUBE actor instead, which answers null for an unwatched spec.
  std::optional<k8s::json> get(const watch_spec& spec, const k8s::object_ref& ref) const;

  // For the KUBE actor only.

  /// Exclusive access for changing a published cache: hold the returned lock while
  /// applying events to it.
  std::unique_lock<std::shared_mutex> lock_for_update() { return std::unique_lock{mutex_}; }
  /// Makes `c` readable under `spec`. `c` must stay valid until `withdraw(spec)`.
  void publish(const watch_spec& spec, const cache* c);
  /// Stops reads of the cache published under `spec`; no-op when none is.
  void withdraw(const watch_spec& spec);

private:
  mutable std::shared_mutex mutex_;
  std::map<watch_spec, const cache*> caches_;
};

} // namespace kelos
