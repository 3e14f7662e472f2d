#include "k8s/object_meta.hpp"

#include <algorithm>

namespace kelos::k8s {

bool object_meta::has_finalizer(std::string_view f) const {
  return std::find(finalizers.begin(), finalizers.end(), f) != finalizers.end();
}

const owner_reference* object_meta::controller_owner() const {
  for (auto& ref : owner_references)
    if (ref.controller)
      return &ref;
  return nullptr;
}

owner_reference parse_owner_reference(const json& j) {
  owner_reference r;
  r.api_version = get_string(j, "apiVersion");
  r.kind = get_string(j, "kind");
  r.name = get_string(j, "name");
  r.uid = get_string(j, "uid");
  r.controller = get_bool(j, "controller");
  r.block_owner_deletion = get_bool(j, "blockOwnerDeletion");
  return r;
}

json to_json(const owner_reference& r) {
  json j = {{"apiVersion", r.api_version}, {"kind", r.kind}, {"name", r.name}, {"uid", r.uid}};
  if (r.controller)
    j["controller"] = true;
  if (r.block_owner_deletion)
    j["blockOwnerDeletion"] = true;
  return j;
}

namespace {

std::map<std::string, std::string> string_map(const json& meta, const char* key) {
  std::map<std::string, std::string> out;
  auto it = meta.find(key);
  if (it == meta.end() || !it->is_object())
    return out;
  for (auto& [k, v] : it->items())
    if (v.is_string())
      out.emplace(k, v.get<std::string>());
  return out;
}

std::optional<time_point> time_field(const json& meta, const char* key) {
  auto s = get_string(meta, key);
  if (s.empty())
    return std::nullopt;
  return parse_time(s);
}

} // namespace

object_meta parse_object_meta(const json& object) {
  object_meta m;
  if (!object.is_object())
    return m;
  auto it = object.find("metadata");
  if (it == object.end() || !it->is_object())
    return m;
  const json& meta = *it;
  m.name = get_string(meta, "name");
  m.generate_name = get_string(meta, "generateName");
  m.namespace_ = get_string(meta, "namespace");
  m.uid = get_string(meta, "uid");
  m.resource_version = get_string(meta, "resourceVersion");
  m.generation = get_int(meta, "generation");
  m.creation_timestamp = time_field(meta, "creationTimestamp");
  m.deletion_timestamp = time_field(meta, "deletionTimestamp");
  m.labels = string_map(meta, "labels");
  m.annotations = string_map(meta, "annotations");
  if (auto f = meta.find("finalizers"); f != meta.end() && f->is_array())
    for (auto& v : *f)
      if (v.is_string())
        m.finalizers.push_back(v.get<std::string>());
  if (auto o = meta.find("ownerReferences"); o != meta.end() && o->is_array())
    for (auto& v : *o)
      m.owner_references.push_back(parse_owner_reference(v));
  return m;
}

json to_json(const object_meta& m) {
  json j = json::object();
  auto put = [&](const char* key, const std::string& v) {
    if (!v.empty())
      j[key] = v;
  };
  put("name", m.name);
  put("generateName", m.generate_name);
  put("namespace", m.namespace_);
  put("uid", m.uid);
  put("resourceVersion", m.resource_version);
  if (m.generation != 0)
    j["generation"] = m.generation;
  if (m.creation_timestamp)
    j["creationTimestamp"] = format_time(*m.creation_timestamp);
  if (m.deletion_timestamp)
    j["deletionTimestamp"] = format_time(*m.deletion_timestamp);
  if (!m.labels.empty())
    j["labels"] = m.labels;
  if (!m.annotations.empty())
    j["annotations"] = m.annotations;
  if (!m.finalizers.empty())
    j["finalizers"] = m.finalizers;
  if (!m.owner_references.empty()) {
    json refs = json::array();
    for (auto& r : m.owner_references)
      refs.push_back(to_json(r));
    j["ownerReferences"] = std::move(refs);
  }
  return j;
}

std::string object_ref::to_string() const {
  if (namespace_.empty())
    return kind + " " + name;
  return kind + " " + namespace_ + "/" + name;
}

object_ref ref_of(const json& object) {
  object_ref r;
  r.kind = get_string(object, "kind");
  if (auto it = object.find("metadata"); it != object.end()) {
    r.namespace_ = get_string(*it, "namespace");
    r.name = get_string(*it, "name");
  }
  return r;
}

} // namespace kelos::k8s
