#include "k8s/apiserver/protobuf.hpp"

#include "k8s/kinds.hpp"
#include "k8s/time.hpp"

#include <cstdint>
#include <optional>

namespace kelos::apiserver {

namespace {

// ---------------------------------------------------------------- wire reader
enum wire_type : uint32_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

struct wire_field {
  uint32_t number = 0;
  uint32_t type = 0;
  uint64_t value = 0;        // varint / fixed
  std::string_view bytes;    // length-delimited payload
};

class wire_reader {
public:
  explicit wire_reader(std::string_view data) : data_(data) {}

  bool done() const noexcept { return pos_ >= data_.size(); }

  // Reads the next field; returns false and sets `error` on malformed input.
  bool next(wire_field& f, std::string& error) {
    uint64_t key = 0;
    if (!read_varint(key)) {
      error = "truncated field key";
      return false;
    }
    f.number = static_cast<uint32_t>(key >> 3);
    f.type = static_cast<uint32_t>(key & 7);
    if (f.number == 0 || (key >> 3) > 0x1FFFFFFF) {
      error = "invalid field number";
      return false;
    }
    switch (f.type) {
      case varint:
        if (!read_varint(f.value)) {
          error = "truncated varint";
          return false;
        }
        return true;
      case fixed64:
        if (data_.size() - pos_ < 8) {
          error = "truncated fixed64";
          return false;
        }
        f.value = 0;
        for (int i = 7; i >= 0; --i)
          f.value = (f.value << 8) | static_cast<unsigned char>(data_[pos_ + i]);
        pos_ += 8;
        return true;
      case fixed32:
        if (data_.size() - pos_ < 4) {
          error = "truncated fixed32";
          return false;
        }
        f.value = 0;
        for (int i = 3; i >= 0; --i)
          f.value = (f.value << 8) | static_cast<unsigned char>(data_[pos_ + i]);
        pos_ += 4;
        return true;
      case length_delimited: {
        uint64_t len = 0;
        if (!read_varint(len)) {
          error = "truncated length";
          return false;
        }
        if (len > data_.size() - pos_) {
          error = "length exceeds message";
          return false;
        }
        f.bytes = data_.substr(pos_, static_cast<size_t>(len));
        pos_ += static_cast<size_t>(len);
        return true;
      }
      default:
        error = "unsupported wire type " + std::to_string(f.type);
        return false;
    }
  }

private:
  bool read_varint(uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size())
        return false;
      auto b = static_cast<unsigned char>(data_[pos_++]);
      out |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80))
        return true;
    }
    return false;
  }

  std::string_view data_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------- field tables
enum class ftype {
  string,
  bytes,      // base64 in JSON
  int64,
  int32,
  boolean,
  time,       // metav1.Time {seconds=1, nanos=2} → RFC 3339 seconds
  micro_time, // metav1.MicroTime → 6 fractional digits
  string_map,
  bytes_map,
  message,
};

struct message_desc;

struct field_desc {
  uint32_t number;
  const char* name;
  ftype type;
  bool repeated = false;
  /// Leave out empty/zero values (Go `omitempty` on a non-pointer field).
  bool omit_empty = true;
  const message_desc* message = nullptr;
};

struct message_desc {
  const char* name;
  std::vector<field_desc> fields;
};

const message_desc owner_reference_desc{
    "OwnerReference",
    {{1, "kind", ftype::string, false, false},
     {3, "name", ftype::string, false, false},
     {4, "uid", ftype::string, false, false},
     {5, "apiVersion", ftype::string, false, false},
     {6, "controller", ftype::boolean, false, false},
     {7, "blockOwnerDeletion", ftype::boolean, false, false}}};

const message_desc object_meta_desc{
    "ObjectMeta",
    {{1, "name", ftype::string},
     {2, "generateName", ftype::string},
     {3, "namespace", ftype::string},
     {4, "selfLink", ftype::string},
     {5, "uid", ftype::string},
     {6, "resourceVersion", ftype::string},
     {7, "generation", ftype::int64},
     {8, "creationTimestamp", ftype::time},
     {9, "deletionTimestamp", ftype::time},
     {10, "deletionGracePeriodSeconds", ftype::int64, false, false},
     {11, "labels", ftype::string_map},
     {12, "annotations", ftype::string_map},
     {13, "ownerReferences", ftype::message, true, true, &owner_reference_desc},
     {14, "finalizers", ftype::string, true}}};
// 17 managedFields is skipped on purpose: clients never send it on create.

const message_desc object_reference_desc{
    "ObjectReference",
    {{1, "kind", ftype::string},
     {2, "namespace", ftype::string},
     {3, "name", ftype::string},
     {4, "uid", ftype::string},
     {5, "apiVersion", ftype::string},
     {6, "resourceVersion", ftype::string},
     {7, "fieldPath", ftype::string}}};

const message_desc local_object_reference_desc{"LocalObjectReference",
                                               {{1, "name", ftype::string}}};

const message_desc secret_desc{"Secret",
                               {{1, "metadata", ftype::message, false, false, &object_meta_desc},
                                {2, "data", ftype::bytes_map},
                                {3, "type", ftype::string},
                                {4, "stringData", ftype::string_map},
                                {5, "immutable", ftype::boolean, false, false}}};

const message_desc config_map_desc{
    "ConfigMap",
    {{1, "metadata", ftype::message, false, false, &object_meta_desc},
     {2, "data", ftype::string_map},
     {3, "binaryData", ftype::bytes_map},
     {4, "immutable", ftype::boolean, false, false}}};

const message_desc namespace_spec_desc{"NamespaceSpec", {{1, "finalizers", ftype::string, true}}};
const message_desc namespace_status_desc{"NamespaceStatus", {{1, "phase", ftype::string}}};
const message_desc namespace_desc{
    "Namespace",
    {{1, "metadata", ftype::message, false, false, &object_meta_desc},
     {2, "spec", ftype::message, false, true, &namespace_spec_desc},
     {3, "status", ftype::message, false, true, &namespace_status_desc}}};

const message_desc service_account_desc{
    "ServiceAccount",
    {{1, "metadata", ftype::message, false, false, &object_meta_desc},
     {2, "secrets", ftype::message, true, true, &object_reference_desc},
     {3, "imagePullSecrets", ftype::message, true, true, &local_object_reference_desc},
     {4, "automountServiceAccountToken", ftype::boolean, false, false}}};

const message_desc lease_spec_desc{
    "LeaseSpec",
    {{1, "holderIdentity", ftype::string, false, false},
     {2, "leaseDurationSeconds", ftype::int32, false, false},
     {3, "acquireTime", ftype::micro_time, false, false},
     {4, "renewTime", ftype::micro_time, false, false},
     {5, "leaseTransitions", ftype::int32, false, false},
     {6, "strategy", ftype::string, false, false},
     {7, "preferredHolder", ftype::string, false, false}}};

const message_desc lease_desc{"Lease",
                              {{1, "metadata", ftype::message, false, false, &object_meta_desc},
                               {2, "spec", ftype::message, false, true, &lease_spec_desc}}};

const message_desc event_source_desc{"EventSource",
                                     {{1, "component", ftype::string}, {2, "host", ftype::string}}};
const message_desc event_series_desc{"EventSeries",
                                     {{1, "count", ftype::int32},
                                      {2, "lastObservedTime", ftype::micro_time}}};

const message_desc event_desc{
    "Event",
    {{1, "metadata", ftype::message, false, false, &object_meta_desc},
     {2, "involvedObject", ftype::message, false, false, &object_reference_desc},
     {3, "reason", ftype::string},
     {4, "message", ftype::string},
     {5, "source", ftype::message, false, true, &event_source_desc},
     {6, "firstTimestamp", ftype::time},
     {7, "lastTimestamp", ftype::time},
     {8, "count", ftype::int32},
     {9, "type", ftype::string},
     {10, "eventTime", ftype::micro_time},
     {11, "series", ftype::message, false, true, &event_series_desc},
     {12, "action", ftype::string},
     {13, "related", ftype::message, false, true, &object_reference_desc},
     {14, "reportingComponent", ftype::string},
     {15, "reportingInstance", ftype::string}}};

// rbac.authorization.k8s.io/v1 (k8s.io/api/rbac/v1/generated.proto); aggregationRule skipped.
const message_desc policy_rule_desc{"PolicyRule",
                                    {{1, "verbs", ftype::string, true},
                                     {2, "apiGroups", ftype::string, true},
                                     {3, "resources", ftype::string, true},
                                     {4, "resourceNames", ftype::string, true},
                                     {5, "nonResourceURLs", ftype::string, true}}};
const message_desc role_desc{"Role",
                             {{1, "metadata", ftype::message, false, false, &object_meta_desc},
                              {2, "rules", ftype::message, true, true, &policy_rule_desc}}};
const message_desc subject_desc{"Subject",
                                {{1, "kind", ftype::string, false, false},
                                 {2, "apiGroup", ftype::string},
                                 {3, "name", ftype::string, false, false},
                                 {4, "namespace", ftype::string}}};
const message_desc role_ref_desc{"RoleRef",
                                 {{1, "apiGroup", ftype::string, false, false},
                                  {2, "kind", ftype::string, false, false},
                                  {3, "name", ftype::string, false, false}}};
const message_desc role_binding_desc{
    "RoleBinding",
    {{1, "metadata", ftype::message, false, false, &object_meta_desc},
     {2, "subjects", ftype::message, true, true, &subject_desc},
     {3, "roleRef", ftype::message, false, false, &role_ref_desc}}};

const message_desc* desc_for(std::string_view api_version, std::string_view kind) {
  if (api_version == "v1") {
    if (kind == "Secret")
      return &secret_desc;
    if (kind == "ConfigMap")
      return &config_map_desc;
    if (kind == "Namespace")
      return &namespace_desc;
    if (kind == "ServiceAccount")
      return &service_account_desc;
    if (kind == "Event")
      return &event_desc;
  }
  if (api_version == "coordination.k8s.io/v1" && kind == "Lease")
    return &lease_desc;
  if (api_version == "rbac.authorization.k8s.io/v1") {
    if (kind == "Role" || kind == "ClusterRole")
      return &role_desc;
    if (kind == "RoleBinding" || kind == "ClusterRoleBinding")
      return &role_binding_desc;
  }
  return nullptr;
}

// ---------------------------------------------------------------- decoding
struct decoder {
  std::string error;
  int depth = 0;

  bool fail(std::string message) {
    if (error.empty())
      error = std::move(message);
    return false;
  }

  bool expect_type(const wire_field& f, uint32_t type, const char* name) {
    if (f.type != type)
      return fail(std::string("field ") + name + " has wire type " + std::to_string(f.type));
    return true;
  }

  bool decode_time(std::string_view bytes, bool micro, std::optional<json>& out) {
    wire_reader r(bytes);
    int64_t seconds = 0;
    int64_t nanos = 0;
    while (!r.done()) {
      wire_field f;
      if (!r.next(f, error))
        return false;
      if (f.number == 1 && f.type == varint)
        seconds = static_cast<int64_t>(f.value);
      else if (f.number == 2 && f.type == varint)
        nanos = static_cast<int32_t>(static_cast<uint32_t>(f.value));
    }
    if (seconds == 0 && nanos == 0) {
      out.reset(); // zero Time serialises as null; clients leave it out
      return true;
    }
    if (nanos < 0 || nanos >= 1000000000)
      return fail("time nanos out of range");
    // Range check keeps chrono arithmetic defined (years 0001..9999).
    if (seconds < -62135596800LL || seconds > 253402300799LL)
      return fail("time seconds out of range");
    auto tp = k8s::time_point(std::chrono::seconds(seconds))
              + std::chrono::duration_cast<k8s::time_point::duration>(
                  std::chrono::nanoseconds(nanos));
    out = micro ? k8s::format_micro_time(tp) : k8s::format_time(tp);
    return true;
  }

  bool decode_map_entry(std::string_view bytes, bool value_bytes, json& target) {
    wire_reader r(bytes);
    std::string key, value;
    while (!r.done()) {
      wire_field f;
      if (!r.next(f, error))
        return false;
      if (f.number == 1 && f.type == length_delimited)
        key = std::string(f.bytes);
      else if (f.number == 2 && f.type == length_delimited)
        value = std::string(f.bytes);
    }
    target[key] = value_bytes ? k8s::base64_encode(value) : value;
    return true;
  }

  bool decode_message(std::string_view bytes, const message_desc& desc, json& out) {
    if (++depth > 32)
      return fail("message nesting too deep");
    out = json::object();
    wire_reader r(bytes);
    while (!r.done()) {
      wire_field f;
      if (!r.next(f, error))
        return false;
      const field_desc* fd = nullptr;
      for (const auto& d : desc.fields)
        if (d.number == f.number)
          fd = &d;
      if (!fd)
        continue; // unknown field: skipped
      if (!decode_field(f, *fd, out))
        return false;
    }
    // Drop empty values of omitempty fields.
    for (const auto& d : desc.fields) {
      auto it = out.find(d.name);
      if (it == out.end() || !d.omit_empty)
        continue;
      bool empty = (it->is_string() && it->get_ref<const std::string&>().empty())
                   || (it->is_number() && *it == 0) || (it->is_boolean() && !it->get<bool>())
                   || ((it->is_object() || it->is_array()) && it->empty()) || it->is_null();
      if (empty)
        out.erase(it);
    }
    --depth;
    return true;
  }

  bool decode_field(const wire_field& f, const field_desc& fd, json& out) {
    json value;
    switch (fd.type) {
      case ftype::string:
      case ftype::bytes:
        if (!expect_type(f, length_delimited, fd.name))
          return false;
        value = fd.type == ftype::bytes ? k8s::base64_encode(f.bytes) : std::string(f.bytes);
        break;
      case ftype::int64:
        if (!expect_type(f, varint, fd.name))
          return false;
        value = static_cast<int64_t>(f.value);
        break;
      case ftype::int32:
        if (!expect_type(f, varint, fd.name))
          return false;
        value = static_cast<int32_t>(static_cast<uint32_t>(f.value));
        break;
      case ftype::boolean:
        if (!expect_type(f, varint, fd.name))
          return false;
        value = f.value != 0;
        break;
      case ftype::time:
      case ftype::micro_time: {
        if (!expect_type(f, length_delimited, fd.name))
          return false;
        std::optional<json> t;
        if (!decode_time(f.bytes, fd.type == ftype::micro_time, t))
          return false;
        if (!t) {
          if (!fd.omit_empty)
            out[fd.name] = nullptr;
          return true;
        }
        value = std::move(*t);
        break;
      }
      case ftype::string_map:
      case ftype::bytes_map: {
        if (!expect_type(f, length_delimited, fd.name))
          return false;
        json& target = out[fd.name];
        if (!target.is_object())
          target = json::object();
        return decode_map_entry(f.bytes, fd.type == ftype::bytes_map, target);
      }
      case ftype::message:
        if (!expect_type(f, length_delimited, fd.name))
          return false;
        if (!decode_message(f.bytes, *fd.message, value))
          return false;
        break;
    }
    if (fd.repeated) {
      json& list = out[fd.name];
      if (!list.is_array())
        list = json::array();
      list.push_back(std::move(value));
    } else {
      out[fd.name] = std::move(value);
    }
    return true;
  }
};

constexpr std::string_view magic{"k8s\0", 4};

} // namespace

bool has_protobuf_magic(std::string_view body) noexcept {
  return body.substr(0, 4) == magic;
}

expected<protobuf_envelope> decode_protobuf_envelope(std::string_view body) {
  if (!has_protobuf_magic(body))
    return make_error(errc::bad_request, "protobuf body does not start with the k8s magic");
  wire_reader r(body.substr(4));
  protobuf_envelope env;
  std::string error;
  while (!r.done()) {
    wire_field f;
    if (!r.next(f, error))
      return make_error(errc::bad_request, "malformed protobuf envelope: " + error);
    if (f.type != length_delimited)
      continue;
    switch (f.number) {
      case 1: {
        wire_reader tm(f.bytes);
        while (!tm.done()) {
          wire_field t;
          if (!tm.next(t, error))
            return make_error(errc::bad_request, "malformed protobuf typeMeta: " + error);
          if (t.type != length_delimited)
            continue;
          if (t.number == 1)
            env.api_version = std::string(t.bytes);
          else if (t.number == 2)
            env.kind = std::string(t.bytes);
        }
        break;
      }
      case 2: env.raw = std::string(f.bytes); break;
      case 3: env.content_encoding = std::string(f.bytes); break;
      case 4: env.content_type = std::string(f.bytes); break;
      default: break;
    }
  }
  return env;
}

bool protobuf_kind_supported(std::string_view api_version, std::string_view kind) noexcept {
  return desc_for(api_version, kind) != nullptr;
}

expected<json> decode_protobuf_object(std::string_view body) {
  auto env = decode_protobuf_envelope(body);
  if (!env)
    return env.error();
  if (!env->content_encoding.empty())
    return make_error(errc::bad_request,
                      "unsupported protobuf contentEncoding \"" + env->content_encoding + "\"");
  const message_desc* desc = desc_for(env->api_version, env->kind);
  if (!desc)
    return make_error(errc::invalid_spec, "protobuf decoding of " + env->api_version + "/"
                                              + env->kind + " is not supported");
  decoder d;
  json obj;
  if (!d.decode_message(env->raw, *desc, obj))
    return make_error(errc::bad_request,
                      "malformed protobuf " + env->kind + ": " + d.error);
  json out = json::object();
  out["apiVersion"] = env->api_version;
  out["kind"] = env->kind;
  for (auto it = obj.begin(); it != obj.end(); ++it)
    out[it.key()] = std::move(*it);
  if (!out.contains("metadata"))
    out["metadata"] = json::object();
  return out;
}

} // namespace kelos::apiserver
