#include "k8s/event_builder.hpp"

#include <cstdio>

namespace kelos::k8s {

namespace {

/// `j[key]` when it is an object, else an empty object (never inserts, safe on const).
const json& member(const json& j, const char* key) {
  static const json empty = json::object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty;
}

std::string event_name(const json& event) {
  return get_string(member(event, "metadata"), "name");
}

} // namespace

object_ref_with_uid involved_ref_of(const json& object) {
  object_ref_with_uid ref;
  ref.api_version = get_string(object, "apiVersion");
  ref.kind = get_string(object, "kind");
  const auto& meta = member(object, "metadata");
  ref.namespace_ = get_string(meta, "namespace");
  ref.name = get_string(meta, "name");
  ref.uid = get_string(meta, "uid");
  ref.resource_version = get_string(meta, "resourceVersion");
  return ref;
}

std::string truncate_utf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes)
    return std::string{text};
  auto cut = max_bytes;
  // Back off over continuation bytes (10xxxxxx) so that the cut lands on a lead byte.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  return std::string{text.substr(0, cut)};
}

bool valid_event_type(std::string_view type) {
  return type == "Normal" || type == "Warning";
}

json build_event(const object_ref_with_uid& involved, std::string_view type, std::string_view reason,
                 std::string_view message, time_point now, std::string_view component,
                 std::string_view instance, uint64_t name_suffix) {
  char suffix[17];
  std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(name_suffix));

  json ref = json::object();
  auto put = [](json& j, const char* key, std::string_view value) {
    if (!value.empty())
      j[key] = value;
  };
  put(ref, "apiVersion", involved.api_version);
  put(ref, "kind", involved.kind);
  put(ref, "namespace", involved.namespace_);
  put(ref, "name", involved.name);
  put(ref, "uid", involved.uid);
  put(ref, "resourceVersion", involved.resource_version);

  json source = {{"component", component}};
  put(source, "host", instance);

  auto stamp = format_time(now);
  json event = {
    {"apiVersion", "v1"},
    {"kind", "Event"},
    {"metadata",
     {{"name", involved.name + "." + suffix},
      {"namespace", involved.namespace_.empty() ? std::string{"default"} : involved.namespace_}}},
    {"involvedObject", std::move(ref)},
    {"reason", reason},
    {"message", truncate_utf8(message, max_event_message_bytes)},
    {"type", type},
    {"source", std::move(source)},
    {"firstTimestamp", stamp},
    {"lastTimestamp", stamp},
    {"count", 1},
    {"reportingComponent", component},
  };
  put(event, "reportingInstance", instance);
  return event;
}

json build_event(const json& involved_object, std::string_view type, std::string_view reason,
                 std::string_view message, time_point now, std::string_view component,
                 std::string_view instance, uint64_t name_suffix) {
  return build_event(involved_ref_of(involved_object), type, reason, message, now, component, instance,
                     name_suffix);
}

uint64_t event_name_sequence::next(time_point now) {
  auto ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
  std::lock_guard lock{mutex_};
  last_ = ns > last_ ? ns : last_ + 1;
  return last_;
}

std::string event_aggregation_key(const json& event) {
  const auto& involved = member(event, "involvedObject");
  std::string key;
  for (const auto& part : {get_string(event, "reportingComponent"), get_string(event, "reportingInstance"),
                           get_string(involved, "apiVersion"), get_string(involved, "kind"),
                           get_string(involved, "namespace"), get_string(involved, "name"),
                           get_string(involved, "uid"), get_string(event, "type"), get_string(event, "reason"),
                           get_string(event, "message")}) {
    key += part;
    key += '\0';
  }
  return key;
}

json event_patch_body(int64_t count, time_point now) {
  return {{"count", count}, {"lastTimestamp", format_time(now)}};
}

event_correlator::event_correlator(std::chrono::seconds window, std::size_t max_entries)
  : window_(window), max_entries_(max_entries == 0 ? 1 : max_entries) {
}

event_action event_correlator::observe(const json& event, time_point now) {
  auto key = event_aggregation_key(event);
  auto it = index_.find(key);
  if (it != index_.end()) {
    auto& e = *it->second;
    lru_.splice(lru_.begin(), lru_, it->second);
    if (now - e.last_seen <= window_) {
      ++e.count;
      e.last_seen = now;
      return event_patch{e.name, e.count};
    }
    // Too long since the last one: start a new Event under the new name.
    e.name = event_name(event);
    e.count = 1;
    e.last_seen = now;
    return event_create{};
  }
  lru_.push_front(entry{key, event_name(event), 1, now});
  index_.emplace(std::move(key), lru_.begin());
  while (lru_.size() > max_entries_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
  return event_create{};
}

void event_correlator::forget(const json& event) {
  auto it = index_.find(event_aggregation_key(event));
  if (it == index_.end())
    return;
  lru_.erase(it->second);
  index_.erase(it);
}

} // namespace kelos::k8s
