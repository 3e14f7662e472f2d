#pragma once

// One cached object for the Task controller's actors (the supervisor, the TASK actors,
// the dependency gate, the branch lock): read straight from the KUBE actor's published
// caches when it has them, else asked of the KUBE actor. The direct read spares the KUBE actor, the one
// actor every watch event passes through, a request, a decode and a reply per read.

#include "actors/actors.hpp"
#include "actors/kube_cache_view.hpp"

#include <caf/event_based_actor.hpp>

#include <utility>

namespace kelos::task {

/// Reads `ref` from the cache of `spec` and continues with `k(json)` (null: not cached).
/// When `view` publishes that cache, `k` runs before this returns; otherwise the read is an
/// `atom::get` to `kube`, and `on_error(caf::error&)` runs if that request fails.
template <class Continue, class Fail>
void read_cached(caf::event_based_actor* self, const kube_actor& kube, const kube_cache_view* view,
                 watch_spec spec, k8s::object_ref ref, Continue k, Fail on_error) {
  if (view != nullptr) {
    if (auto obj = view->get(spec, ref)) {
      k(std::move(*obj));
      return;
    }
  }
  self->request(kube, caf::infinite, atom::get::value, std::move(spec), std::move(ref))
    .then([k](json_doc& doc) mutable { k(std::move(doc.value)); }, std::move(on_error));
}

} // namespace kelos::task
