#pragma once

#include "k8s/apiserver/api_error.hpp"
#include "k8s/apiserver/http_message.hpp"
#include "k8s/json.hpp"

#include <string>
#include <string_view>

namespace kelos::apiserver {

/// The patch flavours PATCH accepts, chosen by Content-Type.
enum class patch_type { json_patch, merge, strategic, apply };

/// The media type of a Content-Type value: lower-cased, parameters and spaces removed
/// ("application/json; charset=utf-8" → "application/json").
std::string media_type_of(std::string_view content_type);

/// Converts YAML text (one document) to JSON with YAML 1.1 scalar typing as kubectl's
/// sigs.k8s.io/yaml does: quoted scalars stay strings; plain `true`/`false`/`yes`/`no`,
/// integers, floats and `null`/`~` are typed. Errors are `parse_error`.
kelos::expected<k8s::json> yaml_to_json(std::string_view text);

/// Decodes a POST/PUT body by Content-Type: JSON (also when absent), YAML, or Kubernetes
/// protobuf (for the kinds `protobuf_kind_supported` lists). Errors:
/// 415 UnsupportedMediaType with the upstream text for other types or unsupported
/// protobuf kinds; 400 BadRequest for malformed bodies or a non-object document.
api_result<k8s::json> decode_object_body(const server_request& req);

/// Chooses the patch type. 415 (with upstream's list of accepted media types) for
/// anything else, and for strategic merge when `strategic_allowed` is false (custom
/// resources).
api_result<patch_type> decode_patch_type(const server_request& req, bool strategic_allowed);

/// Rewrites client-sent `MicroTime` fields (Lease `spec.acquireTime`/`spec.renewTime`,
/// Event `eventTime`) to the canonical form with 6 fractional digits and `Z`, as upstream
/// re-encodes them (clients may send `+00:00` offsets). Unparsable values are left alone
/// for validation to report.
void normalize_micro_times(const k8s::resource_info& res, k8s::json& obj);

/// Parses a patch body for its type (JSON; YAML too for apply). 400 when malformed.
api_result<k8s::json> decode_patch_body(const server_request& req, patch_type type);

} // namespace kelos::apiserver
