#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kelos::apiserver {

/// One media range of an Accept header, e.g.
/// `application/json;as=Table;v=v1;g=meta.k8s.io`.
struct media_range {
  std::string type;     // "application" (lower-cased)
  std::string subtype;  // "json" (lower-cased)
  /// Parameters with lower-cased names and values as sent (quotes removed).
  std::map<std::string, std::string> params;

  /// The value of a parameter, or "" when absent.
  std::string param(const std::string& name) const;
  /// True for `application/json`, `application/*` and `*/*`.
  bool accepts_json() const;
};

/// Splits an Accept header on commas into media ranges, in order. Tolerates spaces,
/// empty entries and quoted parameter values; never fails (garbage entries are dropped).
std::vector<media_range> parse_accept(std::string_view accept);

} // namespace kelos::apiserver
