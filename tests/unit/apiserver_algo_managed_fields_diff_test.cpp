// update_managed_fields finds changed and removed fields in one walk over both versions.
// These tests hold it to the definition it replaced, written here from the public pieces
// (fields_of, value_at): two field sets, then a value comparison per common path. Random
// object pairs cover every shape change (leaf <-> object <-> set list <-> map list), map
// lists with repeated keys, untracked metadata and status, and create (no old object).

#include "k8s/apiserver/managed_fields.hpp"

#include <gtest/gtest.h>

#include <random>

using kelos::apiserver::json;
namespace api = kelos::apiserver;

namespace {

/// The definition: what update_managed_fields computed before the single walk.
std::pair<api::field_set, api::field_set> reference_diff(const json& old_obj, const json& new_obj,
                                                         const api::list_type_info& lists, bool status_only) {
  auto scoped = [&](const json& obj) {
    api::field_set set = api::fields_of(obj, lists, !status_only);
    if (status_only)
      for (auto it = set.begin(); it != set.end();)
        it = it->front() == "f:status" ? std::next(it) : set.erase(it);
    return set;
  };
  api::field_set old_set = scoped(old_obj);
  api::field_set new_set = scoped(new_obj);
  api::field_set changed, removed;
  for (const auto& p : new_set) {
    if (!old_set.count(p)) {
      changed.insert(p);
      continue;
    }
    char last = p.back()[0];
    if (last == 'k' || last == 'v')
      continue;
    const json* a = api::value_at(old_obj, p);
    const json* b = api::value_at(new_obj, p);
    if (!a || !b || *a != *b)
      changed.insert(p);
  }
  for (const auto& p : old_set)
    if (!new_set.count(p))
      removed.insert(p);
  return {changed, removed};
}

/// The managedFields update the definition gives for a manager that starts with no entries:
/// the manager owns exactly `changed` (minus `removed`).
json expected_managed_fields(const json& old_obj, const json& new_obj, const api::list_type_info& lists,
                             const std::string& subresource) {
  auto [changed, removed] = reference_diff(old_obj, new_obj, lists, subresource == "status");
  api::managed_fields_entry e;
  e.manager = "m";
  e.operation = "Update";
  e.api_version = "v1";
  e.time = "t";
  e.subresource = subresource;
  for (const auto& p : changed)
    if (!removed.count(p))
      e.fields.insert(p);
  std::vector<api::managed_fields_entry> entries;
  if (!changed.empty())
    entries.push_back(e);
  return api::managed_fields_to_json(entries);
}

api::list_type_info test_lists() {
  api::list_type_info lists;
  lists.lists["metadata.finalizers"] = {api::list_kind::set, {}};
  lists.lists["spec.tags"] = {api::list_kind::set, {}};
  lists.lists["spec.items"] = {api::list_kind::map, {"name"}};
  lists.lists["spec.ports"] = {api::list_kind::map, {"port", "proto"}};
  lists.lists["status.conditions"] = {api::list_kind::map, {"type"}};
  lists.lists["spec.items.env"] = {api::list_kind::map, {"name"}};
  return lists;
}

class random_objects {
public:
  explicit random_objects(unsigned seed) : rng_(seed) {}

  json scalar() {
    switch (pick(5)) {
      case 0: return pick(3);
      case 1: return std::string(1, static_cast<char>('a' + pick(3)));
      case 2: return pick(2) == 1;
      case 3: return nullptr;
      default: return json::object();
    }
  }

  json item(int depth, bool keyed_by_port) {
    json o = json::object();
    if (keyed_by_port) {
      o["port"] = pick(3);
      if (pick(6) != 0)
        o["proto"] = pick(2) == 0 ? "TCP" : "UDP";
    } else if (pick(8) != 0) {
      o["name"] = std::string(1, static_cast<char>('a' + pick(4)));
    }
    for (int i = pick(3); i > 0; --i)
      o[field()] = value(depth + 1);
    if (depth < 2 && pick(3) == 0)
      o["env"] = list(depth + 1, false);
    return o;
  }

  json list(int depth, bool keyed_by_port) {
    json a = json::array();
    for (int i = pick(4); i > 0; --i)
      a.push_back(pick(7) == 0 ? scalar() : item(depth, keyed_by_port));
    return a;
  }

  json value(int depth) {
    int r = pick(depth >= 3 ? 2 : 5);
    if (r < 2)
      return scalar();
    if (r == 2) {
      json o = json::object();
      for (int i = pick(3); i > 0; --i)
        o[field()] = value(depth + 1);
      return o;
    }
    if (r == 3) {
      json a = json::array();
      for (int i = pick(3); i > 0; --i)
        a.push_back(scalar());
      return a;
    }
    return list(depth, false);
  }

  /// A Task-like object whose spec and status use every list strategy of `test_lists`.
  json object() {
    json o = {{"apiVersion", "v1"}, {"kind", "Thing"}};
    json meta = {{"name", "x"}};
    if (pick(2))
      meta["resourceVersion"] = std::to_string(pick(9));
    if (pick(2))
      meta["labels"] = {{"a", std::string(1, static_cast<char>('a' + pick(2)))}};
    if (pick(2)) {
      json f = json::array();
      for (int i = pick(3); i > 0; --i)
        f.push_back(std::string(1, static_cast<char>('a' + pick(3))));
      meta["finalizers"] = f;
    }
    o["metadata"] = meta;
    json spec = json::object();
    const char* keys[] = {"tags", "items", "ports", "prompt", "nested"};
    for (const char* k : keys) {
      if (pick(3) == 0)
        continue;
      std::string key = k;
      if (key == "tags") {
        json a = json::array();
        for (int i = pick(4); i > 0; --i)
          a.push_back(pick(4) == 0 ? json{{"x", 1}} : json(std::string(1, static_cast<char>('a' + pick(3)))));
        spec[key] = pick(6) == 0 ? scalar() : a;
      } else if (key == "items") {
        spec[key] = pick(6) == 0 ? value(1) : list(1, false);
      } else if (key == "ports") {
        spec[key] = list(1, true);
      } else {
        spec[key] = value(1);
      }
    }
    o["spec"] = spec;
    if (pick(2)) {
      json status = {{"phase", pick(2) == 0 ? "Pending" : "Running"}};
      if (pick(2))
        status["conditions"] = json::array({{{"type", "Ready"}, {"status", pick(2) == 0 ? "True" : "False"}}});
      o["status"] = status;
    }
    return o;
  }

  /// `o` with a few random edits, so that most of it stays equal.
  json mutate(json o) {
    for (int n = 1 + pick(3); n > 0; --n) {
      switch (pick(6)) {
        case 0: o["spec"] = object()["spec"]; break;
        case 1:
          if (o["spec"].is_object() && !o["spec"].empty())
            o["spec"].erase(o["spec"].begin());
          break;
        case 2: o["spec"][std::string(1, static_cast<char>('a' + pick(3)))] = value(1); break;
        case 3: o["metadata"]["finalizers"] = json::array({"a", std::string(1, static_cast<char>('a' + pick(3)))}); break;
        case 4: o["status"] = object().value("status", json::object()); break;
        default:
          if (o["spec"].contains("items") && o["spec"]["items"].is_array() && !o["spec"]["items"].empty()
              && o["spec"]["items"][0].is_object())
            o["spec"]["items"][0][field()] = scalar();
          else
            o["spec"]["items"] = list(1, false);
          break;
      }
    }
    return o;
  }

private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string field() { return std::string(1, static_cast<char>('p' + pick(4))); }
  std::mt19937 rng_;
};

} // namespace

TEST(ManagedFieldsDiff, MatchesTheTwoSetDefinitionOnRandomObjectPairs) {
  auto lists = test_lists();
  random_objects gen(20261124);
  int checked = 0;
  for (int i = 0; i < 4000; ++i) {
    json old_obj = gen.object();
    json new_obj = i % 4 == 0 ? gen.object() : gen.mutate(old_obj);
    for (const std::string subresource : {"", "status"}) {
      json from = i % 10 == 0 ? json(nullptr) : old_obj; // every tenth is a create
      auto got = api::update_managed_fields(from, new_obj, "m", "v1", "t", lists, subresource);
      ASSERT_TRUE(got) << got.error().message;
      auto want = expected_managed_fields(from, new_obj, lists, subresource);
      ASSERT_EQ(*got, want) << "old: " << from.dump() << "\nnew: " << new_obj.dump() << "\nsubresource: "
                            << subresource;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 8000);
}

TEST(ManagedFieldsDiff, AnotherManagerLosesExactlyTheChangedAndRemovedFields) {
  auto lists = test_lists();
  random_objects gen(7);
  for (int i = 0; i < 1000; ++i) {
    json old_obj = gen.object();
    json new_obj = gen.mutate(old_obj);
    // "owner" owns every field of the old version.
    api::managed_fields_entry owner{"owner", "Update", "v1", "t0", "", api::fields_of(old_obj, lists, true)};
    if (owner.fields.empty())
      continue;
    old_obj["metadata"]["managedFields"] = api::managed_fields_to_json({owner});
    auto got = api::update_managed_fields(old_obj, new_obj, "m", "v1", "t", lists);
    ASSERT_TRUE(got) << got.error().message;
    auto [changed, removed] = reference_diff(old_obj, new_obj, lists, false);
    for (const auto& p : changed)
      owner.fields.erase(p);
    for (const auto& p : removed)
      owner.fields.erase(p);
    std::vector<api::managed_fields_entry> want{owner};
    if (!changed.empty()) {
      api::managed_fields_entry mine{"m", "Update", "v1", "t", "", {}};
      for (const auto& p : changed)
        if (!removed.count(p))
          mine.fields.insert(p);
      want.push_back(mine);
    }
    ASSERT_EQ(*got, api::managed_fields_to_json(want)) << "old: " << old_obj.dump() << "\nnew: " << new_obj.dump();
  }
}

// Entries a write leaves alone are copied from the stored object; the others are rebuilt.
// Either way the result must equal rebuilding every entry.
TEST(ManagedFieldsDiff, EntriesTheWriteLeavesAloneComeOutAsStored) {
  auto lists = test_lists();
  api::field_set a{{"f:spec", "f:a"}};
  api::field_set b{{"f:spec", "f:b"}};
  api::managed_fields_entry owner{"owner", "Update", "v1", "t0", "", a};
  api::managed_fields_entry mine{"m", "Update", "v1", "t0", "", b};
  json old_obj = {{"metadata", {{"name", "x"}, {"managedFields", api::managed_fields_to_json({owner, mine})}}},
                  {"spec", {{"a", 1}, {"b", 1}}}};
  auto write = [&](json spec) {
    json new_obj = old_obj;
    new_obj["spec"] = std::move(spec);
    auto got = api::update_managed_fields(old_obj, new_obj, "m", "v1", "t1", lists);
    EXPECT_TRUE(got) << got.error().message;
    return got ? *got : json();
  };
  // Nothing changes: both entries as stored, times included.
  EXPECT_EQ(write({{"a", 1}, {"b", 1}}), old_obj["metadata"]["managedFields"]);
  // m changes its own field: its entry gets the new time, owner's stays as stored.
  auto m_now = mine;
  m_now.time = "t1";
  EXPECT_EQ(write({{"a", 1}, {"b", 2}}), api::managed_fields_to_json({owner, m_now}));
  // m changes owner's field: owner loses it (and its now empty entry), m takes it.
  auto m_took = m_now;
  m_took.fields.insert({"f:spec", "f:a"});
  EXPECT_EQ(write({{"a", 2}, {"b", 1}}), api::managed_fields_to_json({m_took}));
  // A new manager adds a field: both stored entries untouched, a third one appended.
  json new_obj = old_obj;
  new_obj["spec"]["c"] = 1;
  auto got = api::update_managed_fields(old_obj, new_obj, "n", "v1", "t2", lists);
  ASSERT_TRUE(got) << got.error().message;
  api::managed_fields_entry added{"n", "Update", "v1", "t2", "", {{"f:spec", "f:c"}}};
  EXPECT_EQ(*got, api::managed_fields_to_json({owner, mine, added}));
}

// A create's entry is built as FieldsV1 in one walk (fields_v1_of); it must equal the
// encoding of the field set, with and without status, and give way (nullopt) exactly when a
// map list repeats an item key, where the set-based path merges the items.
TEST(ManagedFieldsDiff, FieldsV1BuiltInOneWalkEqualsTheFieldSetEncoding) {
  auto lists = test_lists();
  random_objects gen(20261125);
  int direct = 0, merged = 0;
  for (int i = 0; i < 4000; ++i) {
    json obj = i % 3 == 0 ? gen.mutate(gen.object()) : gen.object();
    for (bool ignore_status : {true, false}) {
      auto want = api::field_set_to_fields_v1(api::fields_of(obj, lists, ignore_status));
      auto got = api::fields_v1_of(obj, lists, ignore_status);
      if (got) {
        ASSERT_EQ(*got, want) << obj.dump() << "\nignore_status: " << ignore_status;
        ++direct;
      } else {
        ++merged;
      }
    }
  }
  EXPECT_GT(direct, 6000);
  EXPECT_GT(merged, 0) << "the generator makes map lists with repeated keys";
}

TEST(ManagedFieldsDiff, FieldsV1OfAnObjectWithOnlyUntrackedFieldsIsEmpty) {
  auto lists = test_lists();
  json obj = {{"apiVersion", "v1"}, {"kind", "Thing"}, {"metadata", {{"name", "x"}, {"uid", "u"}}},
              {"status", {{"phase", "Running"}}}};
  EXPECT_EQ(api::fields_v1_of(obj, lists, true), json::object());
  auto created = api::update_managed_fields(json(), obj, "m", "v1", "t", lists);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(*created, json::array()) << "a create that owns nothing has no entry";
  json with_spec = obj;
  with_spec["spec"] = {{"items", json::array({{{"name", "a"}, {"v", 1}}})}, {"empty", json::object()}};
  auto entry = api::update_managed_fields(json(), with_spec, "m", "v1", "t", lists);
  ASSERT_TRUE(entry) << entry.error().message;
  EXPECT_EQ(*entry, json::parse(R"([{"manager":"m","operation":"Update","apiVersion":"v1","time":"t",
    "fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:empty":{},"f:items":{"k:{\"name\":\"a\"}":{
    ".":{},"f:name":{},"f:v":{}}}}}}])"));
}
