#pragma once

// Every atom Kelos uses, in one place (CAF 0.17 spelling; at most 10 characters).
// Keeping version-sensitive spellings here makes a later CAF 1.x migration one edit.

#include <caf/atom.hpp>

namespace kelos::atom {

/// Execute one Kubernetes API request.
using call = caf::atom_constant<caf::atom("call")>;
/// Execute one request and return the raw response (logs, non-JSON bodies).
using call_raw = caf::atom_constant<caf::atom("call_raw")>;
/// Execute one request and return the body of a 2xx answer unparsed (replies the caller
/// discards or reads only later).
using call_text = caf::atom_constant<caf::atom("call_text")>;
/// Subscribe to changes of a kind.
using subscribe = caf::atom_constant<caf::atom("subscribe")>;
/// Stop a subscription.
using unsubscribe = caf::atom_constant<caf::atom("unsub")>;
/// Read from a cache.
using get = caf::atom_constant<caf::atom("get")>;
/// List from a cache.
using list = caf::atom_constant<caf::atom("list")>;
/// Watch notifications to subscribers.
using init = caf::atom_constant<caf::atom("init")>;
using apply = caf::atom_constant<caf::atom("apply")>;
using remove = caf::atom_constant<caf::atom("remove")>;
using synced = caf::atom_constant<caf::atom("synced")>;
/// Internal: a transport result or stream chunk arrived for request/stream `id`.
using response = caf::atom_constant<caf::atom("response")>;
using chunk = caf::atom_constant<caf::atom("chunk")>;
using stream_end = caf::atom_constant<caf::atom("streamend")>;
using stream_head = caf::atom_constant<caf::atom("streamhead")>;
/// Internal: a timer fired (retry, backoff, rate limit).
using retry = caf::atom_constant<caf::atom("retry")>;
using tick = caf::atom_constant<caf::atom("tick")>;
/// Internal: rate-limited calls may be due (KUBE actor pacing).
using pace = caf::atom_constant<caf::atom("pace")>;
/// Reconcile an object.
using reconcile = caf::atom_constant<caf::atom("reconcile")>;
/// Task controller: ask the dependency gate for a verdict.
using check = caf::atom_constant<caf::atom("check")>;
/// Task controller: ask for / give back a branch lock.
using acquire = caf::atom_constant<caf::atom("acquire")>;
using release = caf::atom_constant<caf::atom("release")>;
/// Task controller: reconcile a Task because something it waits for changed.
using wake = caf::atom_constant<caf::atom("wake")>;
/// Task controller: wake a Task when a referenced object appears.
using watch_ref = caf::atom_constant<caf::atom("watchref")>;
/// Task controller: the pod of a Task became known.
using pod = caf::atom_constant<caf::atom("pod")>;
/// Task controller: a reconcile slot was taken for the receiver (reconcile_slots).
using grant = caf::atom_constant<caf::atom("grant")>;
/// Orderly shutdown request.
using shutdown = caf::atom_constant<caf::atom("shutdown")>;
/// Generic acknowledgement.
using ok = caf::atom_constant<caf::atom("ok")>;

} // namespace kelos::atom
