#include "k8s/client/store.hpp"

#include <algorithm>

namespace kelos::k8s {

store_key key_of(const json& object) {
  // Direct lookups: this runs for every watch event, so avoid building paths.
  store_key key;
  if (!object.is_object()) return key;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return key;
  if (auto ns = meta->find("namespace"); ns != meta->end() && ns->is_string())
    key.namespace_ = ns->get<std::string>();
  if (auto name = meta->find("name"); name != meta->end() && name->is_string()) key.name = name->get<std::string>();
  return key;
}

label_list labels_of(const json& object) {
  label_list out;
  if (!object.is_object()) return out;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return out;
  auto labels = meta->find("labels");
  if (labels == meta->end() || !labels->is_object()) return out;
  out.reserve(labels->size());
  // nlohmann objects iterate in key order, so `out` is sorted.
  for (auto it = labels->begin(); it != labels->end(); ++it)
    if (it->is_string()) out.emplace_back(it.key(), it->template get<std::string>());
  return out;
}

bool labels_match(const label_list& labels, const std::map<std::string, std::string>& selector) {
  for (const auto& [k, v] : selector) {
    auto it = std::lower_bound(labels.begin(), labels.end(), k,
                               [](const auto& p, const std::string& key) { return p.first < key; });
    if (it == labels.end() || it->first != k || it->second != v) return false;
  }
  return true;
}

} // namespace kelos::k8s
