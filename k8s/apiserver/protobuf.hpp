#pragma once

#include "k8s/json.hpp"
#include "runtime/error.hpp"

#include <string>
#include <string_view>

namespace kelos::apiserver {

using json = kelos::k8s::json;

/// Media type of Kubernetes protobuf bodies.
inline constexpr std::string_view protobuf_media_type = "application/vnd.kubernetes.protobuf";

/// The `runtime.Unknown` envelope after the 4-byte magic `k8s\0`.
struct protobuf_envelope {
  /// typeMeta.apiVersion (field 1.1), e.g. "v1".
  std::string api_version;
  /// typeMeta.kind (field 1.2), e.g. "Secret".
  std::string kind;
  /// The encoded object (field 2 `raw`).
  std::string raw;
  /// Field 3; non-empty (e.g. gzip) is rejected by decode_protobuf_object.
  std::string content_encoding;
  /// Field 4; informational.
  std::string content_type;
};

/// True when `body` starts with the magic `k8s\0`.
bool has_protobuf_magic(std::string_view body) noexcept;

/// Decodes the envelope. Errors (`bad_request`): missing magic, malformed wire data.
expected<protobuf_envelope> decode_protobuf_envelope(std::string_view body);

/// True for the kinds `decode_protobuf_object` understands: v1 Secret, ConfigMap, Namespace,
/// ServiceAccount, Event, coordination.k8s.io/v1 Lease and the rbac.authorization.k8s.io/v1
/// Role, ClusterRole, RoleBinding and ClusterRoleBinding.
bool protobuf_kind_supported(std::string_view api_version, std::string_view kind) noexcept;

/// Decodes a protobuf request body (magic + envelope + object) into the JSON the client
/// would have sent: `apiVersion`, `kind`, and the fields with JSON names; empty/zero values
/// of `omitempty` fields are left out, bytes (Secret `data`, ConfigMap `binaryData`) are
/// base64, Time is RFC 3339 seconds, MicroTime has 6 fractional digits. Unknown fields are
/// skipped. Errors: `bad_request` for malformed input (never a crash, whatever the bytes),
/// `invalid_spec` for an unsupported kind (the HTTP layer answers 415).
expected<json> decode_protobuf_object(std::string_view body);

} // namespace kelos::apiserver
