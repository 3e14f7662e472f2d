#include "k8s/client/store.hpp"

#include <algorithm>

namespace kelos::k8s {

store_key key_of(const json& object) {
  store_key key;
  const json* meta = object.is_object() ? find_path(object, "metadata") : nullptr;
  if (meta == nullptr || !meta->is_object()) return key;
  key.namespace_ = get_string(*meta, "namespace");
  key.name = get_string(*meta, "name");
  return key;
}

label_list labels_of(const json& object) {
  label_list out;
  const json* labels = object.is_object() ? find_path(object, "metadata.labels") : nullptr;
  if (labels == nullptr || !labels->is_object()) return out;
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
