#pragma once

#include "k8s/client/field_filter.hpp"
#include "k8s/json.hpp"
#include "runtime/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace kelos::k8s {

/// One page of a list response (`{"kind":"TaskList","metadata":{…},"items":[…]}`).
struct list_page {
  /// The objects of this page. Items of a typed list usually lack `kind`/`apiVersion`;
  /// `decode_list_page` fills them in from the list's kind (minus the "List" suffix).
  std::vector<json> items;
  /// `metadata.resourceVersion` of the list: the version to watch from. Identical on
  /// every page of one paginated list.
  std::string resource_version;
  /// `metadata.continue`; empty on the last page.
  std::string continue_token;
};

/// Decodes a list response body. Errors (`parse_error`): invalid JSON, not an object,
/// or `items` present but not an array (a missing or null `items` is an empty page).
/// Never throws.
kelos::expected<list_page> decode_list_page(std::string_view body);

/// Builds the filter for a list body from a filter for its items: keeps `kind`,
/// `apiVersion`, `metadata` and applies `item` to every element of `items`.
filter_node list_filter(filter_node item);

/// Like `decode_list_page(body)` but builds only what `filter` (from `list_filter`) keeps.
kelos::expected<list_page> decode_list_page(std::string_view body, const filter_node& filter);

} // namespace kelos::k8s
