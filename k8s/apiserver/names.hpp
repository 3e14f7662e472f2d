#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kelos::apiserver {

/// Upstream's generateName alphabet (consonants and digits that cannot spell words).
inline constexpr std::string_view generate_name_alphabet = "bcdfghjklmnpqrstvwxz2456789";

/// Returns the validation failure text for a DNS-1123 subdomain (≤253 chars, lower-case
/// alphanumerics, '-' and '.'), or nullopt when `name` is valid. The text is upstream's,
/// e.g. `a lowercase RFC 1123 subdomain must consist of ...`.
std::optional<std::string> check_dns1123_subdomain(std::string_view name);

/// Same for a DNS-1123 label (≤63 chars, lower-case alphanumerics and '-'), used for
/// namespace names.
std::optional<std::string> check_dns1123_label(std::string_view name);

/// Checks a label or annotation key (optional DNS-subdomain prefix + '/' + name of ≤63
/// alphanumerics, '-', '_', '.'); returns upstream's failure text or nullopt.
std::optional<std::string> check_qualified_name(std::string_view key);

/// Checks a label value (empty, or ≤63 alphanumerics, '-', '_', '.' with alphanumeric ends).
std::optional<std::string> check_label_value(std::string_view value);

/// `prefix` (trimmed to 58 characters, as upstream) + 5 random characters from
/// `generate_name_alphabet`. Thread-safe.
std::string generate_name(std::string_view prefix);

/// A random RFC 4122 version 4 UUID in lower-case 8-4-4-4-12 form. Thread-safe.
std::string new_uid();

} // namespace kelos::apiserver
