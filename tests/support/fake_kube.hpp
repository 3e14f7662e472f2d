#pragma once

// A scripted stand-in for the KUBE actor (controller-rs' ApiServerVerifier idea).
//
// The test writes the script of API calls it expects, in order, with the answer for
// each; the fake records every call, answers from the script, and records any call the
// script did not expect. The test also plays the watch side: it puts objects into the
// fake's caches and the fake notifies subscribers exactly as the real KUBE actor does.
//
// Use only under the deterministic scheduler: the script is shared with the test
// without locks.

#include "actors/actors.hpp"
#include "runtime/error.hpp"

#include <caf/actor_system.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kelos::test {

/// One expected call and its scripted answer.
struct expected_call {
  std::string method;
  /// Exact request path (no query).
  std::string path;
  /// JSON reply for a success.
  k8s::json reply = nullptr;
  /// Error reply instead (code none = success).
  kelos::error error;
  /// Raw reply for call_raw; its body is the reply of call_text.
  std::optional<k8s::http_response> raw;
};

/// The shared script and record.
struct fake_kube_script {
  std::vector<expected_call> expected;
  size_t next = 0;
  std::vector<k8s::http_request> calls;
  /// "METHOD path" of every call that did not match the next expectation.
  std::vector<std::string> unexpected;
  /// Objects per spec, keyed by namespace/name.
  std::map<watch_spec, std::map<std::string, k8s::json>> caches;
  std::map<watch_spec, std::vector<caf::actor>> subscribers;
  std::map<watch_spec, bool> synced;
  /// How many `atom::get` reads each spec's cache answered.
  std::map<watch_spec, size_t> reads;

  /// Appends an expectation answered with `reply`.
  fake_kube_script& expect(std::string method, std::string path, k8s::json reply = k8s::json::object());
  /// Appends an expectation answered with an error.
  fake_kube_script& expect_error(std::string method, std::string path, errc code, std::string message);
  /// True when every expectation was consumed and nothing unexpected happened.
  bool satisfied() const { return next == expected.size() && unexpected.empty(); }
};

/// Spawns the fake. Extra (untyped) control messages, sent by the test:
/// - `(atom::apply, watch_spec, json_doc)`: store the object, notify subscribers;
/// - `(atom::remove, watch_spec, json_doc)`: drop it, notify subscribers;
/// - `(atom::synced, watch_spec)`: mark the spec synced, notify subscribers.
kube_actor spawn_fake_kube(caf::actor_system& sys, std::shared_ptr<fake_kube_script> script);

} // namespace kelos::test
