#pragma once

#include "k8s/apiserver/object_store.hpp"
#include "k8s/resource_registry.hpp"

#include <gtest/gtest.h>

namespace kelos::apiserver::testing {

using k8s::json;

/// The resource infos the store tests use (tasks have a status subresource, configmaps not).
inline const k8s::resource_info& res(std::string_view name) {
  static auto reg = k8s::resource_registry::with_builtins();
  auto* r = reg.lookup(name);
  if (r == nullptr)
    throw std::runtime_error("no resource " + std::string(name));
  return *r;
}

inline json task(std::string_view name, json spec = json::object()) {
  return {{"apiVersion", "kelos.dev/v1alpha1"},
          {"kind", "Task"},
          {"metadata", {{"name", name}}},
          {"spec", std::move(spec)}};
}

inline json configmap(std::string_view name, json labels = json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"labels", std::move(labels)}}},
          {"data", {{"k", "v"}}}};
}

inline std::string rv_of(const json& obj) {
  return obj["metadata"].value("resourceVersion", "");
}

inline int64_t rv_num(const json& obj) { return std::stoll(rv_of(obj)); }

/// Drains every event currently queued.
inline std::vector<watch_event> drain(watch_stream& s) {
  std::vector<watch_event> out;
  while (auto ev = s.try_next())
    out.push_back(std::move(*ev));
  return out;
}

/// A fixed clock so timestamps are predictable.
inline store_config test_config() {
  store_config cfg;
  cfg.clock = [] { return *k8s::parse_time("2026-11-23T22:00:00Z"); };
  return cfg;
}

} // namespace kelos::apiserver::testing
