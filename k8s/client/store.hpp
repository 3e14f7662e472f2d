#pragma once

#include "k8s/client/store_event.hpp"
#include "k8s/json.hpp"

#include <cassert>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kelos::k8s {

/// Namespace and name of a stored object (namespace empty for cluster-scoped kinds).
/// Ordered by namespace, then name.
struct store_key {
  /// `metadata.namespace`; empty for cluster-scoped objects.
  std::string namespace_;
  /// `metadata.name`.
  std::string name;

  friend bool operator==(const store_key&, const store_key&) = default;
  friend auto operator<=>(const store_key&, const store_key&) = default;
};

/// Reads the key (`metadata.namespace`, `metadata.name`) of an object.
store_key key_of(const json& object);

/// Labels of an object as sorted (key, value) pairs — compact enough to keep per object.
using label_list = std::vector<std::pair<std::string, std::string>>;
/// Reads `metadata.labels` (non-string values are skipped).
label_list labels_of(const json& object);
/// True when every (key, value) of `selector` is present in `labels` (label equality;
/// an empty selector matches everything).
bool labels_match(const label_list& labels, const std::map<std::string, std::string>& selector);

/// A reflector cache: the current objects of one watched resource, kept as compact
/// values of type `T` produced by a projection (ARCHITECTURE.md "Caches hold what the
/// controller reads"), plus their labels for selection.
///
/// Consumes `store_event`s from `watch_machine` (kube-rs `reflector::store::Writer`):
/// - `init` starts a fresh buffer (dropping an unfinished one);
/// - `init_apply` goes to the buffer; readers still see the old contents;
/// - `init_done` replaces the contents with the buffer in one step and marks the store
///   synced, so objects deleted while disconnected vanish;
/// - `apply` / `remove` change one object (remove of an unknown key is a no-op).
///
/// Guarantees: iteration is in key order (namespace, then name), so results are
/// deterministic. Pointers returned by reads are valid until the next `apply_event`.
/// Not thread-safe: owned by one actor.
template <class T>
class store {
public:
  using value_type = T;
  /// Turns a watched object into the cached value. It receives the event's object as an
  /// rvalue, so a projection that keeps the whole object can move it instead of copying;
  /// a lambda taking `const json&` works too.
  using projection = std::function<T(json&&)>;

  /// One cached object.
  struct entry {
    /// The projected value.
    T value;
    /// The object's labels, sorted by key.
    label_list labels;
  };

  /// Whether each entry keeps its labels for `labels` and `list_by_labels`. A cache whose
  /// readers never select by label drops them (a Job's kelos labels cost ~400 B per entry).
  enum class label_index { keep, drop };

  explicit store(projection project, label_index labels = label_index::keep)
    : project_(std::move(project)), keep_labels_(labels == label_index::keep) {}

  /// Applies one event; returns false (and ignores it) for init_apply/init_done without
  /// a preceding init, or for an object without a name.
  bool apply_event(store_event ev) {
    using k = store_event::kind_t;
    switch (ev.kind) {
      case k::init:
        buffer_.clear();
        initializing_ = true;
        return true;
      case k::init_apply: {
        if (!initializing_) return false;
        auto key = key_of(ev.object);
        if (key.name.empty()) return false;
        buffer_.insert_or_assign(std::move(key), make_entry(std::move(ev.object)));
        return true;
      }
      case k::init_done:
        if (!initializing_) return false;
        objects_.swap(buffer_);
        buffer_.clear();
        initializing_ = false;
        synced_ = true;
        return true;
      case k::apply: {
        auto key = key_of(ev.object);
        if (key.name.empty()) return false;
        objects_.insert_or_assign(std::move(key), make_entry(std::move(ev.object)));
        return true;
      }
      case k::remove: {
        auto key = key_of(ev.object);
        if (key.name.empty()) return false;
        objects_.erase(key);
        return true;
      }
    }
    return false;
  }

  /// Applies a batch of events in order.
  void apply_events(std::vector<store_event> events) {
    for (auto& ev : events) apply_event(std::move(ev));
  }

  /// True once the first complete list has been swapped in. Callers must not act on
  /// the contents before (an empty unsynced store is not "no objects").
  bool synced() const noexcept { return synced_; }
  /// True between `init` and `init_done`.
  bool initializing() const noexcept { return initializing_; }

  /// The object, or nullptr.
  const T* get(std::string_view ns, std::string_view name) const {
    auto it = objects_.find(store_key{std::string{ns}, std::string{name}});
    return it == objects_.end() ? nullptr : &it->second.value;
  }
  /// The labels of an object, or nullptr. Precondition: labels are kept.
  const label_list* labels(std::string_view ns, std::string_view name) const {
    assert(keep_labels_);
    auto it = objects_.find(store_key{std::string{ns}, std::string{name}});
    return it == objects_.end() ? nullptr : &it->second.labels;
  }

  std::size_t size() const noexcept { return objects_.size(); }
  bool empty() const noexcept { return objects_.empty(); }

  /// Every object, in key order.
  std::vector<const T*> list() const {
    std::vector<const T*> out;
    out.reserve(objects_.size());
    for (const auto& [key, e] : objects_) out.push_back(&e.value);
    return out;
  }

  /// Objects in namespace `ns`, in name order.
  std::vector<const T*> list_namespace(std::string_view ns) const {
    std::vector<const T*> out;
    for (auto it = objects_.lower_bound(store_key{std::string{ns}, {}});
         it != objects_.end() && it->first.namespace_ == ns; ++it)
      out.push_back(&it->second.value);
    return out;
  }

  /// Objects whose labels include every pair of `selector`; `ns` empty = all namespaces.
  /// Precondition: labels are kept.
  std::vector<const T*> list_by_labels(const std::map<std::string, std::string>& selector,
                                       std::string_view ns = {}) const {
    assert(keep_labels_);
    std::vector<const T*> out;
    auto it = ns.empty() ? objects_.begin() : objects_.lower_bound(store_key{std::string{ns}, {}});
    for (; it != objects_.end(); ++it) {
      if (!ns.empty() && it->first.namespace_ != ns) break;
      if (labels_match(it->second.labels, selector)) out.push_back(&it->second.value);
    }
    return out;
  }

  /// Visits every (key, value) in key order.
  template <class F>
  void for_each(F&& f) const {
    for (const auto& [key, e] : objects_) f(key, e.value);
  }

private:
  entry make_entry(json&& object) const {
    label_list labels;
    if (keep_labels_) labels = labels_of(object);  // before the projection may move the object away
    return entry{project_(std::move(object)), std::move(labels)};
  }

  projection project_;
  bool keep_labels_ = true;
  std::map<store_key, entry> objects_;
  std::map<store_key, entry> buffer_;
  bool initializing_ = false;
  bool synced_ = false;
};

/// A store that keeps whole objects (for our own kinds, or tools).
inline store<json> make_json_store() {
  return store<json>{[](json&& o) { return std::move(o); }};
}

} // namespace kelos::k8s
