#pragma once

#include "k8s/json.hpp"
#include "runtime/error.hpp"

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::k8s {

/// Which parts of a JSON document to build while parsing (ARCHITECTURE.md "Caches
/// hold what the controller reads"). Parsing with a filter still validates every byte
/// but allocates nothing for the dropped parts, which is where most of the decode time
/// of a full DOM goes.
///
/// A filter is a tree: a node either keeps its whole subtree (`all`) or keeps only the
/// listed child keys. Arrays apply their node to every element.
struct filter_node {
  /// Keep everything below this point.
  bool all = false;
  /// When not `all`: the kept keys and what to keep inside them. Other keys are dropped.
  std::map<std::string, filter_node, std::less<>> children;

  /// Adds a dotted path (e.g. "spec.branch"); the last segment is kept whole.
  filter_node& keep(std::string_view dotted_path);
};

/// A projection filter for Kubernetes objects: always keeps `apiVersion`, `kind`,
/// `metadata` (except `metadata.managedFields`, often half an object) and the Status
/// fields `code`, `reason`, `message`, `details` (so ERROR events still decode), plus
/// the given dotted paths (e.g. {"status", "spec.branch"}).
filter_node object_filter(const std::vector<std::string>& extra_paths);

/// Parses `text`, building only what `filter` keeps (a filter with `all` set builds the
/// whole document, equal to `json::parse`). Strict RFC 8259: no comments, no trailing
/// commas, valid UTF-8 only, nesting up to 512 levels. Numbers are stored as nlohmann
/// does (unsigned / signed 64-bit integers, else double). About 2–3× faster than
/// `json::parse` on Kubernetes objects (see bench/README.md).
/// Errors: `parse_error` naming the byte offset. Never throws.
kelos::expected<json> parse_filtered(std::string_view text, const filter_node& filter);

/// The whole document: `parse_filtered` with a filter that keeps everything, for the
/// hot paths that used `json::parse` (cache reads, write replies).
kelos::expected<json> parse_whole(std::string_view text);

} // namespace kelos::k8s
