#include "k8s/apiserver/admission.hpp"

#include "k8s/apiserver/crd_model.hpp"

#include <algorithm>
#include <cctype>

namespace kelos::apiserver {

namespace {

thread_local request_admission* current = nullptr;

} // namespace

admission_scope::admission_scope(request_admission& adm) : previous_(current) {
  current = &adm;
}

admission_scope::~admission_scope() {
  current = previous_;
}

request_admission* current_admission() noexcept {
  return current;
}

bool parse_field_validation(std::string_view text, field_validation& out) {
  std::string t;
  for (char c : text)
    t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (t.empty() || t == "warn")
    out = field_validation::warn;
  else if (t == "strict")
    out = field_validation::strict;
  else if (t == "ignore")
    out = field_validation::ignore;
  else
    return false;
  return true;
}

admission_hook make_schema_admission(std::shared_ptr<const schema_node> schema, std::string kind,
                                     std::string group) {
  return [schema = std::move(schema), kind = std::move(kind), group = std::move(group)](
           json obj, const json* old, const admission_context&) -> api_result<json> {
    auto* adm = current_admission();
    field_validation mode = adm ? adm->mode : field_validation::warn;
    std::string name = obj.contains("metadata") ? k8s::get_string(obj["metadata"], "name") : "";
    auto r = admit_custom_resource(*schema, std::move(obj), old, mode);
    if (!r.strict_error.empty())
      return api_error::bad_request(r.strict_error);
    if (!r.causes.empty())
      return api_error::from_status(invalid_status(kind, group, name, r.causes));
    if (adm)
      for (auto& w : r.warnings)
        adm->warnings.push_back(std::move(w));
    return std::move(r.object);
  };
}

admission_hook make_versioned_schema_admission(
  std::map<std::string, std::shared_ptr<const schema_node>> schemas, std::string fallback,
  std::string kind, std::string group) {
  std::map<std::string, admission_hook> hooks;
  for (auto& [api_version, schema] : schemas)
    if (schema)
      hooks.emplace(api_version, make_schema_admission(schema, kind, group));
  return [hooks = std::move(hooks), fallback = std::move(fallback)](
           json obj, const json* old, const admission_context& ctx) -> api_result<json> {
    auto it = hooks.find(k8s::get_string(obj, "apiVersion"));
    if (it == hooks.end())
      it = hooks.find(fallback);
    if (it == hooks.end())
      return obj;
    return it->second(std::move(obj), old, ctx);
  };
}

admission_hook make_crd_admission() {
  return [](json obj, const json*, const admission_context&) -> api_result<json> {
    auto crd = parse_crd(obj);
    if (!crd) {
      std::string name = obj.contains("metadata") ? k8s::get_string(obj["metadata"], "name") : "";
      api_error e;
      e.code = 422;
      e.reason = "Invalid";
      e.message = "CustomResourceDefinition.apiextensions.k8s.io \"" + name +
                  "\" is invalid: " + crd.error().message;
      e.details = json{{"name", name},
                       {"group", "apiextensions.k8s.io"},
                       {"kind", "CustomResourceDefinition"},
                       {"causes", json::array({json{{"reason", "FieldValueInvalid"},
                                                    {"message", crd.error().message}}})}};
      return e;
    }
    return obj;
  };
}

} // namespace kelos::apiserver
