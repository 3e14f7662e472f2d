#include "k8s/apiserver/object_store.hpp"

#include "k8s/apiserver/event_log.hpp"
#include "k8s/apiserver/names.hpp"
#include "k8s/apiserver/stored_object.hpp"
#include "k8s/apiserver/wal.hpp"
#include "k8s/kinds.hpp"

#include <algorithm>
#include <deque>
#include <atomic>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

namespace kelos::apiserver {

namespace {

constexpr std::string_view finalizer_orphan = "orphan";
constexpr std::string_view finalizer_foreground = "foregroundDeletion";

using object_ptr = std::shared_ptr<const json>;

// The position slot of the innermost deferred_durability scope on this thread (null: none).
thread_local uint64_t* deferred_position = nullptr;

// The WAL's view of a stored object's text (shares ownership with the entry).
std::shared_ptr<const std::string> text_of(const stored_ptr& entry) {
  return {entry, &entry->text()};
}

std::string key_of(std::string_view ns, std::string_view name) {
  std::string k(ns);
  k += '/';
  k += name;
  return k;
}

std::string coll_name(std::string_view group, std::string_view plural) {
  return std::string(plural) + "." + std::string(group);
}

const json& meta_of(const json& obj) {
  static const json empty = json::object();
  auto it = obj.find("metadata");
  return it != obj.end() && it->is_object() ? *it : empty;
}

std::string meta_string(const json& obj, const char* field) {
  return k8s::get_string(meta_of(obj), field);
}

json& meta_mut(json& obj) {
  json& m = obj["metadata"];
  if (!m.is_object())
    m = json::object();
  return m;
}

bool is_deleting(const json& obj) {
  auto& m = meta_of(obj);
  auto it = m.find("deletionTimestamp");
  return it != m.end() && !it->is_null();
}

std::vector<std::string> finalizers_of(const json& obj) {
  std::vector<std::string> out;
  auto& m = meta_of(obj);
  if (auto it = m.find("finalizers"); it != m.end() && it->is_array())
    for (auto& f : *it)
      if (f.is_string())
        out.push_back(f.get<std::string>());
  return out;
}

void set_finalizers(json& obj, const std::vector<std::string>& fins) {
  json& m = meta_mut(obj);
  if (fins.empty())
    m.erase("finalizers");
  else
    m["finalizers"] = fins;
}

struct owner_ref_view {
  std::string uid;
  bool block = false;
};

std::vector<owner_ref_view> owners_of(const json& obj) {
  std::vector<owner_ref_view> out;
  auto& m = meta_of(obj);
  if (auto it = m.find("ownerReferences"); it != m.end() && it->is_array())
    for (auto& r : *it)
      if (r.is_object() && !k8s::get_string(r, "uid").empty())
        out.push_back({k8s::get_string(r, "uid"), k8s::get_bool(r, "blockOwnerDeletion")});
  return out;
}

int64_t parse_rv(std::string_view s, bool& ok) {
  ok = !s.empty() && s.size() < 19
       && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!ok)
    return 0;
  return std::stoll(std::string(s));
}

// Whether two objects differ in what `metadata.generation` tracks: everything but metadata
// and, when the resource has a status subresource, status. Compares in place (no copies).
bool generation_content_differs(const json& a, const json& b, bool has_status) {
  auto skip = [&](const std::string& k) { return k == "metadata" || (has_status && k == "status"); };
  if (!a.is_object() || !b.is_object())
    return a != b;
  size_t na = 0;
  for (auto it = a.begin(); it != a.end(); ++it) {
    if (skip(it.key()))
      continue;
    ++na;
    auto other = b.find(it.key());
    if (other == b.end() || *other != it.value())
      return true;
  }
  size_t nb = 0;
  for (auto it = b.begin(); it != b.end(); ++it)
    nb += skip(it.key()) ? 0 : 1;
  return na != nb;
}

// Watch event for one watcher, applying the selector-transition rules.
// `entry` is the committed form of `obj` (its text), when known.
std::optional<watch_event> transition(const object_filter& f, watch_event_type type,
                                      const object_ptr& obj, const object_ptr& prev, int64_t rv,
                                      const stored_ptr& entry) {
  switch (type) {
    case watch_event_type::added:
      if (f.matches(*obj))
        return watch_event{watch_event_type::added, obj, rv, entry};
      return std::nullopt;
    case watch_event_type::deleted:
      if (f.matches(*obj))
        return watch_event{watch_event_type::deleted, obj, rv, entry};
      return std::nullopt;
    case watch_event_type::modified: {
      bool now = f.matches(*obj);
      bool before = prev && f.matches(*prev);
      if (now && before)
        return watch_event{watch_event_type::modified, obj, rv, entry};
      if (now)
        return watch_event{watch_event_type::added, obj, rv, entry};
      if (before) // previous content, new RV (set by wire_object)
        return watch_event{watch_event_type::deleted, prev, rv};
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

struct watcher {
  std::shared_ptr<watch_stream> stream;
  object_filter filter;
  bool bookmarks = false;
  std::string kind;
  std::string api_version;
};

struct collection {
  uint32_t id = 0;
  resource_info info;
  /// Compact: JSON text per object, decoded on read (see stored_object).
  std::map<std::string, stored_ptr> objects;
  admission_hook hook;
  std::vector<std::shared_ptr<watcher>> watchers;
};

struct uid_ref {
  uint32_t coll = 0;
  std::string key;
};

struct gc_item {
  bool owner_gone = false; // else: examine (coll, key)
  uint32_t coll = 0;
  std::string key;
  std::string uid;
};

bool is_namespace(const collection& c) {
  return c.info.group.empty() && c.info.plural == "namespaces";
}

const resource_info& namespace_info() {
  static const resource_info info = [] {
    for (auto& r : k8s::builtin_resources())
      if (r.group.empty() && r.plural == "namespaces")
        return r;
    return resource_info{"", "v1", "Namespace", "namespaces", "namespace", false, {}, {}, {}};
  }();
  return info;
}

std::string encode_continue(int64_t rv, const std::string& start) {
  json j = {{"v", "meta.k8s.io/v1"}, {"rv", rv}, {"start", start}};
  return k8s::base64_encode(j.dump());
}

// Upstream's ObjectMeta validation of labels and annotation keys (422 on failure).
std::vector<status_cause> check_labels_and_annotations(const json& obj) {
  std::vector<status_cause> causes;
  const json& m = meta_of(obj);
  // Built with append: g++ 12 -O3 reports a false -Wrestrict on `"lit" + std::string&&`
  // (GCC bug 105651), which -Werror would turn into a failed Release build.
  auto quote = [](std::string_view s) {
    std::string out;
    out.append(1, '"').append(s).append(1, '"');
    return out;
  };
  if (auto it = m.find("labels"); it != m.end() && !it->is_null()) {
    if (!it->is_object()) {
      causes.push_back({"FieldValueInvalid", "Invalid value: must be an object", "metadata.labels"});
    } else {
      for (auto& [k, v] : it->items()) {
        if (auto err = check_qualified_name(k))
          causes.push_back({"FieldValueInvalid", "Invalid value: " + quote(k) + ": " + *err,
                            "metadata.labels"});
        if (!v.is_string())
          causes.push_back({"FieldValueInvalid", "Invalid value: label values must be strings",
                            "metadata.labels"});
        else if (auto err = check_label_value(v.get<std::string>()))
          causes.push_back({"FieldValueInvalid",
                            "Invalid value: " + quote(v.get<std::string>()) + ": " + *err,
                            "metadata.labels"});
      }
    }
  }
  if (auto it = m.find("annotations"); it != m.end() && !it->is_null()) {
    if (!it->is_object()) {
      causes.push_back({"FieldValueInvalid", "Invalid value: must be an object", "metadata.annotations"});
    } else {
      for (auto& [k, v] : it->items()) {
        if (auto err = check_qualified_name(k))
          causes.push_back({"FieldValueInvalid", "Invalid value: " + quote(k) + ": " + *err,
                            "metadata.annotations"});
        if (!v.is_string())
          causes.push_back({"FieldValueInvalid",
                            "Invalid value: annotation values must be strings",
                            "metadata.annotations"});
      }
    }
  }
  return causes;
}

// JSON type errors (a client sent `spec: "x"` where we index into it, invalid UTF-8 on
// serialisation) must not escape the store as exceptions.
template <class F>
auto guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const json::exception& e) {
    return api_error::bad_request(std::string("invalid object: ") + e.what());
  } catch (const std::exception& e) {
    return api_error::internal(e.what());
  }
}

} // namespace

// ---------------------------------------------------------------------------------------

struct object_store::impl {
  store_config cfg;
  mutable std::mutex mu;
  int64_t rev = 0;
  std::map<std::string, std::unique_ptr<collection>> collections;
  std::vector<collection*> by_id;
  std::unordered_map<std::string, uid_ref> uids;
  std::unordered_map<std::string, std::set<std::pair<uint32_t, std::string>>> dependents;
  event_log log;
  std::unique_ptr<wal> durable;
  std::deque<gc_item> gc_queue;
  /// Queued examine items, so one object is not examined repeatedly in one GC pass.
  std::set<std::pair<uint32_t, std::string>> gc_pending;
  std::vector<change_hook> on_change;
  std::deque<std::pair<resource_info, watch_event>> hook_queue;
  std::mutex hook_mu;
  int64_t wal_failures = 0;
  /// Background snapshot writer (see compact_in_background); joined before the next one.
  std::thread snapshot_thread;
  std::atomic<bool> snapshot_running{false};
  std::atomic<int64_t> snapshot_failures{0};
  /// Automatic compactions started (`durability_stats::compactions`).
  uint64_t compactions = 0;

  ~impl() {
    if (snapshot_thread.joinable())
      snapshot_thread.join();
    // Answers pending when_durable callbacks while the rest of the store is still alive.
    durable.reset();
  }

  explicit impl(store_config c) : cfg(std::move(c)), log(cfg.event_log_capacity, 0) {}

  std::string now_text() const {
    return k8s::format_time(cfg.clock ? cfg.clock() : k8s::now());
  }

  collection& coll(const resource_info& res) {
    auto name = coll_name(res.group, res.plural);
    auto it = collections.find(name);
    if (it == collections.end()) {
      auto c = std::make_unique<collection>();
      c->id = static_cast<uint32_t>(by_id.size());
      c->info = res;
      by_id.push_back(c.get());
      it = collections.emplace(name, std::move(c)).first;
    } else if (!res.kind.empty()) {
      it->second->info = res; // callers know the full resource (subresources, version)
    }
    return *it->second;
  }

  collection* find_coll(std::string_view group, std::string_view plural) {
    auto it = collections.find(coll_name(group, plural));
    return it == collections.end() ? nullptr : it->second.get();
  }

  // The decoded object (shared while some holder keeps the tree alive).
  object_ptr find(const collection& c, const std::string& key) const {
    auto it = c.objects.find(key);
    return it == c.objects.end() ? nullptr : it->second->tree();
  }

  // The stored entry, without decoding it (null when absent).
  const stored_object* entry(const collection& c, const std::string& key) const {
    auto it = c.objects.find(key);
    return it == c.objects.end() ? nullptr : it->second.get();
  }

  const stored_object* namespace_entry(std::string_view ns) {
    auto* c = find_coll("", "namespaces");
    return c ? entry(*c, key_of("", ns)) : nullptr;
  }

  bool owner_exists(const std::string& uid, std::string_view dependent_ns) const {
    auto it = uids.find(uid);
    if (it == uids.end())
      return false;
    // A namespaced owner must live in the dependent's namespace (upstream GC rule); the
    // namespace is the key's first part.
    if (by_id[it->second.coll]->info.namespaced) {
      const std::string& key = it->second.key;
      return std::string_view(key).substr(0, key.find('/')) == dependent_ns;
    }
    return true;
  }

  // --- indexes -----------------------------------------------------------------------

  void index_remove(const collection& c, const std::string& key, const json& obj) {
    uids.erase(meta_string(obj, "uid"));
    for (auto& o : owners_of(obj)) {
      auto it = dependents.find(o.uid);
      if (it != dependents.end()) {
        it->second.erase({c.id, key});
        if (it->second.empty())
          dependents.erase(it);
      }
    }
  }

  void index_add(const collection& c, const std::string& key, const json& obj) {
    auto uid = meta_string(obj, "uid");
    if (!uid.empty())
      uids[uid] = {c.id, key};
    for (auto& o : owners_of(obj))
      dependents[o.uid].insert({c.id, key});
  }

  // --- commit --------------------------------------------------------------------------

  void fan_out(collection& c, watch_event_type type, const stored_ptr& entry, const object_ptr& obj,
               const object_ptr& prev, int64_t rv) {
    bool any_closed = false;
    for (auto& w : c.watchers) {
      auto ev = transition(w->filter, type, obj, prev, rv, entry);
      if (ev && !w->stream->push(std::move(*ev)))
        any_closed = true;
      else if (!ev && w->stream->closed())
        any_closed = true;
    }
    if (any_closed)
      std::erase_if(c.watchers, [](auto& w) { return w->stream->closed(); });
  }

  // `entry`/`prev_entry` are the compact forms the event log keeps; `obj`/`prev` their trees.
  void after_commit(collection& c, watch_event_type type, const stored_ptr& entry,
                    const object_ptr& obj, const stored_ptr& prev_entry, const object_ptr& prev,
                    int64_t rv) {
    log.append({rv, type, c.id, key_of(meta_string(*obj, "namespace"), meta_string(*obj, "name")),
                entry, prev_entry});
    fan_out(c, type, entry, obj, prev, rv);
    if (!on_change.empty())
      hook_queue.emplace_back(c.info, watch_event{type, obj, rv});
    if (durable && cfg.compact_every > 0 && durable->records_since_snapshot() >= cfg.compact_every &&
        durable->records_since_snapshot() >= live_objects())
      compact_in_background();
  }

  size_t live_objects() const {
    size_t n = 0;
    for (const auto* c : by_id)
      n += c->objects.size();
    return n;
  }

  // Queues GC work that a change to (or removal of) `obj` may unblock.
  void gc_triggers(const collection& c, const std::string& key, const json& obj, bool removed,
                   const json* prev) {
    if (removed) {
      auto uid = meta_string(obj, "uid");
      if (dependents.count(uid))
        gc_queue.push_back({true, 0, {}, uid});
    } else if (is_deleting(obj)) {
      queue_examine(c.id, key);
    }
    // Owners waiting in foreground deletion re-check their blocking dependents.
    auto examine_owners = [&](const json& o) {
      for (auto& ref : owners_of(o)) {
        auto it = uids.find(ref.uid);
        if (it == uids.end())
          continue;
        auto* owner = entry(*by_id[it->second.coll], it->second.key);
        if (owner && owner->deleting())
          queue_examine(it->second.coll, it->second.key);
      }
    };
    examine_owners(obj);
    if (prev)
      examine_owners(*prev);
    if (c.info.namespaced) {
      auto ns = meta_string(obj, "namespace");
      auto* nso = namespace_entry(ns);
      if (nso && nso->deleting())
        queue_examine(find_coll("", "namespaces")->id, key_of("", ns));
    }
  }

  void queue_examine(uint32_t cid, const std::string& key) {
    if (gc_pending.emplace(cid, key).second)
      gc_queue.push_back({false, cid, key, {}});
  }

  /// What `commit_put` stored: the tree and the entry holding its text.
  struct committed {
    object_ptr object;
    stored_ptr entry;
  };

  api_result<committed> commit_put(collection& c, const std::string& key, json obj) {
    int64_t rv = rev + 1;
    meta_mut(obj)["resourceVersion"] = std::to_string(rv);
    auto sp = std::make_shared<const json>(std::move(obj));
    auto entry = stored_object::from_tree(sp); // throws on invalid UTF-8: nothing changed yet
    if (durable) {
      wal_record r{wal_record::kind::put, rv, c.info.group, c.info.plural, {}, {}, nullptr,
                   text_of(entry)};
      // Buffered only: the public operation waits for durability after releasing `mu`.
      if (auto ok = durable->append_buffered(r); !ok) {
        ++wal_failures;
        return api_error::internal(ok.error().message);
      }
    }
    rev = rv;
    stored_ptr prev_entry;
    object_ptr prev;
    auto it = c.objects.find(key);
    if (it != c.objects.end()) {
      prev_entry = it->second;
      prev = prev_entry->tree();
      index_remove(c, key, *prev);
      it->second = entry;
    } else {
      c.objects.emplace(key, entry);
    }
    index_add(c, key, *sp);
    after_commit(c, prev ? watch_event_type::modified : watch_event_type::added, entry, sp,
                 prev_entry, prev, rv);
    gc_triggers(c, key, *sp, false, prev.get());
    return committed{sp, entry};
  }

  api_result<object_ptr> commit_delete(collection& c, const std::string& key) {
    auto it = c.objects.find(key);
    if (it == c.objects.end())
      return api_error::internal("object vanished during delete");
    stored_ptr prev_entry = it->second;
    object_ptr prev = prev_entry->tree();
    int64_t rv = rev + 1;
    json last = *prev;
    meta_mut(last)["resourceVersion"] = std::to_string(rv);
    auto sp = std::make_shared<const json>(std::move(last));
    auto entry = stored_object::from_tree(sp);
    if (durable) {
      wal_record r{wal_record::kind::remove, rv, c.info.group, c.info.plural,
                   meta_string(*prev, "namespace"), meta_string(*prev, "name"), nullptr, nullptr};
      if (auto ok = durable->append_buffered(r); !ok) {
        ++wal_failures;
        return api_error::internal(ok.error().message);
      }
    }
    rev = rv;
    index_remove(c, key, *prev);
    c.objects.erase(it);
    after_commit(c, watch_event_type::deleted, entry, sp, prev_entry, prev, rv);
    gc_triggers(c, key, *sp, true, nullptr);
    return sp;
  }

  // Background compaction: under `mu` the log is rotated and the object pointers (immutable,
  // shared) are copied; another thread serialises and writes the snapshot. Falls back to a
  // synchronous snapshot when a previous background one failed (its rotated log remains).
  void compact_in_background() {
    if (snapshot_running.load(std::memory_order_acquire))
      return; // the log keeps growing until the running one finishes; checked again next commit
    if (snapshot_thread.joinable())
      snapshot_thread.join();
    ++compactions;
    if (durable->has_old_log()) {
      (void)snapshot_locked();
      return;
    }
    if (!durable->rotate())
      return;
    std::vector<wal_record> objects;
    for (auto* c : by_id)
      for (auto& [key, obj] : c->objects)
        objects.push_back(wal_record{wal_record::kind::put, rev, c->info.group, c->info.plural,
                                     {}, {}, nullptr, text_of(obj)});
    snapshot_running.store(true, std::memory_order_release);
    snapshot_thread = std::thread([this, at = rev, objs = std::move(objects)] {
      // On failure the rotated log stays (has_old_log) and the next compaction writes a
      // synchronous snapshot instead; nothing acknowledged depends on this snapshot.
      if (!durable->write_snapshot_file(at, objs))
        snapshot_failures.fetch_add(1, std::memory_order_relaxed);
      snapshot_running.store(false, std::memory_order_release);
    });
  }

  kelos::expected<void> snapshot_locked() {
    if (!durable)
      return {};
    if (snapshot_thread.joinable())
      snapshot_thread.join(); // never two snapshot writers at once

    return durable->write_snapshot(rev, [&](const std::function<void(const wal_record&)>& emit) {
      for (auto* c : by_id)
        for (auto& [key, obj] : c->objects)
          emit(wal_record{wal_record::kind::put, rev, c->info.group, c->info.plural, {}, {},
                          nullptr, text_of(obj)});
    });
  }

  // --- built-in defaults ------------------------------------------------------------------

  // apps/v1 defaults (SetDefaults_Deployment), on every write as upstream.
  static void deployment_defaults(json& obj) {
    json& spec = obj["spec"];
    if (!spec.is_object())
      spec = json::object();
    for (auto [k, v] : {std::pair{"replicas", 1}, std::pair{"revisionHistoryLimit", 10},
                        std::pair{"progressDeadlineSeconds", 600}})
      if (!spec.contains(k) || spec[k].is_null())
        spec[k] = v;
    json& strategy = spec["strategy"];
    if (!strategy.is_object())
      strategy = json::object();
    if (k8s::get_string(strategy, "type").empty())
      strategy["type"] = "RollingUpdate";
    if (strategy["type"] == "RollingUpdate") {
      json& rolling = strategy["rollingUpdate"];
      if (!rolling.is_object())
        rolling = json::object();
      for (const char* k : {"maxUnavailable", "maxSurge"})
        if (!rolling.contains(k) || rolling[k].is_null())
          rolling[k] = "25%";
    }
  }

  void builtin_defaults(const collection& c, json& obj, bool creating) {
    const auto& info = c.info;
    if (info.group.empty() && info.plural == "secrets") {
      if (auto it = obj.find("stringData"); it != obj.end()) {
        if (it->is_object()) {
          json& data = obj["data"];
          if (!data.is_object())
            data = json::object();
          for (auto& [k, v] : it->items())
            if (v.is_string())
              data[k] = k8s::base64_encode(v.get<std::string>());
        }
        obj.erase("stringData");
      }
      if (k8s::get_string(obj, "type").empty())
        obj["type"] = "Opaque";
    }
    if (info.group == "apps" && info.plural == "deployments")
      deployment_defaults(obj);
    if (!creating)
      return;
    if (info.group.empty() && info.plural == "namespaces") {
      obj["status"] = {{"phase", "Active"}};
      json& spec = obj["spec"];
      if (!spec.is_object())
        spec = json::object();
      if (!spec.contains("finalizers"))
        spec["finalizers"] = json::array({"kubernetes"});
    } else if (info.group.empty() && info.plural == "pods") {
      obj["status"] = {{"phase", "Pending"}};
    } else if (info.group == "batch" && info.plural == "jobs") {
      json& spec = obj["spec"];
      if (!spec.is_object())
        spec = json::object();
      auto uid = meta_string(obj, "uid");
      auto name = meta_string(obj, "name");
      if (!k8s::get_bool(spec, "manualSelector") && !spec.contains("selector"))
        spec["selector"] = {{"matchLabels", {{"batch.kubernetes.io/controller-uid", uid}}}};
      json& tmpl = spec["template"];
      if (!tmpl.is_object())
        tmpl = json::object();
      json& tmeta = tmpl["metadata"];
      if (!tmeta.is_object())
        tmeta = json::object();
      json& labels = tmeta["labels"];
      if (!labels.is_object())
        labels = json::object();
      for (auto [k, v] : {std::pair{"batch.kubernetes.io/controller-uid", uid},
                          std::pair{"batch.kubernetes.io/job-name", name},
                          std::pair{"controller-uid", uid}, std::pair{"job-name", name}})
        if (!labels.contains(k))
          labels[k] = v;
      for (auto [k, v] : {std::pair{"parallelism", 1}, std::pair{"completions", 1},
                          std::pair{"backoffLimit", 6}})
        if (!spec.contains(k))
          spec[k] = v;
    }
  }

  // --- create ------------------------------------------------------------------------------

  api_result<write_result> create_locked(collection& c, std::string_view ns_in, json obj,
                                         const write_options& opts) {
    const auto& res = c.info;
    if (!obj.is_object())
      return api_error::bad_request("the body of the request must be a JSON object");
    if (obj.contains("metadata") && !obj["metadata"].is_object())
      return api_error::bad_request("metadata must be an object");
    json& m = meta_mut(obj);
    std::string ns = res.namespaced ? std::string(ns_in) : std::string();
    if (res.namespaced) {
      auto body_ns = k8s::get_string(m, "namespace");
      if (ns.empty())
        ns = body_ns;
      if (ns.empty())
        return api_error::bad_request("the server could not find the requested resource: a "
                                      "namespace is required for " + res.qualified_plural());
      if (!body_ns.empty() && body_ns != ns)
        return api_error::bad_request(
          "the namespace of the provided object does not match the namespace sent on the request");
      m["namespace"] = ns;
    } else {
      m.erase("namespace");
    }
    std::string name = k8s::get_string(m, "name");
    std::string generate = k8s::get_string(m, "generateName");
    if (name.empty() && generate.empty())
      return api_error::invalid(res, "", {{"FieldValueRequired",
                                           "Required value: name or generateName is required",
                                           "metadata.name"}});
    if (res.namespaced) {
      auto* nso = namespace_entry(ns);
      if (!nso)
        return api_error::not_found(namespace_info(), ns);
      if (nso->deleting())
        return api_error::forbidden(res, name.empty() ? generate : name,
                                    "unable to create new content in namespace " + ns
                                      + " because it is being terminated");
    }
    // generateName: upstream retries collisions (RetryGenerateName); under our lock one
    // check per candidate is definitive.
    bool generated = name.empty();
    for (int attempt = 0; name.empty() || (generated && c.objects.count(key_of(ns, name))); ++attempt) {
      if (attempt >= 8)
        return api_error::already_exists(res, name);
      name = generate_name(generate);
    }
    auto check = (res.group.empty() && res.plural == "namespaces") ? check_dns1123_label(name)
                                                                     : check_dns1123_subdomain(name);
    if (check)
      return api_error::invalid(res, name, {{"FieldValueInvalid",
                                             "Invalid value: \"" + name + "\": " + *check,
                                             "metadata.name"}});
    std::string key = key_of(ns, name);
    if (c.objects.count(key))
      return api_error::already_exists(res, name);
    if (auto causes = check_labels_and_annotations(obj); !causes.empty())
      return api_error::invalid(res, name, std::move(causes));
    m["name"] = name;
    // Server-managed metadata: whatever the client sent is replaced.
    m["uid"] = new_uid();
    m["creationTimestamp"] = now_text();
    m["generation"] = 1;
    for (auto f : {"resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"})
      m.erase(f);
    if (!obj.contains("apiVersion"))
      obj["apiVersion"] = res.api_version();
    if (!obj.contains("kind"))
      obj["kind"] = res.kind;
    if (res.has_subresource("status"))
      obj.erase("status");
    builtin_defaults(c, obj, true);
    if (c.hook) {
      admission_context ctx{admission_operation::create, &c.info, opts.subresource,
                            opts.field_manager, opts.dry_run};
      auto admitted = c.hook(std::move(obj), nullptr, ctx);
      if (!admitted)
        return std::move(admitted).error();
      obj = std::move(*admitted);
    }
    if (opts.dry_run)
      return write_result{std::make_shared<const json>(std::move(obj)), true, false, nullptr};
    auto stored = commit_put(c, key, std::move(obj));
    if (!stored)
      return std::move(stored).error();
    return write_result{stored->object, true, false, stored->entry};
  }

  // --- update ------------------------------------------------------------------------------

  api_result<write_result> update_locked(collection& c, const std::string& ns,
                                         const std::string& name, const object_ptr& cur,
                                         json desired, const write_options& opts) {
    const auto& res = c.info;
    if (!desired.is_object())
      return api_error::bad_request("the body of the request must be a JSON object");
    if (desired.contains("metadata") && !desired["metadata"].is_object())
      return api_error::bad_request("metadata must be an object");
    const json& dm = meta_of(desired);
    auto body_name = k8s::get_string(dm, "name");
    if (!body_name.empty() && body_name != name)
      return api_error::bad_request("the name of the object (" + body_name
                                    + ") does not match the name on the URL (" + name + ")");
    auto body_ns = k8s::get_string(dm, "namespace");
    if (res.namespaced && !body_ns.empty() && body_ns != ns)
      return api_error::bad_request(
        "the namespace of the provided object does not match the namespace sent on the request");
    auto body_rv = k8s::get_string(dm, "resourceVersion");
    const json& cm = meta_of(*cur);
    if (!body_rv.empty() && body_rv != k8s::get_string(cm, "resourceVersion"))
      return api_error::conflict(res, name);
    // A body naming another incarnation of the object (deleted and recreated) must not
    // overwrite the new one.
    auto body_uid = k8s::get_string(dm, "uid");
    if (opts.subresource != "status" && !body_uid.empty()
        && body_uid != k8s::get_string(cm, "uid"))
      return api_error::conflict(res, name,
                                 "Precondition failed: UID in precondition: " + body_uid
                                   + ", UID in object meta: " + k8s::get_string(cm, "uid"));
    bool has_status = res.has_subresource("status");
    json next;
    if (opts.subresource == "status") {
      // /status changes status only (metadata is reset as upstream's
      // ResetObjectMetaForStatus does, except managedFields).
      next = *cur;
      if (auto it = desired.find("status"); it != desired.end())
        next["status"] = *it;
      else
        next.erase("status");
      if (auto it = dm.find("managedFields"); it != dm.end())
        meta_mut(next)["managedFields"] = *it;
    } else {
      next = std::move(desired);
      if (has_status) {
        if (auto it = cur->find("status"); it != cur->end())
          next["status"] = *it;
        else
          next.erase("status");
      }
      json& m = meta_mut(next);
      for (auto f : {"uid", "creationTimestamp", "generation", "deletionTimestamp",
                     "deletionGracePeriodSeconds", "generateName"}) {
        if (auto it = cm.find(f); it != cm.end())
          m[f] = *it;
        else
          m.erase(f);
      }
      m.erase("selfLink");
      m["name"] = name;
      if (res.namespaced)
        m["namespace"] = ns;
      else
        m.erase("namespace");
      if (!next.contains("apiVersion") && cur->contains("apiVersion"))
        next["apiVersion"] = (*cur)["apiVersion"];
      if (!next.contains("kind") && cur->contains("kind"))
        next["kind"] = (*cur)["kind"];
      if (is_deleting(*cur)) {
        auto old_f = finalizers_of(*cur);
        std::vector<std::string> added;
        for (auto& f : finalizers_of(next))
          if (std::find(old_f.begin(), old_f.end(), f) == old_f.end())
            added.push_back(f);
        if (!added.empty()) {
          std::string list;
          for (size_t i = 0; i < added.size(); ++i)
            list += (i ? ", \"" : "\"") + added[i] + "\"";
          return api_error::invalid(
            res, name, {{"FieldValueForbidden",
                         "Forbidden: no new finalizers can be added if the object is being "
                         "deleted, found new finalizers []string{" + list + "}",
                         "metadata.finalizers"}});
        }
      }
      builtin_defaults(c, next, false);
      if (auto causes = check_labels_and_annotations(next); !causes.empty())
        return api_error::invalid(res, name, std::move(causes));
    }
    meta_mut(next)["resourceVersion"] = k8s::get_string(cm, "resourceVersion");
    if (c.hook) {
      admission_context ctx{admission_operation::update, &c.info, opts.subresource,
                            opts.field_manager, opts.dry_run};
      auto admitted = c.hook(std::move(next), cur.get(), ctx);
      if (!admitted)
        return std::move(admitted).error();
      next = std::move(*admitted);
      meta_mut(next)["resourceVersion"] = k8s::get_string(cm, "resourceVersion");
    }
    if (generation_content_differs(next, *cur, has_status))
      meta_mut(next)["generation"] = k8s::get_int(cm, "generation", 0) + 1;
    if (next == *cur)
      return write_result{cur, false, true, nullptr};
    if (opts.dry_run)
      return write_result{std::make_shared<const json>(std::move(next)), false, false, nullptr};
    std::string key = key_of(res.namespaced ? ns : "", name);
    if (is_deleting(next) && finalizers_of(next).empty() && !is_namespace(c)) {
      // Removing the last finalizer of a deleting object deletes it: one DELETED event (as
      // upstream's errEmptiedFinalizers path), and the response is the update's result.
      auto gone = commit_delete(c, key);
      if (!gone)
        return std::move(gone).error();
      meta_mut(next)["resourceVersion"] = meta_string(**gone, "resourceVersion");
      return write_result{std::make_shared<const json>(std::move(next)), false, false, nullptr};
    }
    auto stored = commit_put(c, key, std::move(next));
    if (!stored)
      return std::move(stored).error();
    return write_result{stored->object, false, false, stored->entry};
  }

  // --- delete ------------------------------------------------------------------------------

  api_result<delete_result> delete_locked(collection& c, const std::string& key,
                                          const delete_options& opts) {
    const auto& res = c.info;
    auto cur = find(c, key);
    if (!cur)
      return api_error::not_found(res, key.substr(key.find('/') + 1));
    auto name = meta_string(*cur, "name");
    if (opts.precondition_uid && *opts.precondition_uid != meta_string(*cur, "uid"))
      return api_error::conflict(res, name,
                                 "Precondition failed: UID in precondition: "
                                   + *opts.precondition_uid + ", UID in object meta: "
                                   + meta_string(*cur, "uid"));
    if (opts.precondition_resource_version
        && *opts.precondition_resource_version != meta_string(*cur, "resourceVersion"))
      return api_error::conflict(res, name,
                                 "Precondition failed: ResourceVersion in precondition: "
                                   + *opts.precondition_resource_version
                                   + ", ResourceVersion in object meta: "
                                   + meta_string(*cur, "resourceVersion"));
    if (is_deleting(*cur))
      return delete_result{cur, false}; // a repeated DELETE changes nothing
    json next = *cur;
    bool is_namespace = res.group.empty() && res.plural == "namespaces";
    auto fins = finalizers_of(next);
    std::string policy = opts.propagation_policy;
    if (policy.empty() && res.group == "batch" && res.plural == "jobs")
      policy = "Orphan"; // batch/v1 Jobs default to orphaning their pods, as upstream
    auto drop = [&](std::string_view f) { std::erase(fins, std::string(f)); };
    auto add = [&](std::string_view f) {
      if (std::find(fins.begin(), fins.end(), f) == fins.end())
        fins.emplace_back(f);
    };
    if (policy == "Foreground") {
      drop(finalizer_orphan);
      add(finalizer_foreground);
    } else if (policy == "Orphan") {
      drop(finalizer_foreground);
      add(finalizer_orphan);
    } else if (policy == "Background" || policy.empty()) {
      drop(finalizer_orphan);
      drop(finalizer_foreground);
    } else {
      return api_error::bad_request("propagationPolicy: Unsupported value: \"" + policy
                                    + "\": supported values: \"Foreground\", \"Background\", "
                                      "\"Orphan\"");
    }
    // Only add GC finalizers when there is something to orphan / wait for.
    auto uid = meta_string(next, "uid");
    if (!dependents.count(uid)) {
      drop(finalizer_orphan);
      drop(finalizer_foreground);
    }
    if (fins.empty() && !is_namespace) {
      if (opts.dry_run)
        return delete_result{cur, true};
      auto gone = commit_delete(c, key);
      if (!gone)
        return std::move(gone).error();
      return delete_result{*gone, true};
    }
    set_finalizers(next, fins);
    json& m = meta_mut(next);
    m["deletionTimestamp"] = now_text();
    m["deletionGracePeriodSeconds"] = 0;
    m["generation"] = k8s::get_int(m, "generation", 0) + 1;
    if (is_namespace)
      next["status"]["phase"] = "Terminating";
    if (opts.dry_run)
      return delete_result{std::make_shared<const json>(std::move(next)), false};
    auto stored = commit_put(c, key, std::move(next));
    if (!stored)
      return std::move(stored).error();
    return delete_result{stored->object, false};
  }

  // --- garbage collection ----------------------------------------------------------------

  void gc_delete(collection& c, const std::string& key) {
    (void)delete_locked(c, key, delete_options{"Background", {}, {}, false});
  }

  void gc_update(collection& c, const std::string& key, json next) {
    auto cur = find(c, key);
    if (!cur || next == *cur)
      return;
    if (is_deleting(next) && finalizers_of(next).empty() && !is_namespace(c)) {
      (void)commit_delete(c, key);
      return;
    }
    (void)commit_put(c, key, std::move(next));
  }

  void remove_owner_refs(collection& c, const std::string& key, const std::string& owner_uid,
                         bool only_absent) {
    auto cur = find(c, key);
    if (!cur)
      return;
    json next = *cur;
    json& m = meta_mut(next);
    auto dep_ns = meta_string(next, "namespace");
    json kept = json::array();
    for (auto& r : m["ownerReferences"]) {
      auto uid = k8s::get_string(r, "uid");
      bool drop = only_absent ? !owner_exists(uid, dep_ns) : uid == owner_uid;
      if (!drop)
        kept.push_back(r);
    }
    if (kept.empty())
      m.erase("ownerReferences");
    else
      m["ownerReferences"] = std::move(kept);
    gc_update(c, key, std::move(next));
  }

  void gc_owner_gone(const std::string& uid) {
    auto it = dependents.find(uid);
    if (it == dependents.end())
      return;
    auto deps = it->second; // copy: the loop edits the index
    for (auto& [cid, key] : deps) {
      auto& c = *by_id[cid];
      auto obj = find(c, key);
      if (!obj)
        continue;
      auto ns = meta_string(*obj, "namespace");
      bool any_alive = false;
      for (auto& ref : owners_of(*obj))
        any_alive = any_alive || owner_exists(ref.uid, ns);
      if (any_alive)
        remove_owner_refs(c, key, uid, true);
      else
        gc_delete(c, key);
    }
  }

  void gc_examine(uint32_t cid, const std::string& key) {
    auto& c = *by_id[cid];
    auto obj = find(c, key);
    if (!obj || !is_deleting(*obj))
      return;
    auto uid = meta_string(*obj, "uid");
    auto fins = finalizers_of(*obj);
    auto has = [&](std::string_view f) { return std::find(fins.begin(), fins.end(), f) != fins.end(); };
    if (c.info.group.empty() && c.info.plural == "namespaces") {
      auto ns = meta_string(*obj, "name");
      for (auto* other : by_id) {
        if (!other->info.namespaced)
          continue;
        std::vector<std::string> keys;
        for (auto it = other->objects.lower_bound(ns + "/");
             it != other->objects.end() && it->first.compare(0, ns.size() + 1, ns + "/") == 0; ++it)
          keys.push_back(it->first);
        for (auto& k : keys)
          gc_delete(*other, k);
      }
      // Re-check after the deletions above (objects without finalizers are gone now).
      for (auto* other : by_id) {
        if (!other->info.namespaced)
          continue;
        auto it = other->objects.lower_bound(ns + "/");
        if (it != other->objects.end() && it->first.compare(0, ns.size() + 1, ns + "/") == 0)
          return;
      }
      if (fins.empty() && find(c, key))
        (void)commit_delete(c, key);
      return;
    }
    if (has(finalizer_orphan)) {
      if (auto it = dependents.find(uid); it != dependents.end()) {
        auto deps = it->second;
        for (auto& [dcid, dkey] : deps)
          remove_owner_refs(*by_id[dcid], dkey, uid, false);
      }
      json next = *find(c, key);
      std::erase(fins, std::string(finalizer_orphan));
      set_finalizers(next, fins);
      gc_update(c, key, std::move(next));
      return;
    }
    if (has(finalizer_foreground)) {
      bool blocked = false;
      if (auto it = dependents.find(uid); it != dependents.end()) {
        auto deps = it->second;
        for (auto& [dcid, dkey] : deps) {
          auto& dc = *by_id[dcid];
          auto dep = find(dc, dkey);
          if (!dep)
            continue;
          if (!is_deleting(*dep))
            gc_delete(dc, dkey);
          if (auto still = find(dc, dkey))
            for (auto& ref : owners_of(*still))
              blocked = blocked || (ref.uid == uid && ref.block);
        }
      }
      if (blocked)
        return;
      auto cur = find(c, key);
      if (!cur)
        return;
      json next = *cur;
      std::erase(fins, std::string(finalizer_foreground));
      set_finalizers(next, fins);
      gc_update(c, key, std::move(next));
    }
  }

  void run_gc() {
    // Bounded: every step either commits (finite work per object) or does nothing.
    size_t steps = 0;
    while (!gc_queue.empty() && ++steps < 1000000) {
      gc_item item = std::move(gc_queue.front());
      gc_queue.pop_front();
      if (!item.owner_gone)
        gc_pending.erase({item.coll, item.key});
      if (item.owner_gone)
        gc_owner_gone(item.uid);
      else
        gc_examine(item.coll, item.key);
    }
  }

  // --- group commit ------------------------------------------------------------------------

  /// The WAL position before an operation (call with `mu` held).
  uint64_t wal_mark() const { return durable ? durable->written() : 0; }

  // Ends a write operation: releases `mu` (delivering change hooks) and, if the operation
  // appended WAL records since `mark`, waits until they are durable. Waiting outside `mu` is
  // what lets concurrent writers share one fdatasync. Watchers and hooks may already have
  // seen the change: it survives a process crash (page cache) but not an OS crash until synced.
  kelos::expected<void> finish(std::unique_lock<std::mutex>& lock, uint64_t mark) {
    uint64_t pos = wal_mark();
    wal* w = durable.get(); // set once in open, never replaced
    drain_hooks(lock);
    if (!w || pos <= mark)
      return {};
    if (deferred_position) {
      *deferred_position = std::max(*deferred_position, pos);
      return {};
    }
    auto ok = w->wait_durable(pos);
    if (!ok) {
      std::lock_guard l(mu);
      ++wal_failures;
    }
    return ok;
  }

  // --- change hooks (outside the main lock) -------------------------------------------------

  void drain_hooks(std::unique_lock<std::mutex>& lock) {
    if (hook_queue.empty()) {
      lock.unlock();
      return;
    }
    lock.unlock();
    thread_local bool draining = false;
    if (draining)
      return; // a hook wrote to the store: the outer loop delivers it, in order
    std::lock_guard hl(hook_mu);
    draining = true;
    for (;;) {
      std::deque<std::pair<resource_info, watch_event>> batch;
      std::vector<change_hook> hooks;
      {
        std::lock_guard l(mu);
        batch.swap(hook_queue);
        hooks = on_change;
      }
      if (batch.empty())
        break;
      for (auto& [info, ev] : batch)
        for (auto& hook : hooks)
          hook(info, ev);
    }
    draining = false;
  }

  // --- reads -----------------------------------------------------------------------------

  // The collection's objects as of `rv` (rv within the event log).
  std::map<std::string, stored_ptr> state_at(const collection& c, int64_t at) const {
    std::map<std::string, stored_ptr> snap = c.objects;
    size_t first = log.first_after(at);
    for (size_t i = log.size(); i-- > first;) {
      const auto& e = log.at(i);
      if (e.collection != c.id)
        continue;
      if (e.type == watch_event_type::added)
        snap.erase(e.key);
      else
        snap[e.key] = e.prev;
    }
    return snap;
  }
};

// ---------------------------------------------------------------------------------------

object_store::object_store(store_config cfg) : impl_(std::make_unique<impl>(std::move(cfg))) {
  if (impl_->cfg.create_default_namespaces) {
    auto& ns = impl_->coll(namespace_info());
    for (auto name : {"default", "kube-system", "kube-public", "kube-node-lease"})
      if (!ns.objects.count(key_of("", name)))
        (void)impl_->create_locked(ns, "", json{{"metadata", {{"name", name}}}}, {});
  }
}

object_store::~object_store() = default;

kelos::expected<std::unique_ptr<object_store>> object_store::open(store_config cfg,
                                                                  recovery_report* report) {
  bool create_ns = cfg.create_default_namespaces;
  cfg.create_default_namespaces = false;
  auto store = std::unique_ptr<object_store>(new object_store(cfg));
  auto& d = *store->impl_;
  d.cfg.create_default_namespaces = create_ns;
  wal_recovery rec;
  if (!d.cfg.data_dir.empty()) {
    auto on_record = [&](const wal_record& r) {
      collection* c = d.find_coll(r.group, r.plural);
      if (!c) {
        resource_info info;
        info.group = r.group;
        info.plural = r.plural;
        if (r.object) {
          auto [g, v] = k8s::split_api_version(k8s::get_string(*r.object, "apiVersion"));
          info.version = v;
          info.kind = k8s::get_string(*r.object, "kind");
        }
        info.namespaced = !r.namespace_.empty();
        c = &d.coll(info);
      }
      std::string key = key_of(r.namespace_, r.name);
      if (auto it = c->objects.find(key); it != c->objects.end()) {
        d.index_remove(*c, key, *it->second->tree());
        c->objects.erase(it);
      }
      if (r.op == wal_record::kind::put) {
        c->objects.emplace(key, stored_object::from_tree(r.object));
        d.index_add(*c, key, *r.object);
      }
      d.rev = std::max(d.rev, r.rv);
    };
    auto w = wal::open(d.cfg.data_dir, d.cfg.fsync, on_record, rec);
    if (!w)
      return w.error();
    d.durable = std::move(*w);
    d.durable->sync_hook = d.cfg.wal_sync_hook;
    d.rev = std::max(d.rev, rec.snapshot_rv);
  }
  d.log.reset(d.rev);
  if (create_ns) {
    std::unique_lock lock(d.mu);
    auto& ns = d.coll(namespace_info());
    for (auto name : {"default", "kube-system", "kube-public", "kube-node-lease"})
      if (!ns.objects.count(key_of("", name)))
        (void)d.create_locked(ns, "", json{{"metadata", {{"name", name}}}}, {});
  }
  if (d.durable)
    if (auto ok = d.durable->wait_durable(d.durable->written()); !ok)
      return ok.error();
  if (report) {
    report->loaded_snapshot = rec.loaded_snapshot;
    report->snapshot_objects = rec.snapshot_objects;
    report->replayed_records = rec.replayed_records;
    report->truncated_tail = rec.truncated_tail;
    report->truncated_at = rec.truncated_at;
    report->problem = rec.problem;
    report->resource_version = d.rev;
  }
  return store;
}

int64_t object_store::current_rv() const {
  std::lock_guard lock(impl_->mu);
  return impl_->rev;
}

size_t object_store::size() const {
  std::lock_guard lock(impl_->mu);
  size_t n = 0;
  for (auto* c : impl_->by_id)
    n += c->objects.size();
  return n;
}

durability_stats object_store::durability() const {
  std::lock_guard lock(impl_->mu);
  durability_stats out;
  out.failures = impl_->wal_failures;
  out.compactions = impl_->compactions;
  out.compacting = impl_->snapshot_running.load(std::memory_order_acquire);
  if (auto& w = impl_->durable) {
    auto st = w->stats();
    out.records = st.records;
    out.syncs = st.syncs;
    out.failed = w->failed();
  }
  return out;
}

kelos::expected<void> object_store::compact() {
  std::lock_guard lock(impl_->mu);
  return impl_->snapshot_locked();
}

api_result<write_result> object_store::create(const resource_info& res, std::string_view ns,
                                              json obj, const write_options& opts) {
  return guarded([&]() -> api_result<write_result> {
    std::unique_lock lock(impl_->mu);
    uint64_t mark = impl_->wal_mark();
    auto& c = impl_->coll(res);
    auto out = impl_->create_locked(c, ns, std::move(obj), opts);
    impl_->run_gc();
    if (auto durable = impl_->finish(lock, mark); !durable)
      return api_error::internal("the change was not made durable: " + durable.error().message);
    return out;
  });
}

api_result<std::shared_ptr<const json>> object_store::get(const resource_info& res,
                                                          std::string_view ns,
                                                          std::string_view name) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->collections.find(coll_name(res.group, res.plural));
  if (it != impl_->collections.end())
    if (auto obj = impl_->find(*it->second, key_of(res.namespaced ? ns : "", name)))
      return obj;
  return api_error::not_found(res, name);
}

api_result<list_result> object_store::list(const resource_info& res, std::string_view ns,
                                           const list_options& opts) const {
  auto filter = make_filter(res, ns, opts.label_selector, opts.field_selector);
  if (!filter)
    return api_error::bad_request(filter.error().message);
  if (opts.limit < 0)
    return api_error::bad_request("limit must be non-negative");
  std::unique_lock lock(impl_->mu);
  auto& d = *impl_;
  int64_t at = d.rev;
  std::string start;
  bool exact = false;
  if (!opts.continue_token.empty()) {
    if (!opts.resource_version.empty() && opts.resource_version != "0")
      return api_error::bad_request("specifying resource version is not allowed when using continue");
    auto raw = k8s::base64_decode(opts.continue_token);
    json tok = raw ? json::parse(*raw, nullptr, false) : json();
    if (!tok.is_object() || !tok.contains("rv") || !tok["rv"].is_number_integer()
        || !tok.contains("start") || !tok["start"].is_string())
      return api_error::bad_request("continue key is not valid: incorrect encoded start "
                                    "resourceVersion (version meta.k8s.io/v1)");
    at = tok["rv"].get<int64_t>();
    start = tok["start"].get<std::string>();
    exact = true;
    if (at > d.rev || !d.log.covers(at))
      return api_error::gone(
        "The provided continue parameter is too old to display a consistent list result. You "
        "can start a new list without the continue parameter, or use the continue token in this "
        "response to retrieve the remainder of the results. Continuing with the provided token "
        "results in an inconsistent list - objects that were created, modified, or deleted "
        "between the time the first chunk was returned and now may show up in the list.");
  } else if (!opts.resource_version.empty() && opts.resource_version != "0") {
    bool ok = false;
    int64_t want = parse_rv(opts.resource_version, ok);
    if (!ok)
      return api_error::bad_request("invalid resource version \"" + opts.resource_version + "\"");
    if (opts.resource_version_match == "Exact"
        || (opts.limit > 0 && opts.resource_version_match.empty())) {
      if (want > d.rev)
        return api_error{504, "Timeout",
                         "Too large resource version: " + std::to_string(want)
                           + ", current: " + std::to_string(d.rev),
                         nullptr};
      if (!d.log.covers(want))
        return api_error::too_old_resource_version(want, d.log.floor());
      at = want;
      exact = true;
    }
  }
  list_result out;
  out.resource_version = std::to_string(at);
  // Under the mutex only the candidates' pointers are copied (the objects are immutable);
  // decoding, filtering and paging happen after it is released, so a large list does not
  // hold up writers.
  std::vector<std::pair<std::string, stored_ptr>> candidates;
  // Without selectors every candidate is an item: a page copies only limit + 1 of them and
  // counts the rest for remainingItemCount.
  const bool selective = !filter->labels.empty() || !filter->fields.empty();
  const size_t copy_at_most = !selective && opts.limit > 0 ? static_cast<size_t>(opts.limit) + 1
                                                           : std::numeric_limits<size_t>::max();
  int64_t not_copied = 0;
  {
    auto it_coll = d.collections.find(coll_name(res.group, res.plural));
    if (it_coll == d.collections.end())
      return out;
    const collection& c = *it_coll->second;
    std::map<std::string, stored_ptr> past;
    const auto* objects = &c.objects;
    if (exact && at < d.rev) {
      past = d.state_at(c, at);
      objects = &past;
    }
    auto it = start.empty() ? objects->begin() : objects->upper_bound(start);
    std::string ns_prefix = res.namespaced && !filter->namespace_.empty() ? filter->namespace_ + "/" : "";
    if (!ns_prefix.empty() && start.empty())
      it = objects->lower_bound(ns_prefix);
    for (; it != objects->end(); ++it) {
      if (!ns_prefix.empty() && it->first.compare(0, ns_prefix.size(), ns_prefix) != 0) {
        if (it->first > ns_prefix)
          break; // keys are ordered: this namespace is done
        continue;
      }
      if (candidates.size() < copy_at_most)
        candidates.emplace_back(it->first, it->second);
      else
        ++not_copied;
    }
  }
  lock.unlock();
  return guarded([&]() -> api_result<list_result> {
    std::string last;
    for (auto it = candidates.begin(); it != candidates.end(); ++it) {
      auto item = it->second->decode();
      if (!filter->matches(*item))
        continue;
      if (opts.limit > 0 && static_cast<int64_t>(out.items.size()) == opts.limit) {
        out.continue_token = encode_continue(at, last);
        // Like upstream, only an unfiltered list reports remainingItemCount.
        if (!selective)
          out.remaining_item_count = static_cast<int64_t>(candidates.end() - it) + not_copied;
        break;
      }
      out.items.push_back(std::move(item));
      last = it->first;
    }
    return out;
  });
}

api_result<write_result> object_store::update(const resource_info& res, std::string_view ns,
                                              std::string_view name, json obj,
                                              const write_options& opts) {
  return guarded([&]() -> api_result<write_result> {
    std::unique_lock lock(impl_->mu);
    uint64_t mark = impl_->wal_mark();
    auto& c = impl_->coll(res);
    std::string nss = res.namespaced ? std::string(ns) : std::string();
    auto cur = impl_->find(c, key_of(nss, name));
    if (!cur)
      return api_error::not_found(res, name);
    auto out = impl_->update_locked(c, nss, std::string(name), cur, std::move(obj), opts);
    impl_->run_gc();
    if (auto durable = impl_->finish(lock, mark); !durable)
      return api_error::internal("the change was not made durable: " + durable.error().message);
    return out;
  });
}

api_result<write_result> object_store::mutate(const resource_info& res, std::string_view ns,
                                              std::string_view name, const mutate_fn& fn,
                                              const write_options& opts, bool create_if_absent) {
  return guarded([&]() -> api_result<write_result> {
    std::unique_lock lock(impl_->mu);
    uint64_t mark = impl_->wal_mark();
    auto& c = impl_->coll(res);
    std::string nss = res.namespaced ? std::string(ns) : std::string();
    auto cur = impl_->find(c, key_of(nss, name));
    if (!cur && !create_if_absent)
      return api_error::not_found(res, name);
    auto desired = fn(cur.get());
    if (!desired)
      return std::move(desired).error();
    api_result<write_result> out = api_error::internal("unreachable");
    if (cur) {
      out = impl_->update_locked(c, nss, std::string(name), cur, std::move(*desired), opts);
    } else {
      json obj = std::move(*desired);
      if (obj.is_object()) {
        json& m = meta_mut(obj);
        auto body_name = k8s::get_string(m, "name");
        if (!body_name.empty() && body_name != name)
          return api_error::bad_request("the name of the object (" + body_name
                                        + ") does not match the name on the URL ("
                                        + std::string(name) + ")");
        m["name"] = name;
      }
      out = impl_->create_locked(c, nss, std::move(obj), opts);
    }
    impl_->run_gc();
    if (auto durable = impl_->finish(lock, mark); !durable)
      return api_error::internal("the change was not made durable: " + durable.error().message);
    return out;
  });
}

api_result<delete_result> object_store::remove(const resource_info& res, std::string_view ns,
                                               std::string_view name, const delete_options& opts) {
  return guarded([&]() -> api_result<delete_result> {
    std::unique_lock lock(impl_->mu);
    uint64_t mark = impl_->wal_mark();
    auto& c = impl_->coll(res);
    auto key = key_of(res.namespaced ? ns : "", name);
    if (!impl_->find(c, key))
      return api_error::not_found(res, name);
    auto out = impl_->delete_locked(c, key, opts);
    impl_->run_gc();
    // A delete held only by GC finalizers may have completed during the GC pass.
    if (out && !out->removed && !impl_->find(c, key))
      out->removed = true;
    if (auto durable = impl_->finish(lock, mark); !durable)
      return api_error::internal("the change was not made durable: " + durable.error().message);
    return out;
  });
}

api_result<std::vector<std::shared_ptr<const json>>> object_store::remove_collection(
  const resource_info& res, std::string_view ns, const list_options& list_opts,
  const delete_options& opts) {
  return guarded([&]() -> api_result<std::vector<std::shared_ptr<const json>>> {
    auto filter = make_filter(res, ns, list_opts.label_selector, list_opts.field_selector);
    if (!filter)
      return api_error::bad_request(filter.error().message);
    std::unique_lock lock(impl_->mu);
    uint64_t mark = impl_->wal_mark();
    auto& c = impl_->coll(res);
    std::vector<std::string> keys;
    for (auto& [key, obj] : c.objects)
      if (filter->matches(*obj->tree()))
        keys.push_back(key);
    std::vector<std::shared_ptr<const json>> out;
    for (auto& key : keys) {
      if (!impl_->find(c, key))
        continue; // removed by GC meanwhile
      auto r = impl_->delete_locked(c, key, opts);
      if (r)
        out.push_back(r->object);
      impl_->run_gc();
    }
    if (auto durable = impl_->finish(lock, mark); !durable)
      return api_error::internal("the change was not made durable: " + durable.error().message);
    return out;
  });
}

api_result<std::shared_ptr<watch_stream>> object_store::watch(const resource_info& res,
                                                              std::string_view ns,
                                                              const watch_options& opts) {
  return guarded([&]() -> api_result<std::shared_ptr<watch_stream>> {
    auto filter = make_filter(res, ns, opts.label_selector, opts.field_selector);
    if (!filter)
      return api_error::bad_request(filter.error().message);
    bool initial = opts.resource_version.empty() || opts.resource_version == "0"
                   || opts.send_initial_events;
    int64_t from = 0;
    if (!initial) {
      bool ok = false;
      from = parse_rv(opts.resource_version, ok);
      if (!ok)
        return api_error::bad_request("invalid resource version \"" + opts.resource_version + "\"");
    }
    std::lock_guard lock(impl_->mu);
    auto& d = *impl_;
    auto& c = d.coll(res);
    size_t capacity = opts.queue_capacity ? opts.queue_capacity : d.cfg.watch_queue_capacity;
    auto w = std::make_shared<watcher>();
    w->filter = std::move(*filter);
    w->bookmarks = opts.allow_bookmarks;
    w->kind = res.kind;
    w->api_version = res.api_version();
    if (!initial && !d.log.covers(from)) {
      // Upstream reports this inside the 200 watch stream.
      auto s = std::make_shared<watch_stream>(1);
      s->push({watch_event_type::error,
               std::make_shared<const json>(
                 api_error::too_old_resource_version(from, d.log.floor()).to_status()),
               0});
      s->close();
      return s;
    }
    std::vector<watch_event> first;
    if (initial) {
      for (auto& [key, entry] : c.objects)
        if (auto obj = entry->tree(); w->filter.matches(*obj))
          first.push_back({watch_event_type::added, std::move(obj), 0, entry});
      if (opts.send_initial_events) {
        json bm = {{"kind", w->kind},
                   {"apiVersion", w->api_version},
                   {"metadata",
                    {{"resourceVersion", std::to_string(d.rev)},
                     {"annotations", {{"k8s.io/initial-events-end", "true"}}}}}};
        first.push_back({watch_event_type::bookmark, std::make_shared<const json>(std::move(bm)), d.rev});
      }
    } else {
      for (size_t i = d.log.first_after(from); i < d.log.size(); ++i) {
        const auto& e = d.log.at(i);
        if (e.collection != c.id)
          continue;
        if (auto ev = transition(w->filter, e.type, e.object->tree(),
                                 e.prev ? e.prev->tree() : nullptr, e.rv, e.object))
          first.push_back(std::move(*ev));
      }
    }
    w->stream = std::make_shared<watch_stream>(capacity + first.size());
    for (auto& ev : first)
      w->stream->push(std::move(ev));
    c.watchers.push_back(w);
    return w->stream;
  });
}

void object_store::request_bookmark(const std::shared_ptr<watch_stream>& stream) {
  std::lock_guard lock(impl_->mu);
  for (auto* c : impl_->by_id)
    for (auto& w : c->watchers)
      if (w->stream == stream && w->bookmarks) {
        json bm = {{"kind", w->kind},
                   {"apiVersion", w->api_version},
                   {"metadata", {{"resourceVersion", std::to_string(impl_->rev)}}}};
        w->stream->push({watch_event_type::bookmark, std::make_shared<const json>(std::move(bm)),
                         impl_->rev});
        return;
      }
}

void object_store::stop_watch(const std::shared_ptr<watch_stream>& stream) {
  stream->close();
  std::lock_guard lock(impl_->mu);
  for (auto* c : impl_->by_id)
    std::erase_if(c->watchers, [&](auto& w) { return w->stream == stream; });
}

void object_store::set_admission_hook(const resource_info& res, admission_hook hook) {
  std::lock_guard lock(impl_->mu);
  impl_->coll(res).hook = std::move(hook);
}

void object_store::set_change_hook(change_hook hook) {
  std::lock_guard lock(impl_->mu);
  impl_->on_change.clear();
  if (hook)
    impl_->on_change.push_back(std::move(hook));
}

void object_store::add_change_hook(change_hook hook) {
  std::lock_guard lock(impl_->mu);
  if (hook)
    impl_->on_change.push_back(std::move(hook));
}

object_store::deferred_durability::deferred_durability() : outer_(deferred_position) {
  deferred_position = &position_;
}

object_store::deferred_durability::~deferred_durability() {
  deferred_position = outer_;
  if (outer_)
    *outer_ = std::max(*outer_, position_);
}

void object_store::when_durable(uint64_t position,
                                std::function<void(kelos::expected<void>)> done) {
  wal* w = impl_->durable.get(); // set once in open, never replaced
  if (!w || position == 0) {
    done({});
    return;
  }
  w->when_durable(position, [d = impl_.get(), done = std::move(done)](kelos::expected<void> r) {
    if (!r) {
      std::lock_guard l(d->mu);
      ++d->wal_failures;
    }
    done(std::move(r));
  });
}

void object_store::drain_durability_callbacks() {
  if (wal* w = impl_->durable.get())
    w->drain_callbacks();
}

json list_result::to_json(const resource_info& res) const {
  json meta = {{"resourceVersion", resource_version}};
  if (!continue_token.empty())
    meta["continue"] = continue_token;
  if (remaining_item_count)
    meta["remainingItemCount"] = *remaining_item_count;
  json arr = json::array();
  for (auto& item : items)
    arr.push_back(*item);
  return {{"kind", res.kind + "List"},
          {"apiVersion", res.api_version()},
          {"metadata", std::move(meta)},
          {"items", std::move(arr)}};
}

} // namespace kelos::apiserver
