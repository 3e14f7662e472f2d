#include "cli/local/kubeconfig_merge.hpp"

#include <yaml-cpp/yaml.h>

namespace kelos::local {
namespace {

constexpr const char* sections[] = {"clusters", "users", "contexts"};

kelos::expected<YAML::Node> parse(std::string_view text, const char* what) {
  try {
    auto node = text.empty() ? YAML::Node{} : YAML::Load(std::string{text});
    if (node.IsNull())
      node = YAML::Node{YAML::NodeType::Map};
    if (!node.IsMap())
      return kelos::error{errc::invalid_config, std::string{what} + ": not a YAML mapping"};
    for (const char* section : sections)
      if (node[section] && !node[section].IsNull() && !node[section].IsSequence())
        return kelos::error{errc::invalid_config, std::string{what} + ": " + section + " is not a list"};
    return node;
  } catch (const YAML::Exception& e) {
    return kelos::error{errc::invalid_config, std::string{what} + ": " + e.what()};
  }
}

bool named(const YAML::Node& entry, const std::string& name) {
  return entry.IsMap() && entry["name"] && entry["name"].IsScalar() && entry["name"].as<std::string>() == name;
}

YAML::Node without(const YAML::Node& list, const std::string& name) {
  YAML::Node out{YAML::NodeType::Sequence};
  if (list && list.IsSequence())
    for (const auto& entry : list)
      if (!named(entry, name))
        out.push_back(entry);
  return out;
}

std::string emit(const YAML::Node& node) {
  YAML::Emitter out;
  out << node;
  return std::string{out.c_str()} + "\n";
}

} // namespace

kelos::expected<std::string> merge_kubeconfig(std::string_view existing, std::string_view ours,
                                              const std::string& name, bool set_current_context) {
  auto user = parse(existing, "existing kubeconfig");
  if (!user)
    return user.error();
  auto local = parse(ours, "local kubeconfig");
  if (!local)
    return local.error();
  auto& doc = *user;
  if (!doc["apiVersion"])
    doc["apiVersion"] = "v1";
  if (!doc["kind"])
    doc["kind"] = "Config";
  for (const char* section : sections) {
    auto merged = without(doc[section], name);
    bool found = false;
    if ((*local)[section])
      for (const auto& entry : (*local)[section])
        if (named(entry, name)) {
          merged.push_back(entry);
          found = true;
        }
    if (!found)
      return kelos::error{errc::invalid_config, std::string{"local kubeconfig: no "} + section + " entry named " + name};
    doc[section] = merged;
  }
  if (set_current_context)
    doc["current-context"] = name;
  return emit(doc);
}

kelos::expected<std::string> remove_kubeconfig_entries(std::string_view existing, const std::string& name) {
  auto user = parse(existing, "existing kubeconfig");
  if (!user)
    return user.error();
  auto& doc = *user;
  for (const char* section : sections)
    if (doc[section])
      doc[section] = without(doc[section], name);
  if (doc["current-context"] && doc["current-context"].IsScalar() && doc["current-context"].as<std::string>() == name)
    doc["current-context"] = "";
  return emit(doc);
}

} // namespace kelos::local
