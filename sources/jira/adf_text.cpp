#include "sources/jira/adf_text.hpp"

#include <string_view>

namespace kelos::sources::jira {

namespace {

bool is_inline(std::string_view type) {
  return type == "text" || type == "hardBreak" || type == "mention" || type == "emoji" || type == "inlineCard" ||
         type == "date" || type == "status" || type == "mediaInline" || type == "placeholder";
}

std::string attr(const k8s::json& node, const char* key) {
  auto a = node.find("attrs");
  if (a == node.end() || !a->is_object())
    return {};
  return k8s::get_string(*a, key);
}

std::string node_text(const k8s::json& node, int depth);

/// The text of `node`'s children: inline runs concatenated, blocks one per line.
std::string children_text(const k8s::json& node, std::string_view type, int depth) {
  auto content = node.find("content");
  if (content == node.end() || !content->is_array())
    return {};
  std::string out;
  bool pending_break = false; // a block ended: the next output starts on a new line
  int64_t number = 1;
  if (type == "orderedList") {
    auto a = node.find("attrs");
    if (a != node.end() && a->is_object())
      number = k8s::get_int(*a, "order", 1);
  }
  for (const auto& child : *content) {
    if (!child.is_object())
      continue;
    auto child_type = k8s::get_string(child, "type");
    auto text = node_text(child, depth + 1);
    if (type == "bulletList")
      text = "- " + text;
    else if (type == "orderedList")
      text = std::to_string(number++) + ". " + text;
    if (is_inline(child_type)) {
      if (pending_break && !out.empty())
        out += '\n';
      pending_break = false;
      out += text;
      continue;
    }
    if (text.empty())
      continue;
    if (!out.empty())
      out += '\n';
    out += text;
    pending_break = true;
  }
  return out;
}

std::string node_text(const k8s::json& node, int depth) {
  if (!node.is_object() || depth > max_adf_depth)
    return {};
  auto type = k8s::get_string(node, "type");
  if (type == "text")
    return k8s::get_string(node, "text");
  if (type == "hardBreak")
    return "\n";
  if (type == "mention" || type == "status" || type == "date")
    return attr(node, "text");
  if (type == "emoji") {
    auto text = attr(node, "text");
    return text.empty() ? attr(node, "shortName") : text;
  }
  if (type == "inlineCard" || type == "blockCard" || type == "embedCard")
    return attr(node, "url");
  if (type == "rule")
    return "---";
  return children_text(node, type, depth);
}

} // namespace

std::string adf_to_text(const k8s::json& node) {
  if (node.is_string())
    return node.get<std::string>();
  return node_text(node, 0);
}

std::string rich_text(const k8s::json& value) {
  if (value.is_string())
    return value.get<std::string>();
  if (value.is_object())
    return adf_to_text(value);
  return {};
}

} // namespace kelos::sources::jira
