#include "k8s/apiserver/stored_object.hpp"

#include "k8s/client/field_filter.hpp"

#include <stdexcept>

namespace kelos::apiserver {

stored_object::stored_object(std::string text) : text_(std::move(text)) {
  text_.shrink_to_fit();
}

std::shared_ptr<const stored_object> stored_object::from_tree(std::shared_ptr<const k8s::json> tree) {
  auto out = std::make_shared<stored_object>(tree->dump());
  if (auto meta = tree->find("metadata"); meta != tree->end() && meta->is_object()) {
    auto ts = meta->find("deletionTimestamp");
    out->deleting_ = ts != meta->end() && !ts->is_null();
  }
  out->tree_ = tree;
  return out;
}

std::shared_ptr<const k8s::json> stored_object::tree() const {
  if (auto alive = tree_.lock())
    return alive;
  auto decoded = decode();
  tree_ = decoded;
  return decoded;
}

std::shared_ptr<const k8s::json> stored_object::decode() const {
  // No make_shared: a remembered weak pointer would pin the whole block.
  if (auto fast = k8s::parse_whole(text_))
    return std::shared_ptr<const k8s::json>(new k8s::json(std::move(*fast)));
  // The fast parser stops at 512 levels; request bodies may nest up to max_json_nesting.
  auto slow = k8s::json::parse(text_, nullptr, false);
  if (slow.is_discarded())
    throw std::runtime_error("stored object does not decode");
  return std::shared_ptr<const k8s::json>(new k8s::json(std::move(slow)));
}

bool served_as_stored(const k8s::json& obj, const std::string& api_version) {
  if (!obj.is_object())
    return false;
  auto av = obj.find("apiVersion");
  return av != obj.end() && av->is_string() && av->get_ref<const std::string&>() == api_version &&
         obj.contains("kind");
}

} // namespace kelos::apiserver
