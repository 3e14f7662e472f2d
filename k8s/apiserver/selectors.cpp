#include "k8s/apiserver/selectors.hpp"

#include <algorithm>
#include <cctype>

namespace kelos::apiserver {

namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

// The "name" part of a qualified label key, and label values: at most 63 characters,
// alphanumerics at both ends, `-_.` inside.
bool valid_label_name(std::string_view s, bool allow_empty) {
  if (s.empty())
    return allow_empty;
  if (s.size() > 63)
    return false;
  if (!std::isalnum(static_cast<unsigned char>(s.front()))
      || !std::isalnum(static_cast<unsigned char>(s.back())))
    return false;
  return std::all_of(s.begin(), s.end(), is_name_char);
}

bool valid_dns_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253)
    return false;
  for (char c : s)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c))
          || c == '-' || c == '.'))
      return false;
  auto alnum = [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
  };
  return alnum(s.front()) && alnum(s.back());
}

kelos::error check_key(std::string_view key) {
  auto slash = key.find('/');
  std::string_view name = key;
  if (slash != std::string_view::npos) {
    auto prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (!valid_dns_subdomain(prefix))
      return kelos::make_error(errc::bad_request,
                               "unable to parse requirement: invalid label key \""
                                 + std::string(key) + "\": prefix part must be a DNS-1123 subdomain");
  }
  if (!valid_label_name(name, false))
    return kelos::make_error(
      errc::bad_request,
      "unable to parse requirement: invalid label key \"" + std::string(key)
        + "\": name part must consist of alphanumeric characters, '-', '_' or '.', and must "
          "start and end with an alphanumeric character");
  return {};
}

kelos::error check_value(std::string_view value) {
  if (!valid_label_name(value, true))
    return kelos::make_error(
      errc::bad_request,
      "unable to parse requirement: invalid label value: \"" + std::string(value)
        + "\": a valid label must be an empty string or consist of alphanumeric characters, "
          "'-', '_' or '.', and must start and end with an alphanumeric character");
  return {};
}

// --- label selector lexer (same token classes as apimachinery's labels lexer) ---

enum class tok { end, ident, comma, open, close, eq, deq, neq, bang, in, notin };

struct token {
  tok kind;
  std::string text;
};

bool is_special(char c) { return c == '=' || c == '!' || c == '(' || c == ')' || c == ','; }

std::vector<token> lex(std::string_view s) {
  std::vector<token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == ',') { out.push_back({tok::comma, ","}); ++i; continue; }
    if (c == '(') { out.push_back({tok::open, "("}); ++i; continue; }
    if (c == ')') { out.push_back({tok::close, ")"}); ++i; continue; }
    if (c == '=') {
      if (i + 1 < s.size() && s[i + 1] == '=') { out.push_back({tok::deq, "=="}); i += 2; }
      else { out.push_back({tok::eq, "="}); ++i; }
      continue;
    }
    if (c == '!') {
      if (i + 1 < s.size() && s[i + 1] == '=') { out.push_back({tok::neq, "!="}); i += 2; }
      else { out.push_back({tok::bang, "!"}); ++i; }
      continue;
    }
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && !is_special(s[j]))
      ++j;
    std::string word(s.substr(i, j - i));
    tok k = word == "in" ? tok::in : word == "notin" ? tok::notin : tok::ident;
    out.push_back({k, std::move(word)});
    i = j;
  }
  out.push_back({tok::end, ""});
  return out;
}

std::string found(const token& t) {
  return t.kind == tok::end ? std::string("end of string") : "'" + t.text + "'";
}

kelos::error syntax(const token& t, std::string_view expected) {
  return kelos::make_error(errc::bad_request, "unable to parse requirement: found " + found(t)
                                                + ", expected: " + std::string(expected));
}

std::string_view op_text(label_op op) {
  switch (op) {
    case label_op::equals: return "=";
    case label_op::not_equals: return "!=";
    case label_op::in: return " in ";
    case label_op::not_in: return " notin ";
    default: return "";
  }
}

} // namespace

bool label_requirement::matches(const json& labels) const {
  const json* v = nullptr;
  if (labels.is_object()) {
    auto it = labels.find(key);
    if (it != labels.end() && it->is_string())
      v = &*it;
  }
  auto contains = [&](const std::string& s) {
    return std::find(values.begin(), values.end(), s) != values.end();
  };
  switch (op) {
    case label_op::exists: return v != nullptr;
    case label_op::not_exists: return v == nullptr;
    case label_op::equals:
    case label_op::in: return v != nullptr && contains(v->get<std::string>());
    case label_op::not_equals:
    case label_op::not_in: return v == nullptr || !contains(v->get<std::string>());
  }
  return false;
}

bool label_selector::matches(const json& labels) const {
  for (auto& r : requirements)
    if (!r.matches(labels))
      return false;
  return true;
}

std::string label_selector::to_string() const {
  std::string out;
  for (auto& r : requirements) {
    if (!out.empty())
      out += ',';
    switch (r.op) {
      case label_op::exists: out += r.key; break;
      case label_op::not_exists: out += "!" + r.key; break;
      case label_op::equals:
      case label_op::not_equals:
        out += r.key + std::string(op_text(r.op)) + (r.values.empty() ? "" : r.values[0]);
        break;
      case label_op::in:
      case label_op::not_in: {
        out += r.key + std::string(op_text(r.op)) + "(";
        for (size_t i = 0; i < r.values.size(); ++i)
          out += (i ? "," : "") + r.values[i];
        out += ")";
        break;
      }
    }
  }
  return out;
}

kelos::expected<label_selector> parse_label_selector(std::string_view text) {
  auto toks = lex(text);
  label_selector sel;
  size_t p = 0;
  if (toks[p].kind == tok::end)
    return sel;
  for (;;) {
    label_requirement req;
    bool negated = false;
    if (toks[p].kind == tok::bang) {
      negated = true;
      ++p;
    }
    if (toks[p].kind != tok::ident)
      return syntax(toks[p], "identifier");
    req.key = toks[p].text;
    if (auto err = check_key(req.key))
      return err;
    ++p;
    const token& op = toks[p];
    if (negated) {
      if (op.kind != tok::comma && op.kind != tok::end)
        return syntax(op, "',' or 'end of string'");
      req.op = label_op::not_exists;
    } else if (op.kind == tok::comma || op.kind == tok::end) {
      req.op = label_op::exists;
    } else if (op.kind == tok::eq || op.kind == tok::deq || op.kind == tok::neq) {
      req.op = op.kind == tok::neq ? label_op::not_equals : label_op::equals;
      ++p;
      // `a=` (empty value) is valid and matches the empty label value.
      if (toks[p].kind == tok::ident) {
        req.values.push_back(toks[p].text);
        ++p;
      } else if (toks[p].kind == tok::comma || toks[p].kind == tok::end) {
        req.values.push_back("");
      } else {
        return syntax(toks[p], "identifier");
      }
      if (auto err = check_value(req.values.back()))
        return err;
    } else if (op.kind == tok::in || op.kind == tok::notin) {
      req.op = op.kind == tok::in ? label_op::in : label_op::not_in;
      ++p;
      if (toks[p].kind != tok::open)
        return syntax(toks[p], "'('");
      ++p;
      for (;;) {
        if (toks[p].kind == tok::ident) {
          req.values.push_back(toks[p].text);
          ++p;
        } else if (toks[p].kind == tok::comma || toks[p].kind == tok::close) {
          req.values.push_back(""); // `in (a,)` has an empty value, as upstream
        } else {
          return syntax(toks[p], "identifier");
        }
        if (auto err = check_value(req.values.back()))
          return err;
        if (toks[p].kind == tok::comma) {
          ++p;
          continue;
        }
        if (toks[p].kind == tok::close) {
          ++p;
          break;
        }
        return syntax(toks[p], "',' or ')'");
      }
    } else {
      return syntax(op, "'=', '!=', '==', 'in', notin'");
    }
    if (toks[p].kind != tok::comma && toks[p].kind != tok::end)
      return syntax(toks[p], "','");
    sel.requirements.push_back(std::move(req));
    if (toks[p].kind == tok::end)
      break;
    ++p;
  }
  return sel;
}

kelos::expected<label_selector> label_selector_from_json(const json& selector) {
  label_selector sel;
  if (selector.is_null())
    return sel;
  if (!selector.is_object())
    return kelos::make_error(errc::invalid_spec, "label selector must be an object");
  if (auto it = selector.find("matchLabels"); it != selector.end() && !it->is_null()) {
    if (!it->is_object())
      return kelos::make_error(errc::invalid_spec, "matchLabels must be an object");
    for (auto& [k, v] : it->items()) {
      if (!v.is_string())
        return kelos::make_error(errc::invalid_spec, "matchLabels." + k + " must be a string");
      if (auto err = check_key(k))
        return kelos::make_error(errc::invalid_spec, err.message);
      sel.requirements.push_back({k, label_op::equals, {v.get<std::string>()}});
    }
  }
  if (auto it = selector.find("matchExpressions"); it != selector.end() && !it->is_null()) {
    if (!it->is_array())
      return kelos::make_error(errc::invalid_spec, "matchExpressions must be a list");
    for (auto& e : *it) {
      label_requirement req;
      req.key = k8s::get_string(e, "key");
      if (auto err = check_key(req.key))
        return kelos::make_error(errc::invalid_spec, err.message);
      std::string op = k8s::get_string(e, "operator");
      if (auto v = e.find("values"); v != e.end() && v->is_array())
        for (auto& s : *v)
          if (s.is_string())
            req.values.push_back(s.get<std::string>());
      if (op == "In" || op == "NotIn") {
        if (req.values.empty())
          return kelos::make_error(errc::invalid_spec,
                                   "values: Required value: must be specified when `operator` is "
                                   "'In' or 'NotIn'");
        req.op = op == "In" ? label_op::in : label_op::not_in;
      } else if (op == "Exists" || op == "DoesNotExist") {
        if (!req.values.empty())
          return kelos::make_error(errc::invalid_spec,
                                   "values: Forbidden: may not be specified when `operator` is "
                                   "'Exists' or 'DoesNotExist'");
        req.op = op == "Exists" ? label_op::exists : label_op::not_exists;
      } else {
        return kelos::make_error(errc::invalid_spec,
                                 "operator: Invalid value: \"" + op + "\": not a valid selector operator");
      }
      sel.requirements.push_back(std::move(req));
    }
  }
  return sel;
}

// --- field selectors ---

namespace {

// The value of a selectable field; missing fields read as "" (upstream behaviour for
// optional fields such as spec.nodeName).
std::string field_value(const json& object, std::string_view field) {
  std::string_view path = field == "source" ? std::string_view("source.component") : field;
  const json* v = k8s::find_path(object, path);
  if (v == nullptr || v->is_null())
    return {};
  if (v->is_string())
    return v->get<std::string>();
  if (v->is_boolean())
    return v->get<bool>() ? "true" : "false";
  if (v->is_number())
    return v->dump();
  return {};
}

} // namespace

bool field_selector::matches(const json& object) const {
  for (auto& r : requirements)
    if ((field_value(object, r.field) == r.value) == r.negate)
      return false;
  return true;
}

std::vector<std::string> supported_field_selectors(const k8s::resource_info& res) {
  std::vector<std::string> out{"metadata.name", "metadata.namespace"};
  if (res.group.empty() && res.plural == "pods") {
    for (auto f : {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                   "spec.serviceAccountName", "status.phase", "status.podIP",
                   "status.nominatedNodeName"})
      out.emplace_back(f);
  } else if (res.group.empty() && res.plural == "events") {
    for (auto f : {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                   "involvedObject.uid", "involvedObject.apiVersion",
                   "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                   "reportingComponent", "source", "type"})
      out.emplace_back(f);
  } else if (res.group.empty() && res.plural == "secrets") {
    out.emplace_back("type");
  } else if (res.group.empty() && res.plural == "namespaces") {
    out.emplace_back("status.phase");
  }
  return out;
}

kelos::expected<field_selector> parse_field_selector(std::string_view text,
                                                     const k8s::resource_info& res) {
  field_selector sel;
  auto supported = supported_field_selectors(res);
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view term = text.substr(start, comma == std::string_view::npos
                                                 ? std::string_view::npos
                                                 : comma - start);
    start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    while (!term.empty() && std::isspace(static_cast<unsigned char>(term.front())))
      term.remove_prefix(1);
    while (!term.empty() && std::isspace(static_cast<unsigned char>(term.back())))
      term.remove_suffix(1);
    if (term.empty()) {
      if (text.find_first_not_of(" \t") == std::string_view::npos)
        break; // the empty selector
      continue;
    }
    field_requirement req;
    size_t pos;
    size_t op_len;
    if ((pos = term.find("!=")) != std::string_view::npos) {
      req.negate = true;
      op_len = 2;
    } else if ((pos = term.find("==")) != std::string_view::npos) {
      op_len = 2;
    } else if ((pos = term.find('=')) != std::string_view::npos) {
      op_len = 1;
    } else {
      return kelos::make_error(errc::bad_request, "invalid selector: '" + std::string(text)
                                                    + "'; can't understand '" + std::string(term)
                                                    + "'");
    }
    req.field = std::string(term.substr(0, pos));
    req.value = std::string(term.substr(pos + op_len));
    if (std::find(supported.begin(), supported.end(), req.field) == supported.end()) {
      std::string list;
      for (size_t i = 0; i < supported.size(); ++i)
        list += (i ? ", \"" : "\"") + supported[i] + "\"";
      return kelos::make_error(errc::bad_request, "\"" + req.field
                                                    + "\" is not a known field selector: only "
                                                    + list);
    }
    sel.requirements.push_back(std::move(req));
  }
  return sel;
}

bool object_filter::matches(const json& object) const {
  const json* meta = nullptr;
  if (auto it = object.find("metadata"); it != object.end())
    meta = &*it;
  if (!namespace_.empty()) {
    if (meta == nullptr || k8s::get_string(*meta, "namespace") != namespace_)
      return false;
  }
  if (!labels.empty()) {
    static const json null_labels;
    const json* l = &null_labels;
    if (meta != nullptr)
      if (auto it = meta->find("labels"); it != meta->end())
        l = &*it;
    if (!labels.matches(*l))
      return false;
  }
  return fields.matches(object);
}

kelos::expected<object_filter> make_filter(const k8s::resource_info& res, std::string_view ns,
                                           std::string_view label_selector_text,
                                           std::string_view field_selector_text) {
  object_filter f;
  f.namespace_ = res.namespaced ? std::string(ns) : std::string();
  auto l = parse_label_selector(label_selector_text);
  if (!l)
    return l.error();
  f.labels = std::move(*l);
  auto fs = parse_field_selector(field_selector_text, res);
  if (!fs)
    return fs.error();
  f.fields = std::move(*fs);
  return f;
}

} // namespace kelos::apiserver
