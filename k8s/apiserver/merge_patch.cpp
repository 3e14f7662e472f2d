#include "k8s/apiserver/merge_patch.hpp"

namespace kelos::apiserver {

namespace {

// RFC 7386 MergePatch(Target, Patch) pseudo-code, including stripping nulls from values
// that are copied in without a target to merge with.
json merge(const json* target, const json& patch) {
  if (!patch.is_object())
    return patch;
  json result = (target && target->is_object()) ? *target : json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (it->is_null()) {
      result.erase(it.key());
      continue;
    }
    auto existing = result.find(it.key());
    const json* sub = existing == result.end() ? nullptr : &*existing;
    result[it.key()] = merge(sub, *it);
  }
  return result;
}

} // namespace

json apply_merge_patch(const json& target, const json& patch) {
  return merge(&target, patch);
}

json create_merge_patch(const json& original, const json& modified) {
  if (!original.is_object() || !modified.is_object())
    return modified;
  json patch = json::object();
  for (auto it = original.begin(); it != original.end(); ++it)
    if (!modified.contains(it.key()))
      patch[it.key()] = nullptr;
  for (auto it = modified.begin(); it != modified.end(); ++it) {
    auto o = original.find(it.key());
    if (o == original.end()) {
      patch[it.key()] = *it;
    } else if (*o != *it) {
      if (o->is_object() && it->is_object())
        patch[it.key()] = create_merge_patch(*o, *it);
      else
        patch[it.key()] = *it;
    }
  }
  return patch;
}

} // namespace kelos::apiserver
