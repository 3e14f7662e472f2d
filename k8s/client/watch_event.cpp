#include "k8s/client/watch_event.hpp"

namespace kelos::k8s {

std::string_view to_string(watch_event_type type) noexcept {
  switch (type) {
    case watch_event_type::added: return "ADDED";
    case watch_event_type::modified: return "MODIFIED";
    case watch_event_type::deleted: return "DELETED";
    case watch_event_type::bookmark: return "BOOKMARK";
    case watch_event_type::error: return "ERROR";
  }
  return "ERROR";
}

std::string resource_version_of(const json& object) {
  if (!object.is_object()) return {};
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return {};
  auto rv = meta->find("resourceVersion");
  if (rv == meta->end() || !rv->is_string()) return {};
  return rv->get<std::string>();
}

std::string watch_event::resource_version() const { return resource_version_of(object); }

std::optional<api_status> watch_event::error_status() const {
  if (type != watch_event_type::error) return std::nullopt;
  return parse_status(object);
}

bool watch_event::is_gone() const {
  auto st = error_status();
  return st && st->code == 410;
}

bool watch_event::is_initial_events_end() const {
  if (type != watch_event_type::bookmark) return false;
  const json* ann = find_path(object, "metadata.annotations");
  if (ann == nullptr || !ann->is_object()) return false;
  return get_string(*ann, "k8s.io/initial-events-end") == "true";
}

namespace {

kelos::expected<watch_event> event_from_doc(json&& doc, std::string_view line) {
  if (!doc.is_object())
    return make_error(errc::parse_error, "watch event is not a JSON object: " + std::string{line.substr(0, 120)});
  auto type_it = doc.find("type");
  if (type_it == doc.end() || !type_it->is_string())
    return make_error(errc::parse_error, "watch event without a type");
  const auto& t = type_it->get_ref<const std::string&>();
  watch_event ev;
  if (t == "ADDED")
    ev.type = watch_event_type::added;
  else if (t == "MODIFIED")
    ev.type = watch_event_type::modified;
  else if (t == "DELETED")
    ev.type = watch_event_type::deleted;
  else if (t == "BOOKMARK")
    ev.type = watch_event_type::bookmark;
  else if (t == "ERROR")
    ev.type = watch_event_type::error;
  else
    return make_error(errc::parse_error, "unknown watch event type \"" + t + "\"");
  auto obj = doc.find("object");
  if (obj == doc.end() || !obj->is_object())
    return make_error(errc::parse_error, "watch event " + t + " without an object");
  ev.object = std::move(*obj);
  return ev;
}

} // namespace

kelos::expected<watch_event> decode_watch_event(std::string_view line) {
  static const filter_node keep_all = [] {
    filter_node f;
    f.all = true;
    return f;
  }();
  auto doc = parse_filtered(line, keep_all);
  if (!doc)
    return make_error(errc::parse_error, "watch event is not valid JSON (" + doc.error().message +
                                           "): " + std::string{line.substr(0, 120)});
  return event_from_doc(std::move(*doc), line);
}

filter_node watch_event_filter(filter_node object) {
  filter_node f;
  f.keep("type");
  f.children["object"] = std::move(object);
  return f;
}

kelos::expected<watch_event> decode_watch_event(std::string_view line, const filter_node& event_filter) {
  auto doc = parse_filtered(line, event_filter);
  if (!doc) return make_error(errc::parse_error, "watch event: " + doc.error().message);
  return event_from_doc(std::move(*doc), line);
}

kelos::error error_of(const watch_event& ev) {
  if (auto st = ev.error_status()) {
    auto code = st->code == 410 ? errc::gone : errc_for_status(st->code, st->reason);
    return make_error(code, "watch error " + std::to_string(st->code) + " " + st->reason + ": " + st->message);
  }
  return make_error(errc::http_error, "watch error event without a Status: " + ev.object.dump().substr(0, 200));
}

} // namespace kelos::k8s
