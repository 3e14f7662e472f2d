#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

/// RFC 8288 `Link` headers as GitHub sends them for pagination, e.g.
/// `<https://api.github.com/repositories/1/issues?page=2>; rel="next", <...>; rel="last"`.
namespace kelos::github {

/// One link: its URL (as sent, between `<` and `>`) and its relation types.
struct link {
  std::string url;
  /// The space-separated `rel` values, lowercased (`rel="next last"` gives two).
  std::vector<std::string> rels;
};

/// Parses a `Link` header value. Tolerant: entries without `<...>` are skipped, `rel` may
/// be quoted or bare, other parameters are ignored, commas inside `<...>` are part of the
/// URL. Linear in the length of the value.
std::vector<link> parse_link_header(std::string_view value);

/// The URL of the first link with relation `rel` (case-insensitive), or empty.
std::string find_link(std::string_view header_value, std::string_view rel);

/// Turns a pagination URL into a request target below `api_base`, so the next request goes
/// to the same configured endpoint (and the token never leaves it), whatever host the
/// server wrote: the URL's path and query are taken, and `api_base`'s path prefix
/// (`/api/v3` on GitHub Enterprise) is removed from the path when present. An origin-form
/// URL ("/repositories/1/issues?page=2") is accepted as well. Empty for an empty URL or one
/// that does not parse (no `/` path).
std::string link_target(std::string_view url, std::string_view api_base);

} // namespace kelos::github
