#include "k8s/client/list_page.hpp"

namespace kelos::k8s {

namespace {

kelos::expected<list_page> page_from_doc(json&& doc) {
  if (!doc.is_object()) return make_error(errc::parse_error, "list response is not a JSON object");
  list_page page;
  if (auto meta = doc.find("metadata"); meta != doc.end() && meta->is_object()) {
    page.resource_version = get_string(*meta, "resourceVersion");
    page.continue_token = get_string(*meta, "continue");
  }
  auto items = doc.find("items");
  if (items == doc.end() || items->is_null()) return page;
  if (!items->is_array()) return make_error(errc::parse_error, "list response: items is not an array");
  // A typed list ("TaskList") leaves kind/apiVersion off its items; restore them so
  // consumers see the same shape as from a watch.
  std::string kind = get_string(doc, "kind");
  if (kind.size() > 4 && kind.compare(kind.size() - 4, 4, "List") == 0) kind.resize(kind.size() - 4);
  else kind.clear();
  std::string api_version = get_string(doc, "apiVersion");
  page.items.reserve(items->size());
  for (auto& item : *items) {
    if (!item.is_object()) return make_error(errc::parse_error, "list response: an item is not an object");
    if (!kind.empty() && !item.contains("kind")) item["kind"] = kind;
    if (!api_version.empty() && !item.contains("apiVersion")) item["apiVersion"] = api_version;
    page.items.push_back(std::move(item));
  }
  return page;
}

} // namespace

kelos::expected<list_page> decode_list_page(std::string_view body) {
  static const filter_node keep_all = [] {
    filter_node f;
    f.all = true;
    return f;
  }();
  auto doc = parse_filtered(body, keep_all);
  if (!doc) return make_error(errc::parse_error, "list response: " + doc.error().message);
  return page_from_doc(std::move(*doc));
}

filter_node list_filter(filter_node item) {
  filter_node f;
  f.keep("kind").keep("apiVersion").keep("metadata");
  f.children["items"] = std::move(item);
  return f;
}

kelos::expected<list_page> decode_list_page(std::string_view body, const filter_node& filter) {
  auto doc = parse_filtered(body, filter);
  if (!doc) return make_error(errc::parse_error, "list response: " + doc.error().message);
  return page_from_doc(std::move(*doc));
}

} // namespace kelos::k8s
