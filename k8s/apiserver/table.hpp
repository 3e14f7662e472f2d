#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "k8s/apiserver/crd_model.hpp"
#include "k8s/json.hpp"
#include "k8s/time.hpp"

namespace kelos::apiserver {

/// What each row's `object` holds (`TableOptions.includeObject`).
enum class include_object {
  none,      // no `object`
  metadata,  // PartialObjectMetadata (meta.k8s.io/v1): apiVersion/kind/metadata (default)
  object,    // the full object
};

/// Parses `?includeObject=` ("None", "Metadata", "Object"); anything else → metadata.
include_object parse_include_object(std::string_view value);

/// Result of Accept negotiation for list/get/watch.
struct table_choice {
  bool table = false;
  /// "v1" or "v1beta1" (meta.k8s.io) when `table`.
  std::string version;
  /// Content-Type to answer with: "application/json;as=Table;v=v1;g=meta.k8s.io" when
  /// `table`, else "application/json".
  std::string content_type = "application/json";
};

/// True (with the version) when the first acceptable media range of the Accept header
/// is `application/json;as=Table;g=meta.k8s.io;v=v1|v1beta1` (parameters in any order,
/// anywhere in a comma list). A plain `application/json` before it wins (no table).
table_choice negotiate_table(std::string_view accept);

/// Options for `to_table`.
struct table_options {
  include_object include = include_object::metadata;
  /// Emit `columnDefinitions` (false → `[]`, as for later watch events).
  bool with_column_definitions = true;
  /// meta.k8s.io version of the Table ("v1" or "v1beta1").
  std::string version = "v1";
  /// "Now" for ages and durations. kubectl prints cells verbatim (checked against
  /// kubectl 1.32: an RFC 3339 string in a `date` column is printed as-is), so the
  /// server renders ages itself, exactly like upstream's CRD table convertor.
  k8s::time_point now = k8s::now();
};

/// The column definitions for a resource: `Name` (format name) first, then the CRD's
/// printer columns (an explicit Name column is not duplicated), and `Age` (type date)
/// appended unless defined; built-ins get their default columns (pods, jobs,
/// namespaces, CRDs, leases, events, secrets, configmaps; else Name + Age).
std::vector<printer_column> table_columns(const served_resource& r);

/// One row's cells for `object` (same order as `table_columns(r)`). Missing values are
/// null for CRD columns (kubectl prints an empty cell); `date` cells hold the age
/// relative to `now` ("5m10s", "<unknown>" when absent or unparsable, "<invalid>" for
/// a timestamp in the future by more than 1 s) as upstream's `ConvertToHumanReadableDateType`.
/// The CRD kind's own "Created At" column is the RFC 3339 timestamp (as upstream).
std::vector<k8s::json> table_cells(const served_resource& r, const k8s::json& object,
                                   k8s::time_point now);

/// A `meta.k8s.io/v1 Table`: `metadata` from `list_meta` (resourceVersion, continue,
/// remainingItemCount are copied when present), `columnDefinitions`, and one row per
/// object with `cells` and, per options, `object`.
k8s::json to_table(const served_resource& r, const std::vector<k8s::json>& objects,
                   const k8s::json& list_meta, const table_options& options = {});

/// The pod STATUS column as `kubectl get pods` prints it: "Terminating" when
/// deletionTimestamp is set, else the first waiting/terminated container reason
/// (CrashLoopBackOff, ContainerCreating, Error, Completed, "Init:..."), else phase.
std::string pod_status_reason(const k8s::json& pod);

/// The pod READY column, e.g. "1/2" (ready containers / spec containers).
std::string pod_ready(const k8s::json& pod);

/// Sum of container restartCount.
int64_t pod_restarts(const k8s::json& pod);

/// Upstream `duration.HumanDuration`: "45s", "5m10s", "3h", "7h5m", "2d4h", "3y10d";
/// "<invalid>" below -1 s, "0s" for tiny negative skew.
std::string human_duration(std::chrono::microseconds d);

} // namespace kelos::apiserver
