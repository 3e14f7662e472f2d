#include "k8s/apiserver/schema_validate.hpp"

#include "k8s/apiserver/schema_pattern.hpp"
#include "k8s/status.hpp"
#include "k8s/time.hpp"

#include <cmath>
#include <set>
#include <sstream>

namespace kelos::apiserver {

namespace {

std::string join_path(const std::string& base, const std::string& key) {
  return base.empty() ? key : base + "." + key;
}

std::string index_path(const std::string& base, size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

bool is_root_meta(const std::string& key) {
  return key == "apiVersion" || key == "kind" || key == "metadata";
}

// Go's %v-ish rendering used by field errors: strings quoted, numbers plain.
std::string render_value(const json& v) {
  if (v.is_string())
    return v.dump();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::floor(d) == d && std::fabs(d) < 1e15) {
      std::ostringstream s;
      s << static_cast<int64_t>(d);
      return s.str();
    }
  }
  return v.dump();
}

std::string json_type(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    default: return "unknown";
  }
}

std::string display_type(const schema_node& n, const json& v) {
  if (!n.type.empty())
    return n.type;
  return json_type(v);
}

void defaults(const schema_node& n, json& v, bool root) {
  if (v.is_object()) {
    for (const auto& [name, child] : n.properties) {
      if (root && name == "metadata")
        continue;
      auto it = v.find(name);
      // Upstream prunes nulls of non-nullable fields before defaulting.
      if (it != v.end() && it->is_null() && !child.nullable) {
        v.erase(it);
        it = v.end();
      }
      if (it == v.end() && child.default_value)
        v[name] = *child.default_value;
    }
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (root && it.key() == "metadata")
        continue;
      auto prop = n.properties.find(it.key());
      if (prop != n.properties.end())
        defaults(prop->second, *it, prop->second.embedded_resource);
      else if (n.additional_properties)
        defaults(*n.additional_properties, *it, false);
    }
  } else if (v.is_array() && n.items) {
    for (auto& item : v)
      defaults(*n.items, item, n.items->embedded_resource);
  }
}

void prune(const schema_node& n, json& v, const std::string& path, bool root,
           std::vector<std::string>& out) {
  if (v.is_object()) {
    std::vector<std::string> drop;
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string& key = it.key();
      if (root && is_root_meta(key))
        continue;
      std::string child = join_path(path, key);
      auto prop = n.properties.find(key);
      if (prop != n.properties.end()) {
        prune(prop->second, *it, child, prop->second.embedded_resource, out);
      } else if (n.additional_properties) {
        prune(*n.additional_properties, *it, child, n.additional_properties->embedded_resource,
              out);
      } else if (!n.preserve_unknown_fields) {
        drop.push_back(key);
        out.push_back(child);
      }
    }
    for (const auto& key : drop)
      v.erase(key);
  } else if (v.is_array() && n.items) {
    for (size_t i = 0; i < v.size(); ++i)
      prune(*n.items, v[i], index_path(path, i), n.items->embedded_resource, out);
  }
}

struct validator {
  std::vector<field_cause> causes;

  void add(const char* reason, const std::string& field, std::string message) {
    causes.push_back(field_cause{reason, field, std::move(message)});
  }

  void invalid(const std::string& field, const std::string& value, const std::string& detail) {
    add("FieldValueInvalid", field, "Invalid value: " + value + ": " + detail);
  }

  // go-openapi accepts a float64 with an integral value as an integer (JSON has one number
  // type; `5.0` from a YAML converter must still validate).
  static bool is_integer(const json& v) {
    if (v.is_number_integer())
      return true;
    if (!v.is_number_float())
      return false;
    double d = v.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
  }

  bool check_type(const schema_node& n, const json& v, const std::string& path) {
    const std::string& t = n.type;
    if (n.int_or_string) {
      if (is_integer(v) || v.is_string())
        return true;
      add("FieldValueTypeInvalid", path,
          "Invalid value: \"" + json_type(v) + "\": " + path
              + " in body must be of type integer-or-string: \"" + json_type(v) + "\"");
      return false;
    }
    bool ok = t.empty() || (t == "object" && v.is_object()) || (t == "array" && v.is_array())
              || (t == "string" && v.is_string())
              || (t == "integer" && is_integer(v))
              || (t == "number" && v.is_number()) || (t == "boolean" && v.is_boolean());
    if (!ok)
      add("FieldValueTypeInvalid", path,
          "Invalid value: \"" + json_type(v) + "\": " + path + " in body must be of type " + t
              + ": \"" + json_type(v) + "\"");
    return ok;
  }

  static const json* correlate_item(const schema_node& n, const json& item, const json* old) {
    if (!old || !old->is_array() || n.list_type != "map" || !item.is_object())
      return nullptr;
    for (const auto& o : *old) {
      if (!o.is_object())
        continue;
      bool match = true;
      for (const auto& k : n.list_map_keys) {
        auto a = item.find(k);
        auto b = o.find(k);
        bool a_has = a != item.end(), b_has = b != o.end();
        if (a_has != b_has || (a_has && *a != *b)) {
          match = false;
          break;
        }
      }
      if (match)
        return &o;
    }
    return nullptr;
  }

  void run(const schema_node& n, const json& v, const json* old, const std::string& path,
           bool root) {
    if (v.is_null()) {
      if (n.nullable || (n.type.empty() && !n.int_or_string))
        return;
      add("FieldValueTypeInvalid", path,
          "Invalid value: \"null\": " + path + " in body must be of type "
              + (n.int_or_string ? std::string("integer-or-string") : n.type) + ": \"null\"");
      return;
    }
    if (!check_type(n, v, path))
      return;
    if (!n.enum_values.empty()
        && std::find(n.enum_values.begin(), n.enum_values.end(), v) == n.enum_values.end()) {
      std::string supported;
      for (const auto& e : n.enum_values)
        supported += (supported.empty() ? "" : ", ") + render_value(e);
      add("FieldValueNotSupported", path,
          "Unsupported value: " + render_value(v) + ": supported values: " + supported);
    }
    if (v.is_string())
      check_string(n, v.get<std::string>(), path);
    if (v.is_number())
      check_number(n, v, path);
    if (v.is_array())
      check_array(n, v, old, path);
    if (v.is_object())
      check_object(n, v, old, path, root);
    check_rules(n, v, old, path);
  }

  void check_string(const schema_node& n, const std::string& s, const std::string& path) {
    // Length limits count characters (runes), as go-openapi does.
    int64_t len = 0;
    for (unsigned char c : s)
      if ((c & 0xC0) != 0x80)
        ++len;
    std::string quoted = json(s).dump();
    if (n.max_length && len > *n.max_length)
      add("FieldValueTooLong", path,
          "Too long: may not be more than " + std::to_string(*n.max_length) + " bytes");
    if (n.min_length && len < *n.min_length)
      invalid(path, quoted,
              path + " in body should be at least " + std::to_string(*n.min_length)
                  + " chars long");
    if (n.pattern_regex && s.size() > max_pattern_input)
      add("FieldValueTooLong", path,
          "Too long: may not be more than " + std::to_string(max_pattern_input)
              + " bytes to be matched against pattern '" + n.pattern + "'");
    else if (n.pattern_regex && !pattern_matches(*n.pattern_regex, s))
      invalid(path, quoted, path + " in body should match '" + n.pattern + "'");
    if (n.format == "date-time" && !k8s::parse_time(s))
      invalid(path, quoted, path + " in body must be of type date-time: " + quoted);
  }

  void check_number(const schema_node& n, const json& v, const std::string& path) {
    double d = v.get<double>();
    auto fmt = [](double x) { return render_value(json(x)); };
    if (n.minimum) {
      bool bad = n.exclusive_minimum ? d <= *n.minimum : d < *n.minimum;
      if (bad)
        invalid(path, render_value(v),
                path + " in body should be greater than "
                    + (n.exclusive_minimum ? "" : "or equal to ") + fmt(*n.minimum));
    }
    if (n.maximum) {
      bool bad = n.exclusive_maximum ? d >= *n.maximum : d > *n.maximum;
      if (bad)
        invalid(path, render_value(v),
                path + " in body should be less than "
                    + (n.exclusive_maximum ? "" : "or equal to ") + fmt(*n.maximum));
    }
  }

  void check_array(const schema_node& n, const json& v, const json* old, const std::string& path) {
    auto size = static_cast<int64_t>(v.size());
    if (n.max_items && size > *n.max_items)
      add("FieldValueTooMany", path,
          "Too many: " + std::to_string(size) + ": must have at most "
              + std::to_string(*n.max_items) + " items");
    if (n.min_items && size < *n.min_items)
      invalid(path, std::to_string(size),
              path + " in body should have at least " + std::to_string(*n.min_items) + " items");
    if (n.list_type == "set") {
      for (size_t i = 0; i < v.size(); ++i)
        for (size_t j = 0; j < i; ++j)
          if (v[i] == v[j]) {
            add("FieldValueDuplicate", index_path(path, i),
                "Duplicate value: " + render_value(v[i]));
            break;
          }
    } else if (n.list_type == "map") {
      std::set<std::string> seen;
      for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_object())
          continue;
        json key = json::object();
        for (const auto& k : n.list_map_keys)
          if (v[i].contains(k))
            key[k] = v[i][k];
        if (!seen.insert(key.dump()).second)
          add("FieldValueDuplicate", index_path(path, i), "Duplicate value: " + key.dump());
      }
    }
    if (n.items)
      for (size_t i = 0; i < v.size(); ++i)
        run(*n.items, v[i], correlate_item(n, v[i], old), index_path(path, i),
            n.items->embedded_resource);
  }

  void check_object(const schema_node& n, const json& v, const json* old, const std::string& path,
                    bool root) {
    for (const auto& r : n.required)
      if (!v.contains(r))
        add("FieldValueRequired", join_path(path, r), "Required value");
    auto count = static_cast<int64_t>(v.size());
    if (n.max_properties && count > *n.max_properties)
      add("FieldValueTooMany", path,
          "Too many: " + std::to_string(count) + ": must have at most "
              + std::to_string(*n.max_properties) + " items");
    if (n.min_properties && count < *n.min_properties)
      invalid(path, std::to_string(count),
              path + " in body should have at least " + std::to_string(*n.min_properties)
                  + " properties");
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (root && is_root_meta(it.key()))
        continue;
      const json* old_child = nullptr;
      if (old && old->is_object()) {
        auto o = old->find(it.key());
        if (o != old->end())
          old_child = &*o;
      }
      std::string child = join_path(path, it.key());
      auto prop = n.properties.find(it.key());
      if (prop != n.properties.end())
        run(prop->second, *it, old_child, child, prop->second.embedded_resource);
      else if (n.additional_properties)
        run(*n.additional_properties, *it, old_child, child,
            n.additional_properties->embedded_resource);
    }
  }

  void check_rules(const schema_node& n, const json& v, const json* old, const std::string& path) {
    for (const auto& rule : n.rules) {
      if (rule.program.uses_old_self() && !old)
        continue; // transition rule: only on update with a correlated old value
      std::string field = path;
      if (!rule.field_path.empty())
        field = path + (rule.field_path.front() == '.' ? "" : ".") + rule.field_path;
      if (!field.empty() && field.front() == '.')
        field.erase(0, 1);
      // Built with append: g++ 12 -O2 reports a false -Wrestrict on `"lit" + std::string&&`
      // (GCC bug 105651), which -Werror would turn into a failed Release build.
      std::string shown;
      shown.append(1, '"').append(display_type(n, v)).append(1, '"');
      auto r = cel_evaluate(rule.program, v, old);
      if (!r) {
        add("FieldValueInvalid", field,
            "Invalid value: " + shown + ": " + r.error().message + " evaluating rule: "
                + rule.rule);
        continue;
      }
      if (!r->is_boolean()) {
        add("FieldValueInvalid", field,
            "Invalid value: " + shown + ": rule did not evaluate to a bool: " + rule.rule);
        continue;
      }
      if (r->get<bool>())
        continue;
      // upstream fieldErrorForReason(): the rule's `reason` picks the field.Error kind.
      std::string detail = rule.message.empty() ? "failed rule: " + rule.rule : rule.message;
      if (rule.reason == "FieldValueForbidden")
        add("FieldValueForbidden", field, "Forbidden: " + detail);
      else if (rule.reason == "FieldValueRequired")
        add("FieldValueRequired", field, "Required value: " + detail);
      else if (rule.reason == "FieldValueDuplicate")
        add("FieldValueDuplicate", field, "Duplicate value: " + shown);
      else
        add("FieldValueInvalid", field, "Invalid value: " + shown + ": " + detail);
    }
  }
};

} // namespace

std::string field_cause::render() const {
  return field.empty() ? message : field + ": " + message;
}

void apply_defaults(const schema_node& schema, json& obj) {
  defaults(schema, obj, true);
}

std::vector<std::string> prune_unknown_fields(const schema_node& schema, json& obj) {
  std::vector<std::string> out;
  prune(schema, obj, "", true, out);
  return out;
}

std::vector<field_cause> validate(const schema_node& schema, const json& obj,
                                  const json* old_obj) {
  validator v;
  const json* old = old_obj && !old_obj->is_null() ? old_obj : nullptr;
  v.run(schema, obj, old, "", true);
  return std::move(v.causes);
}

admission_result admit_custom_resource(const schema_node& schema, json obj, const json* old_obj,
                                       field_validation mode) {
  admission_result result;
  // Unknown fields are detected on the input as sent, before defaults add anything.
  result.unknown_fields = prune_unknown_fields(schema, obj);
  apply_defaults(schema, obj);
  // Defaults may carry fields the schema does not know; upstream prunes after defaulting.
  prune_unknown_fields(schema, obj);
  if (!result.unknown_fields.empty()) {
    if (mode == field_validation::strict) {
      std::string msg = "strict decoding error: ";
      for (size_t i = 0; i < result.unknown_fields.size(); ++i)
        msg += (i ? ", " : "") + std::string("unknown field \"") + result.unknown_fields[i] + "\"";
      result.strict_error = msg;
    } else if (mode == field_validation::warn) {
      for (const auto& f : result.unknown_fields)
        result.warnings.push_back("unknown field \"" + f + "\"");
    }
  }
  result.causes = validate(schema, obj, old_obj);
  result.object = std::move(obj);
  return result;
}

json invalid_status(const std::string& kind, const std::string& group, const std::string& name,
                    const std::vector<field_cause>& causes) {
  std::string qualified = group.empty() ? kind : kind + "." + group;
  std::string msg = qualified + " \"" + name + "\" is invalid: ";
  if (causes.size() == 1) {
    msg += causes[0].render();
  } else {
    msg += "[";
    for (size_t i = 0; i < causes.size(); ++i)
      msg += (i ? ", " : "") + causes[i].render();
    msg += "]";
  }
  json status = k8s::make_status(422, "Invalid", msg, name, kind, group);
  json list = json::array();
  for (const auto& c : causes)
    list.push_back({{"reason", c.reason}, {"message", c.message}, {"field", c.field}});
  status["details"]["causes"] = std::move(list);
  return status;
}

} // namespace kelos::apiserver
