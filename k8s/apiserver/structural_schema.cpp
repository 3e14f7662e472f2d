#include "k8s/apiserver/structural_schema.hpp"

#include "k8s/apiserver/schema_pattern.hpp"

namespace kelos::apiserver {

namespace {

constexpr const char* root_path = "openAPIV3Schema";

expected<std::optional<int64_t>> read_count(const json& j, const char* key,
                                            const std::string& path) {
  auto it = j.find(key);
  if (it == j.end())
    return std::optional<int64_t>();
  if (!it->is_number_integer() || it->get<int64_t>() < 0)
    return make_error(errc::invalid_spec,
                      path + "." + key + ": must be a non-negative integer");
  return std::optional<int64_t>(it->get<int64_t>());
}

expected<schema_node> compile_node(const json& j, const std::string& path) {
  if (!j.is_object())
    return make_error(errc::invalid_spec, path + ": must be an object");
  schema_node n;
  n.type = k8s::get_string(j, "type");
  static const char* types[] = {"", "object", "array", "string", "integer", "number", "boolean"};
  if (std::find(std::begin(types), std::end(types), n.type) == std::end(types))
    return make_error(errc::invalid_spec, path + ".type: Unsupported value: \"" + n.type
                                              + "\": supported values: \"array\", \"boolean\", "
                                                "\"integer\", \"number\", \"object\", \"string\"");
  n.nullable = k8s::get_bool(j, "nullable");
  n.int_or_string = k8s::get_bool(j, "x-kubernetes-int-or-string");
  n.preserve_unknown_fields = k8s::get_bool(j, "x-kubernetes-preserve-unknown-fields");
  n.embedded_resource = k8s::get_bool(j, "x-kubernetes-embedded-resource");
  n.format = k8s::get_string(j, "format");
  if (auto props = j.find("properties"); props != j.end()) {
    if (!props->is_object())
      return make_error(errc::invalid_spec, path + ".properties: must be an object");
    for (auto it = props->begin(); it != props->end(); ++it) {
      auto child = compile_node(*it, path + ".properties[" + it.key() + "]");
      if (!child)
        return child.error();
      n.properties.emplace(it.key(), std::move(*child));
    }
  }
  if (auto items = j.find("items"); items != j.end()) {
    if (!items->is_object())
      return make_error(errc::invalid_spec, path + ".items: must be a schema object");
    auto child = compile_node(*items, path + ".items");
    if (!child)
      return child.error();
    n.items = std::make_shared<schema_node>(std::move(*child));
  }
  if (auto ap = j.find("additionalProperties"); ap != j.end()) {
    if (ap->is_boolean()) {
      n.additional_properties_false = !ap->get<bool>();
    } else if (ap->is_object()) {
      auto child = compile_node(*ap, path + ".additionalProperties");
      if (!child)
        return child.error();
      n.additional_properties = std::make_shared<schema_node>(std::move(*child));
    } else {
      return make_error(errc::invalid_spec,
                        path + ".additionalProperties: must be a boolean or a schema");
    }
  }
  if (auto req = j.find("required"); req != j.end()) {
    if (!req->is_array())
      return make_error(errc::invalid_spec, path + ".required: must be a list of strings");
    for (const auto& r : *req) {
      if (!r.is_string())
        return make_error(errc::invalid_spec, path + ".required: must be a list of strings");
      n.required.push_back(r.get<std::string>());
    }
  }
  if (auto en = j.find("enum"); en != j.end()) {
    if (!en->is_array())
      return make_error(errc::invalid_spec, path + ".enum: must be a list");
    n.enum_values.assign(en->begin(), en->end());
  }
  n.pattern = k8s::get_string(j, "pattern");
  if (!n.pattern.empty()) {
    auto compiled = compile_pattern(n.pattern);
    if (!compiled)
      return make_error(errc::invalid_spec, path + ".pattern: " + compiled.error().message);
    n.pattern_regex = std::move(*compiled);
  }
  auto read_number = [&](const char* key, std::optional<double>& out) -> expected<void> {
    auto it = j.find(key);
    if (it == j.end())
      return {};
    if (!it->is_number())
      return make_error(errc::invalid_spec, path + "." + key + ": must be a number");
    out = it->get<double>();
    return {};
  };
  if (auto r = read_number("minimum", n.minimum); !r)
    return r.error();
  if (auto r = read_number("maximum", n.maximum); !r)
    return r.error();
  n.exclusive_minimum = k8s::get_bool(j, "exclusiveMinimum");
  n.exclusive_maximum = k8s::get_bool(j, "exclusiveMaximum");
  struct count_field {
    const char* key;
    std::optional<int64_t>* out;
  } counts[] = {{"minLength", &n.min_length},         {"maxLength", &n.max_length},
                {"minItems", &n.min_items},           {"maxItems", &n.max_items},
                {"minProperties", &n.min_properties}, {"maxProperties", &n.max_properties}};
  for (auto& c : counts) {
    auto v = read_count(j, c.key, path);
    if (!v)
      return v.error();
    *c.out = *v;
  }
  if (auto d = j.find("default"); d != j.end())
    n.default_value = *d;
  n.list_type = k8s::get_string(j, "x-kubernetes-list-type");
  if (!n.list_type.empty() && n.list_type != "atomic" && n.list_type != "set"
      && n.list_type != "map")
    return make_error(errc::invalid_spec, path + ".x-kubernetes-list-type: Unsupported value: \""
                                              + n.list_type
                                              + "\": supported values: \"atomic\", \"map\", \"set\"");
  if (auto keys = j.find("x-kubernetes-list-map-keys"); keys != j.end() && keys->is_array())
    for (const auto& k : *keys)
      if (k.is_string())
        n.list_map_keys.push_back(k.get<std::string>());
  if (n.list_type == "map" && n.list_map_keys.empty())
    return make_error(errc::invalid_spec,
                      path + ".x-kubernetes-list-map-keys: Required value: must not be empty if "
                             "x-kubernetes-list-type is map");
  // int-or-string written as anyOf (what controller-gen emits).
  if (auto any = j.find("anyOf"); any != j.end() && any->is_array() && n.type.empty()) {
    bool has_int = false, has_string = false;
    for (const auto& alt : *any) {
      has_int = has_int || k8s::get_string(alt, "type") == "integer";
      has_string = has_string || k8s::get_string(alt, "type") == "string";
    }
    if (has_int && has_string)
      n.int_or_string = true;
  }
  if (auto rules = j.find("x-kubernetes-validations"); rules != j.end()) {
    if (!rules->is_array())
      return make_error(errc::invalid_spec, path + ".x-kubernetes-validations: must be a list");
    for (size_t i = 0; i < rules->size(); ++i) {
      const json& r = (*rules)[i];
      std::string rpath = path + ".x-kubernetes-validations[" + std::to_string(i) + "]";
      validation_rule rule;
      rule.rule = k8s::get_string(r, "rule");
      rule.message = k8s::get_string(r, "message");
      rule.field_path = k8s::get_string(r, "fieldPath");
      rule.reason = k8s::get_string(r, "reason", "FieldValueInvalid");
      if (rule.rule.empty())
        return make_error(errc::invalid_spec, rpath + ".rule: Required value");
      if (r.contains("messageExpression"))
        return make_error(errc::invalid_spec,
                          rpath + ".messageExpression: not supported by this server");
      auto program = cel_compile(rule.rule);
      if (!program)
        return make_error(errc::invalid_spec,
                          rpath + ".rule: Invalid value: \"" + rule.rule + "\": "
                              + program.error().message);
      rule.program = std::move(*program);
      n.rules.push_back(std::move(rule));
    }
  }
  return n;
}

void collect_lists(const schema_node& n, const std::string& sp, list_type_info& info) {
  if (n.type == "array") {
    if (n.list_type == "map")
      info.lists[sp] = list_type{list_kind::map, n.list_map_keys};
    else if (n.list_type == "set")
      info.lists[sp] = list_type{list_kind::set, {}};
  }
  for (const auto& [name, child] : n.properties)
    collect_lists(child, sp.empty() ? name : sp + "." + name, info);
  if (n.items)
    collect_lists(*n.items, sp, info);
  if (n.additional_properties)
    collect_lists(*n.additional_properties, sp.empty() ? "*" : sp + ".*", info);
}

} // namespace

expected<schema_node> compile_schema(const json& open_api_v3_schema) {
  try {
    return compile_node(open_api_v3_schema, root_path);
  } catch (const std::exception& e) {
    return make_error(errc::invalid_spec, std::string("openAPIV3Schema: ") + e.what());
  }
}

list_type_info list_types_from_schema(const schema_node& root) {
  list_type_info info;
  info.lists["metadata.ownerReferences"] = list_type{list_kind::map, {"uid"}};
  info.lists["metadata.finalizers"] = list_type{list_kind::set, {}};
  collect_lists(root, "", info);
  return info;
}

} // namespace kelos::apiserver

namespace kelos::apiserver {

expected<std::shared_ptr<const compiled_pattern>> compile_pattern(const std::string& pattern) {
  try {
    auto p = std::make_shared<compiled_pattern>();
    p->regex = std::regex(pattern, std::regex::ECMAScript);
    return std::shared_ptr<const compiled_pattern>(std::move(p));
  } catch (const std::regex_error& e) {
    return make_error(errc::invalid_spec, "invalid regex \"" + pattern + "\": " + e.what());
  }
}

bool pattern_matches(const compiled_pattern& pattern, const std::string& text) {
  return std::regex_search(text, pattern.regex);
}

} // namespace kelos::apiserver
