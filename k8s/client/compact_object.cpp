#include "k8s/client/compact_object.hpp"

#include "k8s/client/field_filter.hpp"
#include "k8s/client/watch_event.hpp"

namespace kelos::k8s {

compact_object compact_object::encode(const json& object) {
  compact_object out;
  out.text = object.dump(-1, ' ', false, json::error_handler_t::replace);
  out.text.shrink_to_fit();
  out.resource_version = resource_version_of(object);
  return out;
}

json compact_object::decode() const {
  auto parsed = parse_whole(text);
  return parsed ? std::move(*parsed) : json(nullptr);
}

} // namespace kelos::k8s
