#include "k8s/apiserver/server_side_apply.hpp"

#include "k8s/status.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace kelos::apiserver {

namespace {

std::string child_schema_path(const std::string& sp, const std::string& key) {
  return sp.empty() ? key : sp + "." + key;
}

// Merges two associative lists (map or set) in structured-merge-diff's order: items only in
// the live list keep their place, items in both follow the applied order, new items are
// inserted where the applied list has them.
template <class KeyFn, class MergeFn>
json merge_associative(const json& lhs, const json& rhs, KeyFn key_of, MergeFn merge_item) {
  std::vector<std::string> lk, rk;
  std::map<std::string, size_t> lidx, ridx;
  for (size_t i = 0; i < lhs.size(); ++i) {
    lk.push_back(key_of(lhs[i]));
    lidx.emplace(lk.back(), i);
  }
  for (size_t i = 0; i < rhs.size(); ++i) {
    rk.push_back(key_of(rhs[i]));
    ridx.emplace(rk.back(), i);
  }
  std::vector<std::string> shared;
  for (const auto& k : rk)
    if (lidx.count(k))
      shared.push_back(k);
  size_t next_shared = 0;
  auto is_next_shared = [&](const std::string& k) {
    return next_shared < shared.size() && shared[next_shared] == k;
  };
  std::set<std::string> merged_rhs;
  json out = json::array();
  size_t li = 0, ri = 0;
  while (li < lk.size() || ri < rk.size()) {
    if (li < lk.size() && ri < rk.size()) {
      if (lk[li] == rk[ri]) {
        out.push_back(merge_item(lhs[li], rhs[ri]));
        merged_rhs.insert(rk[ri]);
        ++li;
        ++ri;
        ++next_shared;
        continue;
      }
      if (ridx.count(lk[li]) && next_shared < shared.size() && !is_next_shared(lk[li])) {
        ++li; // shared item, but not the one due now
        continue;
      }
    }
    if (li < lk.size()) {
      if (!ridx.count(lk[li])) {
        out.push_back(lhs[li]);
        ++li;
        continue;
      }
      if (merged_rhs.count(lk[li])) {
        ++li;
        continue;
      }
    }
    if (ri < rk.size()) {
      merged_rhs.insert(rk[ri]);
      auto l = lidx.find(rk[ri]);
      out.push_back(l == lidx.end() ? rhs[ri] : merge_item(lhs[l->second], rhs[ri]));
      if (is_next_shared(rk[ri]))
        ++next_shared;
      ++ri;
    }
  }
  return out;
}

// Merges the applied configuration into the live object following the list strategies.
json merge_applied(const json& live, const json& applied, const std::string& sp,
                   const list_type_info& lists, bool top, bool ignore_status) {
  if (applied.is_object() && live.is_object()) {
    json result = live;
    for (auto it = applied.begin(); it != applied.end(); ++it) {
      if (top && ignore_status && it.key() == "status")
        continue;
      auto existing = result.find(it.key());
      if (existing == result.end())
        result[it.key()] = *it;
      else
        *existing = merge_applied(*existing, *it, child_schema_path(sp, it.key()), lists, false,
                                  ignore_status);
    }
    return result;
  }
  if (applied.is_array() && live.is_array()) {
    list_type lt = lists.lookup(sp);
    auto has_keys = [&](const json& item) {
      return item.is_object()
             && std::all_of(lt.keys.begin(), lt.keys.end(),
                            [&](const std::string& k) { return item.contains(k); });
    };
    if (lt.kind == list_kind::set)
      return merge_associative(live, applied, [](const json& v) { return v.dump(); },
                               [](const json&, const json& r) { return r; });
    // Items without their keys make the list atomic, as fields_of() treats it.
    if (lt.kind == list_kind::map && !lt.keys.empty()
        && std::all_of(applied.begin(), applied.end(), has_keys)
        && std::all_of(live.begin(), live.end(), has_keys)) {
      auto key_of = [&](const json& item) {
        json key = json::object();
        for (const auto& k : lt.keys)
          key[k] = item[k];
        return key.dump();
      };
      return merge_associative(live, applied, key_of, [&](const json& l, const json& r) {
        return merge_applied(l, r, sp, lists, false, ignore_status);
      });
    }
  }
  return applied;
}

// Removes the field or list item at `path`; missing parents are ignored.
void remove_at(json& obj, const field_path& path) {
  if (path.empty())
    return;
  field_path parent_path(path.begin(), path.end() - 1);
  json* parent = const_cast<json*>(value_at(obj, parent_path));
  if (!parent)
    return;
  const std::string& last = path.back();
  if (last[0] == 'f' && parent->is_object()) {
    parent->erase(last.substr(2));
    return;
  }
  const json* item = value_at(*parent, {last});
  if (item && parent->is_array()) {
    for (auto it = parent->begin(); it != parent->end(); ++it)
      if (&*it == item) {
        parent->erase(it);
        break;
      }
  }
}

bool is_prefix(const field_path& a, const field_path& b) {
  return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

std::string print_manager(const managed_fields_entry& e) {
  std::string out = "\"" + e.manager + "\"";
  if (!e.subresource.empty())
    out += " with subresource \"" + e.subresource + "\"";
  if (e.operation == "Update")
    out += " using " + e.api_version;
  return out;
}

std::string conflict_message(const std::vector<apply_conflict>& conflicts) {
  if (conflicts.size() == 1)
    return "Apply failed with 1 conflict: conflict with " + conflicts[0].manager + ": "
           + conflicts[0].field;
  std::map<std::string, std::vector<std::string>> by_manager;
  for (const auto& c : conflicts)
    by_manager[c.manager].push_back(c.field);
  std::string body;
  for (const auto& [manager, fields] : by_manager) {
    if (!body.empty())
      body += "\n";
    body += "conflicts with " + manager + ":";
    for (const auto& f : fields)
      body += "\n- " + f;
  }
  return "Apply failed with " + std::to_string(conflicts.size()) + " conflicts: " + body;
}

} // namespace

static expected<apply_result> server_side_apply_impl(const apply_request& req) {
  const json& applied = req.applied;
  if (!applied.is_object())
    return make_error(errc::bad_request, "apply patch must be a JSON/YAML object");
  if (const json* mf = k8s::find_path(applied, "metadata.managedFields"); mf && !mf->is_null())
    return make_error(errc::bad_request, "metadata.managedFields must be nil");
  const bool exists = req.live.is_object();
  if (exists) {
    auto live_kind = k8s::get_string(req.live, "kind");
    auto applied_kind = k8s::get_string(applied, "kind");
    if (!live_kind.empty() && !applied_kind.empty() && live_kind != applied_kind)
      return make_error(errc::bad_request, "apply patch kind \"" + applied_kind
                                               + "\" does not match the object kind \""
                                               + live_kind + "\"");
  }
  auto parsed = parse_managed_fields(exists ? req.live : json::object());
  if (!parsed)
    return parsed.error();
  auto entries = std::move(*parsed);
  const json live = exists ? req.live : json::object();

  field_set applied_set = fields_of(applied, req.lists, req.ignore_status);
  auto is_mine = [&](const managed_fields_entry& e) {
    return e.manager == req.manager && e.operation == "Apply" && e.subresource.empty();
  };

  apply_result result;
  std::vector<std::pair<size_t, field_path>> conflicting;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (is_mine(e))
      continue;
    for (const auto& p : applied_set) {
      if (!e.fields.count(p))
        continue;
      char last = p.back()[0];
      if (last == 'k' || last == 'v')
        continue; // owning an item as a whole never conflicts; its fields may
      const json* a = value_at(live, p);
      const json* b = value_at(applied, p);
      if (a && b && *a == *b)
        continue;
      conflicting.emplace_back(i, p);
    }
  }
  if (!conflicting.empty()) {
    for (const auto& [i, p] : conflicting)
      result.conflicts.push_back({print_manager(entries[i]), field_path_string(p)});
    if (!req.force) {
      result.conflict_message = conflict_message(result.conflicts);
      return result;
    }
    result.conflicts.clear();
    for (const auto& [i, p] : conflicting)
      entries[i].fields.erase(p);
  }

  json merged = merge_applied(live, applied, "", req.lists, true, req.ignore_status);

  // Fields this manager applied before and omits now: remove them unless someone else
  // still owns them (or something inside them).
  auto mine = std::find_if(entries.begin(), entries.end(), is_mine);
  if (mine != entries.end()) {
    std::vector<field_path> dropped;
    for (const auto& p : mine->fields)
      if (!applied_set.count(p))
        dropped.push_back(p);
    std::vector<field_path> removable;
    for (const auto& p : dropped) {
      bool owned_elsewhere = false;
      for (const auto& e : entries) {
        if (&e == &*mine)
          continue;
        for (const auto& q : e.fields)
          if (is_prefix(p, q)) {
            owned_elsewhere = true;
            break;
          }
        if (owned_elsewhere)
          break;
      }
      // Still applied below this path (e.g. the item stays because a field in it does).
      for (const auto& q : applied_set)
        if (is_prefix(p, q)) {
          owned_elsewhere = true;
          break;
        }
      if (!owned_elsewhere)
        removable.push_back(p);
    }
    // Remove outermost paths only: removing a list item by key after erasing its key field
    // would no longer find it.
    for (const auto& p : removable) {
      bool covered = std::any_of(removable.begin(), removable.end(), [&](const field_path& q) {
        return q.size() < p.size() && is_prefix(q, p);
      });
      if (!covered)
        remove_at(merged, p);
    }
    mine->fields = applied_set;
    mine->time = req.now;
    mine->api_version = req.api_version;
  } else {
    managed_fields_entry e;
    e.manager = req.manager;
    e.operation = "Apply";
    e.api_version = req.api_version;
    e.time = req.now;
    e.fields = applied_set;
    entries.push_back(std::move(e));
  }

  if (exists) {
    // System metadata always comes from the stored object.
    for (const char* key : {"uid", "resourceVersion", "generation", "creationTimestamp",
                            "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"}) {
      const json* v = k8s::find_path(live, std::string("metadata.") + key);
      if (v)
        merged["metadata"][key] = *v;
      else if (merged.contains("metadata") && merged["metadata"].is_object())
        merged["metadata"].erase(key);
    }
  }
  result.managed_fields = managed_fields_to_json(entries);
  if (!merged.contains("metadata") || !merged["metadata"].is_object())
    merged["metadata"] = json::object();
  merged["metadata"]["managedFields"] = result.managed_fields;
  result.object = std::move(merged);
  return result;
}

json apply_conflict_status(const apply_result& result) {
  json status = k8s::make_status(409, "Conflict", result.conflict_message);
  json causes = json::array();
  for (const auto& c : result.conflicts)
    causes.push_back({{"reason", "FieldManagerConflict"},
                      {"message", "conflict with " + c.manager},
                      {"field", c.field}});
  status["details"]["causes"] = std::move(causes);
  return status;
}

expected<apply_result> server_side_apply(const apply_request& req) {
  // The inputs are client JSON of any shape; a type mismatch deep inside the merge must be a
  // 400, never an exception escaping into the HTTP layer.
  try {
    return server_side_apply_impl(req);
  } catch (const std::exception& e) {
    return make_error(errc::bad_request, std::string("apply failed: ") + e.what());
  }
}

} // namespace kelos::apiserver
