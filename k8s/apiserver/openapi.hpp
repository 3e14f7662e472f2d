#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "k8s/apiserver/crd_model.hpp"
#include "k8s/json.hpp"

namespace kelos::apiserver {

/// OpenAPI v3 documents as kubectl 1.29+ needs them for client-side validation
/// (`apply`, `create -f`, `apply --server-side`) and, roughly, `kubectl explain`.
///
/// `/openapi/v2` is not served: answer 404. kubectl ≥1.29 tolerates that; kubectl
/// 1.27/1.28 validate against v2 protobuf only and then need `--validate=false`.

/// The index key of a group-version: "api/v1" (core) or "apis/<group>/<version>".
std::string openapi_gv_key(std::string_view group, std::string_view version);

/// `GET /openapi/v3`: `{"paths":{"<key>":{"serverRelativeURL":"/openapi/v3/<key>?hash=<H>"}}}`
/// for every served group-version. `<H>` is `content_hash` of that GV's document, so it
/// changes whenever the document changes (CRD added, updated, removed version).
/// Cost: builds every GV document once (a few ms with large CRD schemas); a server that
/// answers this often can cache the result keyed on its CRD generation counter.
k8s::json openapi_v3_index(const std::vector<served_resource>& resources);

/// `GET /openapi/v3/<key>` (the `?hash=` query is ignored by the caller): the per-GV
/// document, or nullopt when the group-version is not served. Contains, per resource,
/// the collection, object and (when declared) status/scale paths with operations
/// get/put/post/patch/delete (as the verbs allow), each carrying
/// `x-kubernetes-group-version-kind` and the query parameters `fieldValidation`,
/// `fieldManager`, `dryRun` (PATCH also `force`). PATCH request bodies list
/// json-patch, merge-patch and apply-patch only: kubectl then computes plain merge
/// patches for CRs and falls back to its compiled-in strategic merge for built-ins.
/// `components.schemas` holds, per kind, the CRD's openAPIV3Schema wrapped with
/// apiVersion/kind/metadata (or a permissive object for built-ins), tagged with
/// `x-kubernetes-group-version-kind`.
std::optional<k8s::json> openapi_v3_document(const std::vector<served_resource>& resources,
                                             std::string_view group, std::string_view version);

/// Schema component name of a kind, e.g. "dev.kelos.v1alpha1.Task" or
/// "io.k8s.api.core.v1.Pod" (reverse-DNS group as upstream).
std::string openapi_schema_name(const k8s::gvk& type);

/// A stable hex digest (32 hex chars) of the document's canonical JSON dump. Not
/// cryptographic; only used as a cache buster.
std::string content_hash(const k8s::json& doc);

} // namespace kelos::apiserver
