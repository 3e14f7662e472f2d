#include "k8s/apiserver/json_patch.hpp"

#include <charconv>

namespace kelos::apiserver {

expected<std::vector<std::string>> parse_json_pointer(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty())
    return tokens;
  if (pointer.front() != '/')
    return make_error(errc::bad_request,
                      "JSON pointer \"" + std::string(pointer) + "\" must start with '/'");
  size_t pos = 1;
  while (true) {
    size_t next = pointer.find('/', pos);
    std::string_view raw = pointer.substr(pos, next == std::string_view::npos ? next : next - pos);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token.push_back(raw[i]);
        continue;
      }
      if (i + 1 < raw.size() && raw[i + 1] == '0')
        token.push_back('~');
      else if (i + 1 < raw.size() && raw[i + 1] == '1')
        token.push_back('/');
      else
        return make_error(errc::bad_request, "JSON pointer \"" + std::string(pointer)
                                                 + "\": '~' must be followed by '0' or '1'");
      ++i;
    }
    tokens.push_back(std::move(token));
    if (next == std::string_view::npos)
      break;
    pos = next + 1;
  }
  return tokens;
}

std::string escape_json_pointer_token(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out.push_back(c);
  }
  return out;
}

namespace {

// Array indices per RFC 6901: "0" or digits without a leading zero.
std::optional<size_t> parse_index(const std::string& token) {
  if (token.empty() || (token.size() > 1 && token[0] == '0'))
    return std::nullopt;
  size_t value = 0;
  auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (ec != std::errc{} || ptr != token.data() + token.size())
    return std::nullopt;
  return value;
}

// Resolves all tokens; returns nullptr with a reason when a step is missing.
json* resolve(json& doc, const std::vector<std::string>& tokens, size_t count, std::string& why) {
  json* cur = &doc;
  for (size_t i = 0; i < count; ++i) {
    const auto& t = tokens[i];
    if (cur->is_object()) {
      auto it = cur->find(t);
      if (it == cur->end()) {
        why = "no such key \"" + t + "\"";
        return nullptr;
      }
      cur = &*it;
    } else if (cur->is_array()) {
      auto idx = parse_index(t);
      if (!idx || *idx >= cur->size()) {
        why = "array index \"" + t + "\" out of range";
        return nullptr;
      }
      cur = &(*cur)[*idx];
    } else {
      why = "cannot descend into a " + std::string(cur->type_name()) + " at \"" + t + "\"";
      return nullptr;
    }
  }
  return cur;
}

struct op_error {
  std::string message;
};

// Each helper returns an empty string on success, or the reason.
std::string do_add(json& doc, const std::vector<std::string>& tokens, json value) {
  if (tokens.empty()) {
    doc = std::move(value);
    return {};
  }
  std::string why;
  json* parent = resolve(doc, tokens, tokens.size() - 1, why);
  if (!parent)
    return why;
  const auto& last = tokens.back();
  if (parent->is_object()) {
    (*parent)[last] = std::move(value);
    return {};
  }
  if (parent->is_array()) {
    if (last == "-") {
      parent->push_back(std::move(value));
      return {};
    }
    auto idx = parse_index(last);
    if (!idx || *idx > parent->size())
      return "array index \"" + last + "\" out of range";
    parent->insert(parent->begin() + static_cast<std::ptrdiff_t>(*idx), std::move(value));
    return {};
  }
  return "cannot add to a " + std::string(parent->type_name());
}

std::string do_remove(json& doc, const std::vector<std::string>& tokens, json* removed) {
  if (tokens.empty())
    return "cannot remove the whole document";
  std::string why;
  json* parent = resolve(doc, tokens, tokens.size() - 1, why);
  if (!parent)
    return why;
  const auto& last = tokens.back();
  if (parent->is_object()) {
    auto it = parent->find(last);
    if (it == parent->end())
      return "no such key \"" + last + "\"";
    if (removed)
      *removed = std::move(*it);
    parent->erase(it);
    return {};
  }
  if (parent->is_array()) {
    auto idx = parse_index(last);
    if (!idx || *idx >= parent->size())
      return "array index \"" + last + "\" out of range";
    if (removed)
      *removed = std::move((*parent)[*idx]);
    parent->erase(parent->begin() + static_cast<std::ptrdiff_t>(*idx));
    return {};
  }
  return "cannot remove from a " + std::string(parent->type_name());
}

bool is_prefix(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() > b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i])
      return false;
  return true;
}

} // namespace

static expected<json> apply_json_patch_impl(const json& doc, const json& patch) {
  if (!patch.is_array())
    return make_error(errc::bad_request, "json patch must be an array of operations");
  json result = doc;
  for (size_t i = 0; i < patch.size(); ++i) {
    const json& op = patch[i];
    std::string prefix = "operation " + std::to_string(i);
    if (!op.is_object())
      return make_error(errc::bad_request, prefix + ": not an object");
    auto op_it = op.find("op");
    if (op_it == op.end() || !op_it->is_string())
      return make_error(errc::bad_request, prefix + ": missing \"op\"");
    std::string name = op_it->get<std::string>();
    prefix += " (" + name + ")";
    auto path_it = op.find("path");
    if (path_it == op.end() || !path_it->is_string())
      return make_error(errc::bad_request, prefix + ": missing \"path\"");
    std::string path = path_it->get<std::string>();
    prefix += ": path \"" + path + "\"";
    auto tokens = parse_json_pointer(path);
    if (!tokens)
      return make_error(errc::bad_request, prefix + ": " + tokens.error().message);
    auto need_value = [&]() -> const json* {
      auto it = op.find("value");
      return it == op.end() ? nullptr : &*it;
    };
    auto from_tokens = [&]() -> expected<std::vector<std::string>> {
      auto it = op.find("from");
      if (it == op.end() || !it->is_string())
        return make_error(errc::bad_request, prefix + ": missing \"from\"");
      auto t = parse_json_pointer(it->get<std::string>());
      if (!t)
        return make_error(errc::bad_request, prefix + ": from: " + t.error().message);
      return t;
    };
    std::string why;
    if (name == "add") {
      const json* v = need_value();
      if (!v)
        return make_error(errc::bad_request, prefix + ": missing \"value\"");
      why = do_add(result, *tokens, *v);
    } else if (name == "remove") {
      why = do_remove(result, *tokens, nullptr);
    } else if (name == "replace") {
      const json* v = need_value();
      if (!v)
        return make_error(errc::bad_request, prefix + ": missing \"value\"");
      json* target = resolve(result, *tokens, tokens->size(), why);
      if (target)
        *target = *v;
    } else if (name == "move") {
      auto from = from_tokens();
      if (!from)
        return from.error();
      if (*from != *tokens && is_prefix(*from, *tokens))
        return make_error(errc::bad_request, prefix + ": cannot move a value into itself");
      json moved;
      why = do_remove(result, *from, &moved);
      if (why.empty())
        why = do_add(result, *tokens, std::move(moved));
    } else if (name == "copy") {
      auto from = from_tokens();
      if (!from)
        return from.error();
      json* source = resolve(result, *from, from->size(), why);
      if (source) {
        json copy = *source;
        why = do_add(result, *tokens, std::move(copy));
      }
    } else if (name == "test") {
      const json* v = need_value();
      if (!v)
        return make_error(errc::bad_request, prefix + ": missing \"value\"");
      json* target = resolve(result, *tokens, tokens->size(), why);
      if (target && *target != *v)
        why = "test failed: value is " + target->dump() + ", expected " + v->dump();
    } else {
      return make_error(errc::bad_request, prefix + ": unknown operation \"" + name + "\"");
    }
    if (!why.empty())
      return make_error(errc::bad_request, prefix + ": " + why);
  }
  return result;
}

expected<json> apply_json_patch(const json& doc, const json& patch) {
  try {
    return apply_json_patch_impl(doc, patch);
  } catch (const std::exception& e) {
    return make_error(errc::bad_request, std::string("json patch: ") + e.what());
  }
}

} // namespace kelos::apiserver
