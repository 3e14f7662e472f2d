#include "k8s/apiserver/strategic_merge.hpp"

#include <algorithm>
#include <optional>

namespace kelos::apiserver {

namespace {

constexpr std::string_view set_order_prefix = "$setElementOrder/";
constexpr std::string_view delete_primitive_prefix = "$deleteFromPrimitiveList/";

std::string child_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

struct merger {
  const list_type_info& lists;

  // Result: the merged value, or nullopt when the patch deletes it (`$patch: delete`).
  expected<std::optional<json>> merge_value(const json* orig, const json& patch,
                                            const std::string& path) {
    if (patch.is_object())
      return merge_map(orig && orig->is_object() ? orig : nullptr, patch, path);
    if (patch.is_array()) {
      static const json empty = json::array();
      auto merged = merge_list(orig && orig->is_array() ? *orig : empty, patch, path);
      if (!merged)
        return merged.error();
      return std::optional<json>(std::move(*merged));
    }
    return std::optional<json>(patch);
  }

  expected<std::optional<json>> merge_map(const json* orig, const json& patch,
                                          const std::string& path) {
    json result = orig ? *orig : json::object();
    if (auto it = patch.find("$patch"); it != patch.end()) {
      if (!it->is_string())
        return make_error(errc::bad_request, path + ": $patch must be a string");
      auto directive = it->get<std::string>();
      if (directive == "delete")
        return std::optional<json>();
      if (directive == "replace") {
        json stripped = patch;
        stripped.erase("$patch");
        auto clean = merge_map(nullptr, stripped, path);
        return clean;
      }
      if (directive != "merge")
        return make_error(errc::bad_request,
                          path + ": unknown patch type \"" + directive + "\" in $patch");
    }
    for (auto it = patch.begin(); it != patch.end(); ++it) {
      const std::string& key = it.key();
      if (key == "$patch" || key == "$retainKeys" || starts_with(key, set_order_prefix)
          || starts_with(key, delete_primitive_prefix))
        continue;
      if (it->is_null()) {
        result.erase(key);
        continue;
      }
      auto existing = result.find(key);
      const json* sub = existing == result.end() ? nullptr : &*existing;
      auto merged = merge_value(sub, *it, child_path(path, key));
      if (!merged)
        return merged.error();
      if (*merged)
        result[key] = std::move(**merged);
      else
        result.erase(key);
    }
    // Directives that act on sibling lists after the merge.
    for (auto it = patch.begin(); it != patch.end(); ++it) {
      const std::string& key = it.key();
      if (starts_with(key, delete_primitive_prefix)) {
        std::string target = key.substr(delete_primitive_prefix.size());
        if (!it->is_array())
          return make_error(errc::bad_request, child_path(path, target)
                                                   + ": $deleteFromPrimitiveList must be a list");
        auto list = result.find(target);
        if (list != result.end() && list->is_array()) {
          json kept = json::array();
          for (const auto& v : *list)
            if (std::find(it->begin(), it->end(), v) == it->end())
              kept.push_back(v);
          *list = std::move(kept);
        }
      } else if (starts_with(key, set_order_prefix)) {
        std::string target = key.substr(set_order_prefix.size());
        if (!it->is_array())
          return make_error(errc::bad_request,
                            child_path(path, target) + ": $setElementOrder must be a list");
        auto list = result.find(target);
        if (list != result.end() && list->is_array())
          *list = reorder(*list, *it, lists.lookup(child_path(path, target)));
      }
    }
    if (auto it = patch.find("$retainKeys"); it != patch.end()) {
      if (!it->is_array())
        return make_error(errc::bad_request, path + ": $retainKeys must be a list");
      json kept = json::object();
      for (auto r = result.begin(); r != result.end(); ++r)
        if (std::find(it->begin(), it->end(), json(r.key())) != it->end())
          kept[r.key()] = *r;
      result = std::move(kept);
    }
    return std::optional<json>(std::move(result));
  }

  static bool key_matches(const json& item, const json& other, const std::string& key) {
    if (!item.is_object() || !other.is_object())
      return false;
    auto a = item.find(key);
    auto b = other.find(key);
    return a != item.end() && b != other.end() && *a == *b;
  }

  static json reorder(const json& list, const json& order, const list_type& type) {
    json out = json::array();
    std::vector<bool> used(list.size(), false);
    for (const auto& wanted : order) {
      for (size_t i = 0; i < list.size(); ++i) {
        if (used[i])
          continue;
        bool match = type.kind == list_kind::map && !type.keys.empty()
                         ? key_matches(list[i], wanted, type.keys.front())
                         : list[i] == wanted;
        if (match) {
          out.push_back(list[i]);
          used[i] = true;
          break;
        }
      }
    }
    for (size_t i = 0; i < list.size(); ++i)
      if (!used[i])
        out.push_back(list[i]);
    return out;
  }

  expected<json> merge_list(const json& orig, const json& patch, const std::string& path) {
    // `[{"$patch": "replace"}, items...]` replaces the list with the remaining items.
    bool replace = false;
    json items = json::array();
    for (const auto& item : patch) {
      if (item.is_object() && item.size() == 1 && item.contains("$patch")) {
        const auto& d = item["$patch"];
        if (d == "replace") {
          replace = true;
          continue;
        }
        if (d == "delete") {
          // `[{"$patch": "delete"}]` deletes the whole list.
          return json::array();
        }
        return make_error(errc::bad_request, path + ": unknown patch type in list: " + d.dump());
      }
      items.push_back(item);
    }
    list_type type = lists.lookup(path);
    if (replace || type.kind == list_kind::atomic) {
      json out = json::array();
      for (const auto& item : items) {
        auto merged = merge_value(nullptr, item, path);
        if (!merged)
          return merged.error();
        if (*merged)
          out.push_back(std::move(**merged));
      }
      return out;
    }
    json result = orig;
    if (type.kind == list_kind::set) {
      for (const auto& item : items)
        if (std::find(result.begin(), result.end(), item) == result.end())
          result.push_back(item);
      return result;
    }
    const std::string& key = type.keys.front();
    for (const auto& item : items) {
      if (!item.is_object() || !item.contains(key)) {
        // Primitive items in a keyed list: merge as a set (upstream does the same for
        // lists of scalars with a merge strategy).
        if (!item.is_object()) {
          if (std::find(result.begin(), result.end(), item) == result.end())
            result.push_back(item);
          continue;
        }
        return make_error(errc::bad_request,
                          path + ": map list item does not contain the merge key \"" + key + "\"");
      }
      auto match = std::find_if(result.begin(), result.end(),
                                [&](const json& o) { return key_matches(o, item, key); });
      bool deleting = item.contains("$patch") && item["$patch"] == "delete";
      if (deleting) {
        result.erase(std::remove_if(result.begin(), result.end(),
                                    [&](const json& o) { return key_matches(o, item, key); }),
                     result.end());
        continue;
      }
      auto merged = merge_map(match == result.end() ? nullptr : &*match, item, path);
      if (!merged)
        return merged.error();
      if (!*merged)
        continue;
      if (match == result.end())
        result.push_back(std::move(**merged));
      else
        *match = std::move(**merged);
    }
    return result;
  }
};

} // namespace

bool strategic_merge_supported(std::string_view kind) {
  static const char* kinds[] = {"Pod", "Job", "CronJob", "Secret", "ConfigMap", "Namespace",
                                "ServiceAccount", "Event", "Lease", "Deployment", "Service",
                                "StatefulSet", "DaemonSet", "ReplicaSet", "PodTemplate",
                                "Node", "Endpoints", "PersistentVolumeClaim", "Role",
                                "RoleBinding", "ClusterRole", "ClusterRoleBinding"};
  for (const char* k : kinds)
    if (kind == k)
      return true;
  return false;
}

static expected<json> apply_strategic_merge_patch_impl(const json& original, const json& patch,
                                                      const list_type_info& lists) {
  if (!patch.is_object())
    return make_error(errc::bad_request, "strategic merge patch must be a JSON object");
  merger m{lists};
  auto merged = m.merge_map(original.is_object() ? &original : nullptr, patch, "");
  if (!merged)
    return merged.error();
  if (!*merged)
    return make_error(errc::bad_request, "$patch: delete on the whole object is not allowed");
  return std::move(**merged);
}

expected<json> apply_strategic_merge_patch(std::string_view kind, const json& original,
                                           const json& patch) {
  return apply_strategic_merge_patch(original, patch, builtin_list_types(kind));
}

expected<json> apply_strategic_merge_patch(const json& original, const json& patch,
                                           const list_type_info& lists) {
  try {
    return apply_strategic_merge_patch_impl(original, patch, lists);
  } catch (const std::exception& e) {
    return make_error(errc::bad_request, std::string("strategic merge patch: ") + e.what());
  }
}

} // namespace kelos::apiserver
