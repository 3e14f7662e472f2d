#pragma once

// Message types exchanged with the KUBE actor, with their CAF inspectors.
// Everything here is a plain value; the only CAF include is the inspector support.

#include "k8s/client/http_message.hpp"
#include "k8s/json.hpp"
#include "k8s/object_meta.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/meta/type_name.hpp>

#include <string>
#include <tuple>
#include <vector>

namespace kelos {

/// What a subscription watches: one kind, optionally narrowed to a namespace and a
/// label selector. Subscriptions with equal specs share one list+watch.
struct watch_spec {
  /// "batch/v1", "kelos.dev/v1alpha1", "v1".
  std::string api_version;
  /// "Job", "Task", ...
  std::string kind;
  /// Empty: all namespaces.
  std::string namespace_;
  /// Empty: every object.
  std::string label_selector;

  friend bool operator==(const watch_spec&, const watch_spec&) = default;
  friend bool operator<(const watch_spec& a, const watch_spec& b) {
    return std::tie(a.api_version, a.kind, a.namespace_, a.label_selector)
           < std::tie(b.api_version, b.kind, b.namespace_, b.label_selector);
  }
  /// "batch/v1 Job in ns (app=x)" for logs.
  std::string to_string() const;
};

/// A JSON document in a message. Never put a bare nlohmann::json into a CAF message:
/// CAF 0.17 constructs message elements with braces, and `json{j}` is a one-element
/// array, not a copy.
struct json_doc {
  k8s::json value;
};

/// A batch of cached objects (list replies).
struct object_list {
  std::vector<k8s::json> items;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, watch_spec& x) {
  return f(caf::meta::type_name("watch_spec"), x.api_version, x.kind, x.namespace_, x.label_selector);
}

} // namespace kelos

namespace kelos::k8s {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, http_request& x) {
  return f(caf::meta::type_name("http_request"), x.method, x.path, x.query, x.headers, x.body,
           x.streaming, x.idempotent);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, http_response& x) {
  return f(caf::meta::type_name("http_response"), x.status, x.headers, x.body);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, object_ref& x) {
  return f(caf::meta::type_name("object_ref"), x.kind, x.namespace_, x.name);
}

} // namespace kelos::k8s

// JSON documents and batches of them travel between local actors only; they are never
// serialized over a network.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kelos::json_doc)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kelos::object_list)
