#pragma once

// Every typed actor interface of kelos-controller, in one documented place
// (CAF 0.17 spelling: replies_to<...>::with<...>, reacts_to<...>).

#include "actors/kube_messages.hpp"
#include "runtime/atoms.hpp"

#include <caf/typed_actor.hpp>
#include <caf/replies_to.hpp>

namespace kelos {

/// The KUBE actor interface: the only component that talks to the Kubernetes API.
///
/// It owns the HTTP connections, the list+watch streams and their caches, client-side
/// rate limiting and retries. Everything else sends it requests built by the pure
/// functions of k8s/client/request.hpp and subscribes to kinds.
///
/// Subscribers are plain actors that handle these messages:
/// - `(atom::apply, watch_spec, k8s::object_ref)`: the object was added or changed;
///   read it with `atom::get`.
/// - `(atom::remove, watch_spec, k8s::object_ref)`: the object is gone.
/// - `(atom::synced, watch_spec)`: the cache holds a complete list. Sent after the first
///   list and after every relist; supervisors admit no work before it.
/// After a relist (410 Gone, reconnect), the KUBE actor diffs old and new cache contents
/// and sends `apply` for added or changed objects and `remove` for vanished ones, so a
/// delete missed while disconnected is still reported.
using kube_actor = caf::typed_actor<
  // Executes one request. Replies with the parsed JSON body for a 2xx answer (null for an
  // empty body), or an error with a kelos::errc (not_found, conflict, already_exists,
  // gone, forbidden, bad_request, server_unavailable, connection_failed, timeout...) and
  // the server's message. Idempotent requests are retried on 429/5xx/connection errors.
  caf::replies_to<atom::call, k8s::http_request>::with<json_doc>,
  // Executes one request and replies with the raw response whatever its status (pod
  // logs, non-JSON bodies). Errors only for transport failures.
  caf::replies_to<atom::call_raw, k8s::http_request>::with<k8s::http_response>,
  // As `call` (same errors, same retries), but replies with the body of the 2xx answer as
  // text: parsing costs more than the request for a reply nobody reads (Events) or reads
  // only in a rare case (a created Job, until the cache has it).
  caf::replies_to<atom::call_text, k8s::http_request>::with<std::string>,
  // Subscribes an actor to a kind. Starts the shared list+watch for the spec when it is
  // the first subscriber; a later subscriber immediately gets `apply` for every cached
  // object and `synced` if the cache is synced. Replies once the subscription is recorded.
  caf::replies_to<atom::subscribe, watch_spec, caf::actor>::with<atom::ok>,
  // Removes a subscription; the watch stops when its last subscriber leaves.
  caf::reacts_to<atom::unsubscribe, watch_spec, caf::actor>,
  // Reads one object from the cache of a subscribed spec; replies null when absent.
  caf::replies_to<atom::get, watch_spec, k8s::object_ref>::with<json_doc>,
  // Lists the cache of a subscribed spec, optionally one namespace ("" = all).
  caf::replies_to<atom::list, watch_spec, std::string>::with<object_list>>;

} // namespace kelos
