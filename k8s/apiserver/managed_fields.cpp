#include "k8s/apiserver/managed_fields.hpp"

#include <algorithm>
#include <map>

namespace kelos::apiserver {

namespace {

struct tree_node {
  bool member = false;
  std::map<std::string, tree_node> children;
};

json node_to_json(const tree_node& node) {
  json out = json::object();
  for (const auto& [key, child] : node.children)
    out[key] = node_to_json(child);
  if (node.member && !node.children.empty())
    out["."] = json::object();
  return out;
}

expected<void> parse_node(const json& node, field_path& prefix, field_set& out) {
  if (!node.is_object())
    return make_error(errc::bad_request, "fieldsV1: node at " + field_path_string(prefix)
                                             + " is not an object");
  bool has_children = false;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string& key = it.key();
    if (key == ".") {
      if (!prefix.empty())
        out.insert(prefix);
      continue;
    }
    if (key.size() < 2 || key[1] != ':'
        || (key[0] != 'f' && key[0] != 'k' && key[0] != 'v' && key[0] != 'i'))
      return make_error(errc::bad_request, "fieldsV1: invalid key \"" + key + "\"");
    if (key[0] == 'k' || key[0] == 'v') {
      // The payload must be JSON; check once here so later lookups can rely on it.
      auto parsed = json::parse(key.substr(2), nullptr, false);
      if (parsed.is_discarded() || (key[0] == 'k' && !parsed.is_object()))
        return make_error(errc::bad_request, "fieldsV1: invalid key \"" + key + "\"");
    }
    has_children = true;
    prefix.push_back(key);
    auto r = parse_node(*it, prefix, out);
    prefix.pop_back();
    if (!r)
      return r;
  }
  if (!has_children && !prefix.empty())
    out.insert(prefix);
  return {};
}

std::string child_schema_path(const std::string& sp, const std::string& key) {
  return sp.empty() ? key : sp + "." + key;
}

void walk(const json& obj, field_path& fp, const std::string& sp, const list_type_info& lists,
          bool ignore_status, field_set& out);

void walk_value(const json& v, field_path& fp, const std::string& sp, const list_type_info& lists,
                bool ignore_status, field_set& out) {
  if (v.is_object() && !v.empty()) {
    walk(v, fp, sp, lists, ignore_status, out);
    return;
  }
  if (v.is_array() && !v.empty()) {
    list_type lt = lists.lookup(sp);
    if (lt.kind == list_kind::set) {
      for (const auto& item : v) {
        fp.push_back("v:" + item.dump());
        out.insert(fp);
        fp.pop_back();
      }
      return;
    }
    if (lt.kind == list_kind::map && !lt.keys.empty()) {
      bool keyed = std::all_of(v.begin(), v.end(), [&](const json& item) {
        return item.is_object()
               && std::all_of(lt.keys.begin(), lt.keys.end(),
                              [&](const std::string& k) { return item.contains(k); });
      });
      if (keyed) {
        for (const auto& item : v) {
          json key = json::object();
          for (const auto& k : lt.keys)
            key[k] = item[k];
          fp.push_back("k:" + key.dump());
          out.insert(fp);
          walk(item, fp, sp, lists, ignore_status, out);
          fp.pop_back();
        }
        return;
      }
    }
  }
  out.insert(fp);
}

void walk(const json& obj, field_path& fp, const std::string& sp, const list_type_info& lists,
          bool ignore_status, field_set& out) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    fp.push_back("f:" + it.key());
    if (!is_untracked_field(fp, ignore_status))
      walk_value(*it, fp, child_schema_path(sp, it.key()), lists, ignore_status, out);
    fp.pop_back();
  }
}

const json* find_item(const json& list, const std::string& element) {
  if (!list.is_array())
    return nullptr;
  auto payload = json::parse(element.substr(2), nullptr, false);
  if (payload.is_discarded())
    return nullptr;
  for (const auto& item : list) {
    if (element[0] == 'v') {
      if (item == payload)
        return &item;
      continue;
    }
    if (!item.is_object() || !payload.is_object())
      continue;
    bool match = true;
    for (auto k = payload.begin(); k != payload.end() && match; ++k) {
      auto f = item.find(k.key());
      match = f != item.end() && *f == *k;
    }
    if (match)
      return &item;
  }
  return nullptr;
}

/// What `fields_of` makes of one value: the shape decides which paths it contributes.
enum class value_shape { leaf, object, set_list, map_list };

value_shape shape_of(const json& v, const list_type& lt) {
  if (v.is_object() && !v.empty())
    return value_shape::object;
  if (!v.is_array() || v.empty())
    return value_shape::leaf;
  if (lt.kind == list_kind::set)
    return value_shape::set_list;
  if (lt.kind == list_kind::map && !lt.keys.empty()) {
    bool keyed = std::all_of(v.begin(), v.end(), [&](const json& item) {
      return item.is_object()
             && std::all_of(lt.keys.begin(), lt.keys.end(), [&](const std::string& k) { return item.contains(k); });
    });
    if (keyed)
      return value_shape::map_list;
  }
  return value_shape::leaf;
}

/// `k:` element of a map-list item, as `walk_value` spells it.
std::string item_element(const json& item, const list_type& lt) {
  json key = json::object();
  for (const auto& k : lt.keys)
    key[k] = item[k];
  return "k:" + key.dump();
}

// fields_v1_of: the walk of fields_of, writing FieldsV1 nodes instead of paths. A node exists
// only where a path ends or passes, as in field_set_to_fields_v1's tree.
enum class v1_level { top, metadata, nested };

bool untracked_at(v1_level level, const std::string& key, bool ignore_status) {
  if (level == v1_level::nested)
    return false;
  field_path fp;
  if (level == v1_level::metadata)
    fp.push_back("f:metadata");
  fp.push_back("f:" + key);
  return is_untracked_field(fp, ignore_status);
}

bool v1_members(const json& obj, json& node, v1_level level, const std::string& sp, const list_type_info& lists,
                bool ignore_status);

// Fills `node`, the FieldsV1 node of value `v`; false when a map list repeats a key.
bool v1_value(const json& v, json& node, const std::string& sp, const list_type_info& lists, bool ignore_status,
              v1_level level) {
  if (v.is_object() && !v.empty())
    return v1_members(v, node, level, sp, lists, ignore_status);
  if (!v.is_array() || v.empty())
    return true; // a leaf: the node stays {}
  list_type lt = lists.lookup(sp);
  switch (shape_of(v, lt)) {
    case value_shape::set_list:
      for (const auto& item : v)
        node["v:" + item.dump()] = json::object();
      return true;
    case value_shape::map_list:
      for (const auto& item : v) {
        auto [it, fresh] = node.emplace(item_element(item, lt), json::object());
        if (!fresh || !v1_members(item, *it, v1_level::nested, sp, lists, ignore_status))
          return false;
        if (!it->empty())
          (*it)["."] = json::object(); // the item is owned as a whole, and its fields
      }
      return true;
    default:
      return true; // an atomic list: a leaf
  }
}

bool v1_members(const json& obj, json& node, v1_level level, const std::string& sp, const list_type_info& lists,
                bool ignore_status) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (untracked_at(level, it.key(), ignore_status))
      continue;
    auto [child, fresh] = node.emplace("f:" + it.key(), json::object());
    const v1_level next = level == v1_level::top && it.key() == "metadata" ? v1_level::metadata : v1_level::nested;
    if (!v1_value(*it, *child, child_schema_path(sp, it.key()), lists, ignore_status, next))
      return false;
    // An object whose every member is untracked contributes no path, hence no node.
    if (fresh && child->empty() && it->is_object() && !it->empty())
      node.erase(child);
  }
  return true;
}

/// The changed and removed paths between two versions of an object, as `update_managed_fields`
/// defines them: changed = paths of the new version that the old lacks, or whose value
/// differs (list items, `k:`/`v:`, count as unchanged while they exist); removed = paths of
/// the old version the new lacks. One walk over both versions instead of two field sets and
/// a lookup per path; equal to that computation (tests/unit compares them on random objects).
struct field_diff {
  const list_type_info& lists;
  bool ignore_status;
  field_set changed;
  field_set removed;

  /// Both sides through the generic definition, for the rare subtrees whose shapes differ
  /// or whose map lists repeat a key.
  void by_sets(const json& a, const json& b, field_path& fp, const std::string& sp) {
    field_set old_set, new_set;
    walk_value(a, fp, sp, lists, ignore_status, old_set);
    walk_value(b, fp, sp, lists, ignore_status, new_set);
    const auto base = fp.size();
    for (const auto& p : new_set) {
      if (!old_set.count(p)) {
        changed.insert(p);
        continue;
      }
      char last = p.back()[0];
      if (last == 'k' || last == 'v')
        continue;
      field_path rel(p.begin() + static_cast<std::ptrdiff_t>(base), p.end());
      const json* x = value_at(a, rel);
      const json* y = value_at(b, rel);
      if (!x || !y || *x != *y)
        changed.insert(p);
    }
    for (const auto& p : old_set)
      if (!new_set.count(p))
        removed.insert(p);
  }

  void members(const json& a, const json& b, field_path& fp, const std::string& sp) {
    auto ia = a.begin(), ib = b.begin();
    while (ia != a.end() || ib != b.end()) {
      int order = ia == a.end() ? 1 : ib == b.end() ? -1 : ia.key().compare(ib.key());
      const std::string& key = order <= 0 ? ia.key() : ib.key();
      fp.push_back("f:" + key);
      if (!is_untracked_field(fp, ignore_status))
        member(order <= 0 ? &*ia : nullptr, order >= 0 ? &*ib : nullptr, fp, child_schema_path(sp, key));
      fp.pop_back();
      if (order <= 0)
        ++ia;
      if (order >= 0)
        ++ib;
    }
  }

  /// One member at `fp` present in the old version (`a`), the new one (`b`), or both.
  void member(const json* a, const json* b, field_path& fp, const std::string& sp) {
    if (a && b)
      value(*a, *b, fp, sp);
    else if (a)
      walk_value(*a, fp, sp, lists, ignore_status, removed);
    else if (b)
      walk_value(*b, fp, sp, lists, ignore_status, changed);
  }

  void value(const json& a, const json& b, field_path& fp, const std::string& sp) {
    list_type lt = (a.is_array() && !a.empty()) || (b.is_array() && !b.empty()) ? lists.lookup(sp) : list_type{};
    auto sa = shape_of(a, lt);
    if (sa != shape_of(b, lt)) {
      by_sets(a, b, fp, sp);
      return;
    }
    switch (sa) {
      case value_shape::leaf:
        if (a != b)
          changed.insert(fp);
        return;
      case value_shape::object:
        members(a, b, fp, sp);
        return;
      case value_shape::set_list: {
        std::set<std::string> old_items, new_items;
        for (const auto& item : a)
          old_items.insert("v:" + item.dump());
        for (const auto& item : b)
          new_items.insert("v:" + item.dump());
        for (const auto& e : new_items)
          if (!old_items.count(e)) {
            fp.push_back(e);
            changed.insert(fp);
            fp.pop_back();
          }
        for (const auto& e : old_items)
          if (!new_items.count(e)) {
            fp.push_back(e);
            removed.insert(fp);
            fp.pop_back();
          }
        return;
      }
      case value_shape::map_list: {
        std::map<std::string, const json*> old_items, new_items;
        for (const auto& item : a)
          if (!old_items.emplace(item_element(item, lt), &item).second) {
            by_sets(a, b, fp, sp);
            return;
          }
        for (const auto& item : b)
          if (!new_items.emplace(item_element(item, lt), &item).second) {
            by_sets(a, b, fp, sp);
            return;
          }
        for (const auto& [element, item] : new_items) {
          fp.push_back(element);
          auto old = old_items.find(element);
          if (old == old_items.end()) {
            changed.insert(fp);
            walk(*item, fp, sp, lists, ignore_status, changed);
          } else {
            members(*old->second, *item, fp, sp);
          }
          fp.pop_back();
        }
        for (const auto& [element, item] : old_items)
          if (!new_items.count(element)) {
            fp.push_back(element);
            removed.insert(fp);
            walk(*item, fp, sp, lists, ignore_status, removed);
            fp.pop_back();
          }
        return;
      }
    }
  }
};

} // namespace

json field_set_to_fields_v1(const field_set& set) {
  tree_node root;
  for (const auto& path : set) {
    tree_node* node = &root;
    for (const auto& element : path)
      node = &node->children[element];
    node->member = true;
  }
  return node_to_json(root);
}

expected<field_set> field_set_from_fields_v1(const json& fields_v1) {
  field_set out;
  field_path prefix;
  auto r = parse_node(fields_v1, prefix, out);
  if (!r)
    return r.error();
  return out;
}

std::string field_path_string(const field_path& path) {
  std::string out;
  for (const auto& element : path) {
    if (element.size() < 2)
      continue;
    std::string payload = element.substr(2);
    switch (element[0]) {
      case 'f':
        out += "." + payload;
        break;
      case 'i':
        out += "[" + payload + "]";
        break;
      case 'v':
        out += "[=" + payload + "]";
        break;
      case 'k': {
        auto key = json::parse(payload, nullptr, false);
        out += "[";
        bool first = true;
        if (key.is_object())
          for (auto it = key.begin(); it != key.end(); ++it) {
            out += (first ? "" : ",") + it.key() + "=" + it->dump();
            first = false;
          }
        out += "]";
        break;
      }
      default:
        break;
    }
  }
  return out;
}

bool is_untracked_field(const field_path& path, bool ignore_status) {
  if (path.size() == 1)
    return path[0] == "f:apiVersion" || path[0] == "f:kind"
           || (ignore_status && path[0] == "f:status");
  if (path.size() == 2 && path[0] == "f:metadata") {
    static const char* system[] = {"f:name", "f:namespace", "f:uid", "f:resourceVersion",
                                   "f:generation", "f:creationTimestamp", "f:selfLink",
                                   "f:managedFields", "f:deletionTimestamp",
                                   "f:deletionGracePeriodSeconds", "f:clusterName"};
    for (const char* s : system)
      if (path[1] == s)
        return true;
  }
  return false;
}

field_set fields_of(const json& obj, const list_type_info& lists, bool ignore_status) {
  field_set out;
  if (!obj.is_object())
    return out;
  field_path fp;
  walk(obj, fp, "", lists, ignore_status, out);
  return out;
}

std::optional<json> fields_v1_of(const json& obj, const list_type_info& lists, bool ignore_status) {
  json out = json::object();
  if (obj.is_object() && !v1_members(obj, out, v1_level::top, "", lists, ignore_status))
    return std::nullopt;
  return out;
}

const json* value_at(const json& obj, const field_path& path) {
  const json* cur = &obj;
  for (const auto& element : path) {
    if (element.size() < 2)
      return nullptr;
    if (element[0] == 'f') {
      if (!cur->is_object())
        return nullptr;
      auto it = cur->find(element.substr(2));
      if (it == cur->end())
        return nullptr;
      cur = &*it;
    } else if (element[0] == 'k' || element[0] == 'v') {
      cur = find_item(*cur, element);
      if (!cur)
        return nullptr;
    } else {
      return nullptr;
    }
  }
  return cur;
}

expected<std::vector<managed_fields_entry>> parse_managed_fields(const json& obj) {
  std::vector<managed_fields_entry> entries;
  const json* list = obj.is_object() ? k8s::find_path(obj, "metadata.managedFields") : nullptr;
  if (!list || list->is_null())
    return entries;
  if (!list->is_array())
    return make_error(errc::bad_request, "metadata.managedFields must be a list");
  for (size_t i = 0; i < list->size(); ++i) {
    const json& e = (*list)[i];
    if (!e.is_object())
      return make_error(errc::bad_request,
                        "metadata.managedFields[" + std::to_string(i) + "] must be an object");
    managed_fields_entry entry;
    entry.manager = k8s::get_string(e, "manager");
    entry.operation = k8s::get_string(e, "operation");
    entry.api_version = k8s::get_string(e, "apiVersion");
    entry.time = k8s::get_string(e, "time");
    entry.subresource = k8s::get_string(e, "subresource");
    if (auto f = e.find("fieldsV1"); f != e.end()) {
      auto set = field_set_from_fields_v1(*f);
      if (!set)
        return make_error(errc::bad_request, "metadata.managedFields[" + std::to_string(i)
                                                 + "]: " + set.error().message);
      entry.fields = std::move(*set);
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

namespace {

/// One managedFields item: `e`'s manager, operation, version, time and subresource, owning
/// `fields_v1` (`e.fields` is not read).
json entry_json(const managed_fields_entry& e, json fields_v1) {
  json j = {{"manager", e.manager},
            {"operation", e.operation},
            {"apiVersion", e.api_version},
            {"fieldsType", "FieldsV1"},
            {"fieldsV1", std::move(fields_v1)}};
  if (!e.time.empty())
    j["time"] = e.time;
  if (!e.subresource.empty())
    j["subresource"] = e.subresource;
  return j;
}

json entry_to_json(const managed_fields_entry& e) { return entry_json(e, field_set_to_fields_v1(e.fields)); }

/// The managedFields list of `entries`, leaving out entries that own nothing. An entry
/// for which `stored` is non-null is copied from that JSON instead of being rebuilt.
json entries_to_json(const std::vector<managed_fields_entry>& entries, const std::vector<const json*>& stored) {
  json out = json::array();
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].fields.empty())
      continue;
    if (i < stored.size() && stored[i] != nullptr)
      out.push_back(*stored[i]);
    else
      out.push_back(entry_to_json(entries[i]));
  }
  return out;
}

} // namespace

json managed_fields_to_json(const std::vector<managed_fields_entry>& entries) { return entries_to_json(entries, {}); }

static expected<json>
update_managed_fields_impl(const json& old_obj, const json& new_obj, const std::string& manager,
                           const std::string& api_version, const std::string& now,
                           const list_type_info& lists, const std::string& subresource) {
  // Upstream FieldManager.Update: managedFields sent with the write (decodable, non-empty)
  // replace the stored ones; this is how kubectl migrates client-side-apply ownership to
  // server-side apply (a JSON patch of /metadata/managedFields) and how `[{}]` resets them.
  // Otherwise (absent, empty, malformed, or a subresource write) the stored ones are used,
  // so clients that drop the field cannot erase ownership by accident.
  std::vector<managed_fields_entry> entries;
  bool from_request = false;
  if (subresource.empty() && new_obj.is_object()) {
    const json* provided = k8s::find_path(new_obj, "metadata.managedFields");
    if (provided && provided->is_array() && !provided->empty()) {
      auto p = parse_managed_fields(new_obj);
      if (p) {
        entries = std::move(*p);
        from_request = true;
      }
    }
  }
  // A create with no managedFields of its own: the writer owns every tracked field, which
  // one walk writes as FieldsV1 directly (no set of paths, no diff against nothing).
  if (!from_request && !old_obj.is_object() && subresource.empty() && new_obj.is_object()) {
    if (auto v1 = fields_v1_of(new_obj, lists, true)) {
      json out = json::array();
      if (!v1->empty())
        out.push_back(entry_json({manager, "Update", api_version, now, "", {}}, std::move(*v1)));
      return out;
    }
  }
  // The stored JSON of each entry parsed from the old object: an entry this write leaves
  // alone is copied out as it was instead of being rebuilt from its field set (most
  // writes change one manager's entry, and rebuilding FieldsV1 trees was the larger part
  // of this function's cost). An entry the write changes loses its stored form.
  std::vector<const json*> stored;
  if (!from_request) {
    auto parsed = parse_managed_fields(old_obj);
    if (!parsed)
      return parsed.error();
    entries = std::move(*parsed);
    if (!entries.empty()) {
      const json& list = *k8s::find_path(old_obj, "metadata.managedFields"); // one entry per item
      for (const auto& item : list)
        stored.push_back(&item);
    }
  }
  // Like upstream's reset fields: a write to the main resource never owns `status`, and a
  // write to /status owns nothing but `status`.
  const bool status_only = subresource == "status";
  static const json empty = json::object();
  const json& old_root = old_obj.is_object() ? old_obj : empty;
  const json& new_root = new_obj.is_object() ? new_obj : empty;
  field_diff diff{lists, !status_only, {}, {}};
  field_path fp;
  if (status_only) {
    auto a = old_root.find("status");
    auto b = new_root.find("status");
    fp.push_back("f:status");
    diff.member(a != old_root.end() ? &*a : nullptr, b != new_root.end() ? &*b : nullptr, fp, "status");
  } else {
    diff.members(old_root, new_root, fp, "");
  }
  const field_set& changed = diff.changed;
  const field_set& removed = diff.removed;

  auto mine = std::find_if(entries.begin(), entries.end(), [&](const managed_fields_entry& e) {
    return e.manager == manager && e.operation == "Update" && e.api_version == api_version
           && e.subresource == subresource;
  });
  // An entry this write changes is rebuilt from its fields, not copied.
  auto rebuild = [&](std::vector<managed_fields_entry>::const_iterator it) {
    auto i = static_cast<size_t>(it - entries.cbegin());
    if (i < stored.size())
      stored[i] = nullptr;
  };
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it == mine)
      continue;
    size_t erased = 0;
    for (const auto& p : changed)
      erased += it->fields.erase(p);
    for (const auto& p : removed)
      erased += it->fields.erase(p);
    if (erased != 0)
      rebuild(it);
  }
  if (!changed.empty()) {
    if (mine == entries.end()) {
      managed_fields_entry e;
      e.manager = manager;
      e.operation = "Update";
      e.api_version = api_version;
      e.subresource = subresource;
      entries.push_back(std::move(e));
      mine = std::prev(entries.end());
    }
    mine->fields.insert(changed.begin(), changed.end());
    mine->time = now;
  }
  if (mine != entries.end()) {
    size_t erased = 0;
    for (const auto& p : removed)
      erased += mine->fields.erase(p);
    if (!changed.empty() || erased != 0)
      rebuild(mine);
  }
  return entries_to_json(entries, stored);
}

expected<json> update_managed_fields(const json& old_obj, const json& new_obj,
                                     const std::string& manager, const std::string& api_version,
                                     const std::string& now, const list_type_info& lists,
                                     const std::string& subresource) {
  try {
    return update_managed_fields_impl(old_obj, new_obj, manager, api_version, now, lists,
                                      subresource);
  } catch (const std::exception& e) {
    return make_error(errc::bad_request, std::string("managedFields: ") + e.what());
  }
}

namespace {

/// `metadata.managedFields` of `obj` with every entry's `time` removed (null when absent).
json managed_fields_without_times(const json& obj) {
  const json* mf = k8s::find_path(obj, "metadata.managedFields");
  if (!mf || !mf->is_array())
    return mf ? *mf : json();
  json out = *mf;
  for (auto& e : out)
    if (e.is_object())
      e.erase("time");
  return out;
}

} // namespace

bool equal_ignoring_managed_fields_times(const json& a, const json& b) {
  if (a == b)
    return true;
  if (!a.is_object() || !b.is_object())
    return false;
  auto meta_without_mf = [](const json& obj) {
    auto it = obj.find("metadata");
    if (it == obj.end() || !it->is_object())
      return it == obj.end() ? json() : *it;
    json m = *it;
    m.erase("managedFields");
    return m;
  };
  for (const auto& [key, value] : a.items())
    if (key != "metadata" && (!b.contains(key) || b[key] != value))
      return false;
  for (const auto& [key, value] : b.items())
    if (key != "metadata" && !a.contains(key))
      return false;
  return meta_without_mf(a) == meta_without_mf(b)
         && managed_fields_without_times(a) == managed_fields_without_times(b);
}

} // namespace kelos::apiserver
