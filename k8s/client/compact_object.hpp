#pragma once

#include "k8s/json.hpp"

#include <string>

namespace kelos::k8s {

/// A cached object kept as its compact JSON text instead of an nlohmann tree.
///
/// A tree costs about five times the object's JSON text in heap (a map node, a key string
/// and a value per member); a watch cache of 10,000 Tasks and their Jobs held tens of MiB
/// of them. Readers get a fresh tree on each read (`decode`), which costs about what the
/// deep copy of a cached tree cost before (the reply of a cache read is a copy either way).
struct compact_object {
  /// The object serialized without whitespace; capacity trimmed to its size.
  std::string text;
  /// `metadata.resourceVersion`, kept apart for relist diffs without decoding.
  std::string resource_version;

  /// Serializes `object` (invalid UTF-8 in strings, which a strict parser never yields,
  /// is replaced rather than thrown on).
  static compact_object encode(const json& object);
  /// The object again. Text that does not decode (impossible for text made by `encode`)
  /// gives null, which readers treat as "not cached".
  json decode() const;
};

} // namespace kelos::k8s
