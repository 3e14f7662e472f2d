#pragma once

#include "k8s/json.hpp"

namespace kelos::k8s {

/// What the watch state machine tells a store (kube-rs `watcher::Event`).
///
/// A (re)list produces `init`, zero or more `init_apply`, then `init_done`; the store
/// must buffer between `init` and `init_done` and replace its contents at `init_done`.
/// While watching, `apply` and `remove` change single objects.
struct store_event {
  enum class kind_t {
    /// A (re)list starts: begin a fresh buffer (discarding any unfinished one).
    init,
    /// An object of the (re)list; goes into the buffer.
    init_apply,
    /// The (re)list is complete: swap the buffer in; the store is now synced.
    init_done,
    /// An object was added or modified.
    apply,
    /// An object was deleted; `object` is its last known state.
    remove,
  };
  kind_t kind = kind_t::init;
  /// The object for init_apply/apply/remove; null otherwise.
  json object;

  static store_event init() { return {kind_t::init, nullptr}; }
  static store_event init_done() { return {kind_t::init_done, nullptr}; }
  static store_event init_apply(json obj) { return {kind_t::init_apply, std::move(obj)}; }
  static store_event apply(json obj) { return {kind_t::apply, std::move(obj)}; }
  static store_event remove(json obj) { return {kind_t::remove, std::move(obj)}; }
};

} // namespace kelos::k8s
