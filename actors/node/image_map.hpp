#pragma once

// The image map of local mode: how each container image runs on this machine (no image is
// ever pulled). Pure: parsing and matching only; the format is documented in
// deploy/local/image-map.yaml and docs/local-mode-node.md.

#include "runtime/error.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::node {

/// A host command an image needs, with the message a pod fails with when it is missing.
struct required_command {
  std::string command;
  /// Final text ("{command}" already replaced).
  std::string message;
};

/// One entry of the map.
struct image_entry {
  /// Glob over the normalized image reference; `*` matches any run of characters.
  std::string image;
  /// The image's ENTRYPOINT.
  std::vector<std::string> entrypoint;
  /// Sandbox path -> host path, bound read-only.
  std::map<std::string, std::string> files;
  std::vector<required_command> requires_commands;
  /// Environment defaults (container env overrides them).
  std::map<std::string, std::string> env;
};

/// Values of the ${...} variables of a map.
struct image_map_vars {
  std::string agents_dir;
  std::string capture_binary;
};

struct image_map {
  /// Where the map came from ("built-in deploy/local/image-map.yaml" or a file path):
  /// named by every error about it.
  std::string source;
  std::vector<image_entry> entries;
};

/// The text of deploy/local/image-map.yaml, compiled into the library.
std::string_view builtin_image_map_text();
/// The name errors use for the built-in map.
inline constexpr std::string_view builtin_image_map_source = "built-in image map (deploy/local/image-map.yaml)";

/// Parses a map. Errors name `source`, the entry (index and image) and the field.
kelos::expected<image_map> parse_image_map(std::string_view yaml_text, std::string source,
                                           const image_map_vars& vars);

/// "alpine/git" -> "alpine/git:latest"; "docker.io/library/x:1" -> "x:1".
std::string normalize_image(std::string_view image);

/// Glob with `*` only.
bool glob_match(std::string_view pattern, std::string_view text);

/// The first entry matching `image` (normalized), or null.
const image_entry* find_image(const image_map& map, std::string_view image);

} // namespace kelos::node
