#pragma once

#include "k8s/apiserver/object_store.hpp"
#include "k8s/apiserver/schema_validate.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kelos::apiserver {

/// Per-request admission settings and outputs. The store's admission hook has no slot
/// for `fieldValidation` or for warnings, so the handler publishes this for the duration
/// of its store call (hooks run synchronously on the calling thread).
struct request_admission {
  /// `fieldValidation` of the request (upstream default: Warn).
  field_validation mode = field_validation::warn;
  /// Warning texts collected by hooks, sent as `Warning: 299 - "<text>"` headers.
  std::vector<std::string> warnings;
};

/// Makes `adm` the current request's admission state on this thread (RAII).
class admission_scope {
public:
  explicit admission_scope(request_admission& adm);
  ~admission_scope();
  admission_scope(const admission_scope&) = delete;
  admission_scope& operator=(const admission_scope&) = delete;

private:
  request_admission* previous_;
};

/// The admission state of the request running on this thread, or nullptr.
request_admission* current_admission() noexcept;

/// Parses `fieldValidation` (Strict|Warn|Ignore, case-insensitive; empty = Warn).
/// Returns false for other values.
bool parse_field_validation(std::string_view text, field_validation& out);

/// The schema admission of a custom resource version: defaults, prunes and validates
/// (including CEL rules). Strict unknown fields → 400 BadRequest; validation failures →
/// 422 Invalid with causes; Warn → warnings on the current request.
admission_hook make_schema_admission(std::shared_ptr<const schema_node> schema, std::string kind,
                                     std::string group);

/// Schema admission for every served version of one CRD (the store keys hooks by group
/// and plural, which all versions share): the object's `apiVersion` picks the version's
/// schema; unknown versions use `fallback_api_version`'s. Versions without a schema are
/// admitted unchanged.
admission_hook make_versioned_schema_admission(
  std::map<std::string, std::shared_ptr<const schema_node>> schemas_by_api_version,
  std::string fallback_api_version, std::string kind, std::string group);

/// Admission of CustomResourceDefinition objects: rejects specs `parse_crd` refuses
/// with 422 Invalid.
admission_hook make_crd_admission();

} // namespace kelos::apiserver
