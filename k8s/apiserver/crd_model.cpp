#include "k8s/apiserver/crd_model.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include "k8s/apiserver/jsonpath.hpp"

namespace kelos::apiserver {

namespace {

using k8s::json;

kelos::error invalid(std::string msg) {
  return make_error(errc::invalid_spec, "CustomResourceDefinition " + std::move(msg));
}

bool is_dns_label(std::string_view s) {
  if (s.empty() || s.size() > 63)
    return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back()))
    return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-'; });
}

std::string lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Reads an optional array of strings; a non-array or non-string item is an error.
expected<std::vector<std::string>> string_list(const json& parent, const char* key,
                                               const std::string& field) {
  std::vector<std::string> out;
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null())
    return out;
  if (!it->is_array())
    return invalid(field + ": must be a list of strings");
  for (auto& v : *it) {
    if (!v.is_string())
      return invalid(field + ": must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

expected<printer_column> parse_column(const json& c, const std::string& field) {
  if (!c.is_object())
    return invalid(field + ": must be an object");
  printer_column col;
  col.name = k8s::get_string(c, "name");
  col.type = k8s::get_string(c, "type");
  col.format = k8s::get_string(c, "format");
  col.description = k8s::get_string(c, "description");
  col.json_path = k8s::get_string(c, "jsonPath");
  col.priority = static_cast<int>(k8s::get_int(c, "priority", 0));
  if (col.name.empty())
    return invalid(field + ".name: Required value");
  static const std::set<std::string> types{"string", "integer", "number", "boolean", "date"};
  if (!types.count(col.type))
    return invalid(field + ".type: Unsupported value: \"" + col.type
                   + "\": supported values: \"boolean\", \"date\", \"integer\", \"number\", "
                     "\"string\"");
  if (col.json_path.empty())
    return invalid(field + ".jsonPath: Required value");
  if (auto ok = jsonpath_validate(col.json_path); !ok)
    return invalid(field + ".jsonPath: Invalid value: \"" + col.json_path + "\": "
                   + ok.error().message);
  if (col.priority < 0)
    return invalid(field + ".priority: Invalid value: must be non-negative");
  return col;
}

expected<crd_version> parse_version(const json& v, const std::string& field) {
  if (!v.is_object())
    return invalid(field + ": must be an object");
  crd_version out;
  out.name = k8s::get_string(v, "name");
  if (!is_dns_label(out.name))
    return invalid(field + ".name: Invalid value: \"" + out.name
                   + "\": must be a lower-case DNS label (e.g. v1alpha1)");
  out.served = k8s::get_bool(v, "served", false);
  out.storage = k8s::get_bool(v, "storage", false);
  out.deprecated = k8s::get_bool(v, "deprecated", false);
  if (auto s = v.find("schema"); s != v.end() && s->is_object()) {
    if (auto o = s->find("openAPIV3Schema"); o != s->end()) {
      if (!o->is_object())
        return invalid(field + ".schema.openAPIV3Schema: must be an object");
      out.schema = *o;
    }
  }
  if (auto sub = v.find("subresources"); sub != v.end() && sub->is_object()) {
    out.status_subresource = sub->contains("status") && !(*sub)["status"].is_null();
    if (auto sc = sub->find("scale"); sc != sub->end() && sc->is_object()) {
      scale_subresource scale;
      scale.spec_replicas_path = k8s::get_string(*sc, "specReplicasPath");
      scale.status_replicas_path = k8s::get_string(*sc, "statusReplicasPath");
      scale.label_selector_path = k8s::get_string(*sc, "labelSelectorPath");
      if (scale.spec_replicas_path.empty())
        return invalid(field + ".subresources.scale.specReplicasPath: Required value");
      if (scale.status_replicas_path.empty())
        return invalid(field + ".subresources.scale.statusReplicasPath: Required value");
      out.scale = std::move(scale);
    }
  }
  if (auto cols = v.find("additionalPrinterColumns"); cols != v.end() && !cols->is_null()) {
    if (!cols->is_array())
      return invalid(field + ".additionalPrinterColumns: must be a list");
    for (std::size_t i = 0; i < cols->size(); ++i) {
      auto col = parse_column((*cols)[i],
                              field + ".additionalPrinterColumns[" + std::to_string(i) + "]");
      if (!col)
        return col.error();
      out.printer_columns.push_back(std::move(*col));
    }
  }
  return out;
}

expected<crd_definition> parse_crd_unchecked(const json& crd) {
  if (!crd.is_object())
    return make_error(errc::parse_error, "CustomResourceDefinition: not a JSON object");
  auto api_version = k8s::get_string(crd, "apiVersion");
  if (!api_version.empty() && api_version != "apiextensions.k8s.io/v1")
    return invalid("apiVersion: Unsupported value: \"" + api_version
                   + "\": only apiextensions.k8s.io/v1 is served");
  crd_definition out;
  if (auto m = crd.find("metadata"); m != crd.end() && m->is_object())
    out.name = k8s::get_string(*m, "name");
  auto spec_it = crd.find("spec");
  if (spec_it == crd.end() || !spec_it->is_object())
    return invalid("\"" + out.name + "\": spec: Required value");
  const json& spec = *spec_it;
  auto who = "\"" + out.name + "\" is invalid: ";

  out.group = k8s::get_string(spec, "group");
  if (out.group.empty())
    return invalid(who + "spec.group: Required value");
  if (out.group.find('.') == std::string::npos)
    return invalid(who + "spec.group: Invalid value: \"" + out.group
                   + "\": should be a domain with at least one dot");

  auto names_it = spec.find("names");
  if (names_it == spec.end() || !names_it->is_object())
    return invalid(who + "spec.names: Required value");
  const json& names = *names_it;
  out.names.plural = k8s::get_string(names, "plural");
  out.names.kind = k8s::get_string(names, "kind");
  out.names.singular = k8s::get_string(names, "singular");
  out.names.list_kind = k8s::get_string(names, "listKind");
  if (out.names.plural.empty())
    return invalid(who + "spec.names.plural: Required value");
  if (!is_dns_label(out.names.plural))
    return invalid(who + "spec.names.plural: Invalid value: \"" + out.names.plural
                   + "\": a lowercase RFC 1123 label must consist of lower case alphanumeric "
                     "characters or '-'");
  if (out.names.kind.empty())
    return invalid(who + "spec.names.kind: Required value");
  if (!std::isalpha(static_cast<unsigned char>(out.names.kind.front())))
    return invalid(who + "spec.names.kind: Invalid value: \"" + out.names.kind + "\"");
  if (out.names.singular.empty())
    out.names.singular = lower(out.names.kind);
  else if (!is_dns_label(out.names.singular))
    return invalid(who + "spec.names.singular: Invalid value: \"" + out.names.singular + "\"");
  if (out.names.list_kind.empty())
    out.names.list_kind = out.names.kind + "List";
  if (out.names.list_kind == out.names.kind)
    return invalid(who + "spec.names.listKind: Invalid value: \"" + out.names.list_kind
                   + "\": kind and listKind may not be the same");
  auto short_names = string_list(names, "shortNames", who + "spec.names.shortNames");
  if (!short_names)
    return short_names.error();
  for (auto& s : *short_names)
    if (!is_dns_label(s))
      return invalid(who + "spec.names.shortNames: Invalid value: \"" + s + "\"");
  out.names.short_names = std::move(*short_names);
  auto categories = string_list(names, "categories", who + "spec.names.categories");
  if (!categories)
    return categories.error();
  out.names.categories = std::move(*categories);

  std::string expected_name = out.names.plural + "." + out.group;
  if (out.name != expected_name)
    return invalid(who + "metadata.name: Invalid value: \"" + out.name
                   + "\": must be spec.names.plural+\".\"+spec.group (\"" + expected_name
                   + "\")");

  out.scope = k8s::get_string(spec, "scope");
  if (out.scope != "Namespaced" && out.scope != "Cluster")
    return invalid(who + "spec.scope: Unsupported value: \"" + out.scope
                   + "\": supported values: \"Cluster\", \"Namespaced\"");

  auto versions_it = spec.find("versions");
  if (versions_it == spec.end() || !versions_it->is_array() || versions_it->empty())
    return invalid(who + "spec.versions: Invalid value: must have exactly one version marked "
                         "as storage version");
  std::set<std::string> seen;
  int storage_count = 0;
  for (std::size_t i = 0; i < versions_it->size(); ++i) {
    auto v = parse_version((*versions_it)[i], who + "spec.versions[" + std::to_string(i) + "]");
    if (!v)
      return v.error();
    if (!seen.insert(v->name).second)
      return invalid(who + "spec.versions[" + std::to_string(i) + "].name: Duplicate value: \""
                     + v->name + "\"");
    if (v->storage)
      ++storage_count;
    out.versions.push_back(std::move(*v));
  }
  if (storage_count != 1)
    return invalid(who + "spec.versions: Invalid value: must have exactly one version marked as "
                         "storage version");
  if (std::none_of(out.versions.begin(), out.versions.end(),
                   [](const crd_version& v) { return v.served; }))
    return invalid(who + "spec.versions: Invalid value: must have at least one served version");

  if (auto conv = spec.find("conversion"); conv != spec.end() && conv->is_object()) {
    out.conversion_strategy = k8s::get_string(*conv, "strategy", "None");
    if (out.conversion_strategy != "None" && out.conversion_strategy != "Webhook")
      return invalid(who + "spec.conversion.strategy: Unsupported value: \""
                     + out.conversion_strategy + "\": supported values: \"None\", \"Webhook\"");
  }
  return out;
}

// Parses "v<major>[(alpha|beta)<minor>]"; rank 3 GA, 2 beta, 1 alpha, 0 other.
struct version_key {
  int rank = 0;
  long major = 0;
  long minor = 0;
};

version_key key_of(std::string_view v) {
  version_key k;
  if (v.size() < 2 || v[0] != 'v' || !std::isdigit(static_cast<unsigned char>(v[1])))
    return k;
  std::size_t i = 1;
  long major = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i])))
    major = major * 10 + (v[i++] - '0');
  if (i == v.size())
    return {3, major, 0};
  int rank;
  auto rest = v.substr(i);
  if (rest.starts_with("alpha")) {
    rank = 1;
    i += 5;
  } else if (rest.starts_with("beta")) {
    rank = 2;
    i += 4;
  } else {
    return k;
  }
  if (i == v.size())
    return k;
  long minor = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i])))
    minor = minor * 10 + (v[i++] - '0');
  if (i != v.size())
    return k;
  return {rank, major, minor};
}

json names_json(const crd_names& n) {
  json j{{"plural", n.plural}, {"singular", n.singular}, {"kind", n.kind},
         {"listKind", n.list_kind}};
  if (!n.short_names.empty())
    j["shortNames"] = n.short_names;
  if (!n.categories.empty())
    j["categories"] = n.categories;
  return j;
}

json condition(const std::string& type, bool status, const std::string& reason,
               const std::string& message, const std::string& now, const json& previous) {
  std::string status_text = status ? "True" : "False";
  std::string when = now;
  if (previous.is_object())
    if (auto c = previous.find("conditions"); c != previous.end() && c->is_array())
      for (auto& old : *c)
        if (k8s::get_string(old, "type") == type && k8s::get_string(old, "status") == status_text
            && !k8s::get_string(old, "lastTransitionTime").empty())
          when = k8s::get_string(old, "lastTransitionTime");
  return json{{"type", type},     {"status", status_text}, {"lastTransitionTime", when},
              {"reason", reason}, {"message", message}};
}

} // namespace

bool version_higher_priority(std::string_view a, std::string_view b) {
  auto ka = key_of(a), kb = key_of(b);
  if (ka.rank != kb.rank)
    return ka.rank > kb.rank;
  if (ka.rank == 0)
    return a < b;  // non-conforming names: alphabetical
  if (ka.major != kb.major)
    return ka.major > kb.major;
  return ka.minor > kb.minor;
}

const crd_version& crd_definition::storage_version() const {
  for (auto& v : versions)
    if (v.storage)
      return v;
  return versions.front();  // unreachable for a parsed CRD
}

const crd_version* crd_definition::find_version(std::string_view n) const {
  for (auto& v : versions)
    if (v.name == n)
      return &v;
  return nullptr;
}

std::vector<std::string> crd_definition::served_versions_by_priority() const {
  std::vector<std::string> out;
  for (auto& v : versions)
    if (v.served)
      out.push_back(v.name);
  std::stable_sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return version_higher_priority(a, b);
  });
  return out;
}

std::vector<std::string> default_verbs() {
  return {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
}

served_resource served_builtin(const k8s::resource_info& info) {
  served_resource r;
  r.info = info;
  r.verbs = default_verbs();
  r.list_kind = info.kind + "List";
  r.storage_version = info.version;
  return r;
}

std::vector<served_resource> served_builtins() {
  std::vector<served_resource> out;
  for (auto& info : k8s::builtin_resources())
    out.push_back(served_builtin(info));
  return out;
}

expected<crd_definition> parse_crd(const k8s::json& crd) {
  try {
    return parse_crd_unchecked(crd);
  } catch (const json::exception& e) {
    return make_error(errc::parse_error, std::string{"CustomResourceDefinition: "} + e.what());
  }
}

std::optional<std::string> find_name_conflict(const crd_definition& crd,
                                              const std::vector<served_resource>& existing) {
  const auto& n = crd.names;
  std::vector<std::string> our_names{n.plural, n.singular};
  our_names.insert(our_names.end(), n.short_names.begin(), n.short_names.end());
  for (auto& r : existing) {
    const auto& i = r.info;
    if (i.group != crd.group)
      continue;
    if (i.plural == n.plural) {
      if (i.kind != n.kind)
        return "\"" + n.plural + "\" is already in use by kind \"" + i.kind + "\"";
      continue;  // another version of ourselves, or our earlier registration
    }
    std::vector<std::string> their_names{i.plural, i.singular};
    their_names.insert(their_names.end(), i.short_names.begin(), i.short_names.end());
    for (auto& ours : our_names)
      for (auto& theirs : their_names)
        if (!ours.empty() && ours == theirs)
          return "\"" + ours + "\" is already in use by \"" + i.qualified_plural() + "\"";
    if (i.kind == n.kind)
      return "kind \"" + n.kind + "\" is already in use by \"" + i.qualified_plural() + "\"";
    if ((r.list_kind.empty() ? i.kind + "List" : r.list_kind) == n.list_kind)
      return "listKind \"" + n.list_kind + "\" is already in use by \"" + i.qualified_plural()
             + "\"";
  }
  return std::nullopt;
}

k8s::json crd_status(const crd_definition& crd, bool conflicts_with_existing,
                     const std::string& now_rfc3339, const k8s::json& previous_status,
                     const std::string& conflict_message) {
  json status = json::object();
  json stored = json::array();
  if (previous_status.is_object())
    if (auto sv = previous_status.find("storedVersions"); sv != previous_status.end()
                                                          && sv->is_array())
      for (auto& v : *sv)
        if (v.is_string())
          stored.push_back(v);
  auto storage = crd.storage_version().name;
  if (std::find(stored.begin(), stored.end(), json(storage)) == stored.end())
    stored.push_back(storage);

  json conditions = json::array();
  if (!conflicts_with_existing) {
    status["acceptedNames"] = names_json(crd.names);
    conditions.push_back(condition("NamesAccepted", true, "NoConflicts", "no conflicts found",
                                   now_rfc3339, previous_status));
    conditions.push_back(condition("Established", true, "InitialNamesAccepted",
                                   "the initial names have been accepted", now_rfc3339,
                                   previous_status));
  } else {
    // Upstream keeps the previously accepted names while a conflict lasts.
    json accepted = json{{"plural", ""}, {"kind", ""}};
    if (previous_status.is_object())
      if (auto a = previous_status.find("acceptedNames"); a != previous_status.end()
                                                          && a->is_object())
        accepted = *a;
    status["acceptedNames"] = accepted;
    conditions.push_back(condition("NamesAccepted", false, "NameConflict",
                                   conflict_message.empty() ? "names conflict with an existing "
                                                              "resource"
                                                            : conflict_message,
                                   now_rfc3339, previous_status));
    conditions.push_back(condition("Established", false, "NotAccepted",
                                   "not all names are accepted", now_rfc3339, previous_status));
  }
  status["conditions"] = std::move(conditions);
  status["storedVersions"] = std::move(stored);
  return status;
}

std::vector<k8s::resource_info> to_resource_infos(const crd_definition& crd) {
  std::vector<k8s::resource_info> out;
  for (auto& v : crd.versions) {
    if (!v.served)
      continue;
    k8s::resource_info info;
    info.group = crd.group;
    info.version = v.name;
    info.kind = crd.names.kind;
    info.plural = crd.names.plural;
    info.singular = crd.names.singular;
    info.namespaced = crd.namespaced();
    info.short_names = crd.names.short_names;
    info.categories = crd.names.categories;
    if (v.status_subresource)
      info.subresources.push_back("status");
    if (v.scale)
      info.subresources.push_back("scale");
    out.push_back(std::move(info));
  }
  return out;
}

std::vector<served_resource> to_served_resources(const crd_definition& crd) {
  std::vector<served_resource> out;
  auto infos = to_resource_infos(crd);
  for (auto& info : infos) {
    const crd_version* v = crd.find_version(info.version);
    served_resource r;
    r.info = std::move(info);
    r.verbs = default_verbs();
    r.list_kind = crd.names.list_kind;
    r.printer_columns = v->printer_columns;
    r.schema = v->schema;
    r.from_crd = true;
    r.storage_version = crd.storage_version().name;
    r.scale = v->scale;
    r.deprecated = v->deprecated;
    out.push_back(std::move(r));
  }
  return out;
}

} // namespace kelos::apiserver
