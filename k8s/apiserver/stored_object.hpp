#pragma once

#include "k8s/json.hpp"

#include <memory>
#include <string>

namespace kelos::apiserver {

/// One stored object in compact form: its JSON text as committed (capacity trimmed).
///
/// An nlohmann tree costs about 4.6 times its JSON text (std::map nodes, 16-byte values,
/// heap strings; bench/README.md), so the store keeps only the text and decodes a tree when
/// something reads the object. While a decoded tree is alive anywhere (the write that
/// produced it, a watch event not yet sent, a GET in progress), further reads share it
/// instead of decoding again: the object remembers its last tree through a weak pointer
/// (once the tree is gone, only its control block stays: a few dozen bytes).
///
/// The text is also what the write-ahead log and snapshots write (see `wal_record`).
///
/// Thread safety: `text()` and `decode()` only read immutable state and may be called from
/// any thread (the snapshot writer, a list after the store's mutex is released). `tree()`
/// updates the remembered tree: callers hold the store's mutex.
class stored_object {
public:
  /// Serialises `tree` once and remembers it as the current decoded form.
  /// Throws `json::type_error` when the tree holds invalid UTF-8 (the store's guard turns
  /// that into 400 before anything is committed).
  static std::shared_ptr<const stored_object> from_tree(std::shared_ptr<const k8s::json> tree);

  /// The compact JSON text.
  const std::string& text() const { return text_; }

  /// Whether `metadata.deletionTimestamp` is set. Kept beside the text because the store
  /// asks it of owners and namespaces on every write, where a decode would cost more.
  bool deleting() const { return deleting_; }

  /// The object as a tree: the remembered one while it is alive, else freshly decoded.
  /// Throws `std::runtime_error` only if the text does not decode (a bug: it came from dump).
  std::shared_ptr<const k8s::json> tree() const;

  /// A fresh decode that neither uses nor updates the remembered tree: safe from any
  /// thread without the store's mutex (lists decode their page after releasing it).
  std::shared_ptr<const k8s::json> decode() const;

  /// Prefer `from_tree`; public for `std::make_shared`.
  explicit stored_object(std::string text);

private:
  std::string text_;
  bool deleting_ = false;
  mutable std::weak_ptr<const k8s::json> tree_;
};

using stored_ptr = std::shared_ptr<const stored_object>;

/// Whether `obj` already reads as it is served under `api_version`: an object with that
/// apiVersion and a kind. Its stored text can then go out as it is (a write's reply, a
/// watch event) instead of being copied, rewritten and serialised again.
bool served_as_stored(const k8s::json& obj, const std::string& api_version);

} // namespace kelos::apiserver
