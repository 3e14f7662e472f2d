#include "k8s/apiserver/content.hpp"

#include "k8s/apiserver/json_depth.hpp"

#include "k8s/apiserver/protobuf.hpp"
#include "k8s/client/field_filter.hpp"

#include "k8s/time.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace kelos::apiserver {

namespace {

api_error unsupported_media(std::string_view accepted) {
  api_error e;
  e.code = 415;
  e.reason = "UnsupportedMediaType";
  e.message = "the body of the request was in an unknown format - accepted media types include: " +
              std::string(accepted);
  return e;
}

bool is_int(const std::string& s) {
  std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i >= s.size())
    return false;
  return std::all_of(s.begin() + static_cast<long>(i), s.end(),
                     [](unsigned char c) { return std::isdigit(c); });
}

bool is_float(const std::string& s) {
  if (s.empty())
    return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size())
    return false;
  // Reject things strtod accepts but YAML does not read as numbers (hex, inf words).
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); }) &&
         s.find_first_of("xXnN") == std::string::npos;
}

k8s::json scalar_to_json(const YAML::Node& node) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str")
    return s;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")
    return nullptr;
  if (s == "true" || s == "True" || s == "TRUE" || s == "yes" || s == "Yes" || s == "on" ||
      s == "On")
    return true;
  if (s == "false" || s == "False" || s == "FALSE" || s == "no" || s == "No" || s == "off" ||
      s == "Off")
    return false;
  if (is_int(s)) {
    errno = 0;
    long long v = std::strtoll(s.c_str(), nullptr, 10);
    if (errno == 0)
      return static_cast<int64_t>(v);
  }
  if (is_float(s))
    return std::strtod(s.c_str(), nullptr);
  return s;
}

k8s::json node_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      return scalar_to_json(node);
    case YAML::NodeType::Sequence: {
      auto arr = k8s::json::array();
      for (const auto& item : node)
        arr.push_back(node_to_json(item));
      return arr;
    }
    case YAML::NodeType::Map: {
      auto obj = k8s::json::object();
      for (const auto& kv : node)
        obj[kv.first.as<std::string>()] = node_to_json(kv.second);
      return obj;
    }
  }
  return nullptr;
}

api_error bad_body(std::string message) {
  return api_error::bad_request(std::move(message));
}

/// nlohmann's parser recurses on the native stack: a hostile `[[[…]]]` would crash the
/// server, so bodies nested deeper than `max_json_nesting` are refused before parsing.
std::optional<api_error> refuse_deep_nesting(std::string_view body) {
  if (json_nesting_depth(body) <= max_json_nesting)
    return std::nullopt;
  return bad_body("the request body is nested deeper than " + std::to_string(max_json_nesting)
                  + " levels");
}

// Request bodies go through the client's strict parser (`k8s::parse_whole`): the same
// document as `json::parse` (RFC 8259, valid UTF-8, last duplicate key wins) two to three
// times faster; every write decodes one.
api_result<k8s::json> parse_bounded(std::string_view body, const char* invalid_message) {
  if (auto err = refuse_deep_nesting(body))
    return *err;
  auto j = k8s::parse_whole(body);
  if (!j)
    return bad_body(invalid_message);
  return std::move(*j);
}

api_result<k8s::json> parse_json_object(const std::string& body, bool allow_yaml) {
  if (auto err = refuse_deep_nesting(body))
    return *err;
  auto j = k8s::parse_whole(body);
  if (!j) {
    if (allow_yaml) {
      auto y = yaml_to_json(body);
      if (y)
        return std::move(y).value();
    }
    return bad_body("the request body is not valid JSON");
  }
  return std::move(*j);
}

} // namespace

std::string media_type_of(std::string_view content_type) {
  auto semi = content_type.find(';');
  std::string out;
  for (char c : content_type.substr(0, semi))
    if (!std::isspace(static_cast<unsigned char>(c)))
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

kelos::expected<k8s::json> yaml_to_json(std::string_view text) {
  try {
    // Documents are split at column-0 `---` lines and loaded one by one: yaml-cpp 0.7's
    // LoadAll never returns on some malformed input (a lone `,`; found by tests/fuzz/yaml).
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = start;
      while (end < text.size()) {
        auto nl = text.find('\n', end);
        auto line = text.substr(end, nl == std::string_view::npos ? std::string_view::npos : nl - end);
        if (end > start && line.substr(0, 3) == "---" && (line.size() == 3 || std::isspace(static_cast<unsigned char>(line[3]))))
          break;
        end = nl == std::string_view::npos ? text.size() : nl + 1;
      }
      auto d = YAML::Load(std::string(text.substr(start, end - start)));
      if (d.IsMap() || d.IsSequence() || d.IsScalar())
        return node_to_json(d);
      if (end >= text.size())
        break;
      start = end;
    }
    return make_error(errc::parse_error, "empty YAML document");
  } catch (const std::exception& e) {
    return make_error(errc::parse_error, std::string("invalid YAML: ") + e.what());
  }
}

api_result<k8s::json> decode_object_body(const server_request& req) {
  auto type = media_type_of(req.header("content-type"));
  k8s::json obj;
  if (type.empty() || type == "application/json" || type == "*/*") {
    auto j = parse_bounded(req.body, "the request body is not valid JSON");
    if (!j)
      return j;
    obj = std::move(*j);
  } else if (type == "application/yaml" || type == "application/x-yaml" || type == "text/yaml") {
    auto y = yaml_to_json(req.body);
    if (!y)
      return bad_body(y.error().message);
    obj = std::move(y).value();
  } else if (type == protobuf_media_type) {
    auto pb = decode_protobuf_object(req.body);
    if (!pb) {
      if (pb.error().code == errc::invalid_spec)
        return unsupported_media("application/json, application/yaml");
      return bad_body(pb.error().message);
    }
    obj = std::move(pb).value();
  } else {
    return unsupported_media(
      "application/json, application/yaml, application/vnd.kubernetes.protobuf");
  }
  if (!obj.is_object())
    return bad_body("the request body must be a JSON object");
  return obj;
}

api_result<patch_type> decode_patch_type(const server_request& req, bool strategic_allowed) {
  auto type = media_type_of(req.header("content-type"));
  if (type == "application/json-patch+json")
    return patch_type::json_patch;
  if (type == "application/merge-patch+json")
    return patch_type::merge;
  if (type == "application/apply-patch+yaml" || type == "application/apply-patch+json" ||
      type == "application/apply-patch+cbor")
    return patch_type::apply;
  if (type == "application/strategic-merge-patch+json" && strategic_allowed)
    return patch_type::strategic;
  if (strategic_allowed)
    return unsupported_media("application/json-patch+json, application/merge-patch+json, "
                             "application/strategic-merge-patch+json, application/apply-patch+yaml");
  return unsupported_media(
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
}

api_result<k8s::json> decode_patch_body(const server_request& req, patch_type type) {
  if (type == patch_type::apply) {
    auto r = parse_json_object(req.body, true);
    if (!r)
      return r;
    if (!r->is_object())
      return bad_body("the apply patch must be an object");
    return r;
  }
  auto parsed = parse_bounded(req.body, "the request body is not valid JSON: error decoding patch");
  if (!parsed)
    return parsed;
  auto& j = *parsed;
  if (type == patch_type::json_patch && !j.is_array())
    return bad_body("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  if (type != patch_type::json_patch && !j.is_object())
    return bad_body("the patch must be a JSON object");
  return j;
}

void normalize_micro_times(const k8s::resource_info& res, k8s::json& obj) {
  auto fix = [](k8s::json& parent, const char* key) {
    auto it = parent.find(key);
    if (it == parent.end() || !it->is_string())
      return;
    if (auto t = k8s::parse_time(it->get<std::string>()))
      *it = k8s::format_micro_time(*t);
  };
  if (!obj.is_object())
    return;
  if (res.group == "coordination.k8s.io" && res.plural == "leases") {
    if (auto spec = obj.find("spec"); spec != obj.end() && spec->is_object()) {
      fix(*spec, "acquireTime");
      fix(*spec, "renewTime");
    }
  } else if (res.plural == "events" && (res.group.empty() || res.group == "events.k8s.io")) {
    fix(obj, "eventTime");
  }
}

} // namespace kelos::apiserver
