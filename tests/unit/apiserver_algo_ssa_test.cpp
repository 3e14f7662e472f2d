#include "k8s/apiserver/managed_fields.hpp"
#include "k8s/apiserver/server_side_apply.hpp"

#include <gtest/gtest.h>

using kelos::apiserver::json;
namespace api = kelos::apiserver;

namespace {

json j(const char* text) {
  return json::parse(text);
}

const std::string task_version = "kelos.dev/v1alpha1";

json task(const char* prompt) {
  json t = j(R"({"apiVersion":"kelos.dev/v1alpha1","kind":"Task",
    "metadata":{"name":"t","namespace":"default"},
    "spec":{"type":"claude-code","credentials":{"type":"api-key"}}})");
  t["spec"]["prompt"] = prompt;
  return t;
}

// A stored object as the server keeps it: system metadata plus managed fields.
json stored(json obj, const json& managed) {
  obj["metadata"]["uid"] = "u-1";
  obj["metadata"]["resourceVersion"] = "7";
  obj["metadata"]["managedFields"] = managed;
  return obj;
}

api::apply_request request(json live, json applied, std::string manager, bool force = false) {
  api::apply_request req;
  req.live = std::move(live);
  req.applied = std::move(applied);
  req.manager = std::move(manager);
  req.force = force;
  req.api_version = task_version;
  req.now = "2026-11-23T00:00:00Z";
  return req;
}

// The object as created by `kubectl create` (an Update by kubectl-client-side-apply).
json created_by_client_side_apply(const json& obj) {
  auto mf = api::update_managed_fields(nullptr, obj, "kubectl-client-side-apply", task_version,
                                       "2026-11-22T00:00:00Z", api::list_type_info{});
  EXPECT_TRUE(mf);
  return stored(obj, *mf);
}

const api::managed_fields_entry* entry(const std::vector<api::managed_fields_entry>& es,
                                       const std::string& manager) {
  for (const auto& e : es)
    if (e.manager == manager)
      return &e;
  return nullptr;
}

api::field_path path(std::initializer_list<const char*> elems) {
  return api::field_path(elems.begin(), elems.end());
}

} // namespace

TEST(ManagedFields, FieldsV1RoundTripWithItemMarkers) {
  api::field_set set{
      path({"f:spec", "f:prompt"}),
      path({"f:spec", "f:containers", R"(k:{"name":"a"})"}),
      path({"f:spec", "f:containers", R"(k:{"name":"a"})", "f:image"}),
      path({"f:metadata", "f:finalizers", R"(v:"x")"}),
  };
  json v1 = api::field_set_to_fields_v1(set);
  EXPECT_EQ(v1, j(R"({"f:metadata":{"f:finalizers":{"v:\"x\"":{}}},
    "f:spec":{"f:containers":{"k:{\"name\":\"a\"}":{".":{},"f:image":{}}},"f:prompt":{}}})"));
  auto back = api::field_set_from_fields_v1(v1);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, set);
  EXPECT_FALSE(api::field_set_from_fields_v1(j(R"({"x:bad":{}})")));
  EXPECT_FALSE(api::field_set_from_fields_v1(j(R"({"f:a":1})")));
}

TEST(ManagedFields, PathStringsMatchUpstream) {
  EXPECT_EQ(api::field_path_string(path({"f:spec", "f:prompt"})), ".spec.prompt");
  EXPECT_EQ(api::field_path_string(path({"f:spec", "f:containers", R"(k:{"name":"app"})",
                                         "f:image"})),
            R"(.spec.containers[name="app"].image)");
  EXPECT_EQ(api::field_path_string(path({"f:metadata", "f:finalizers", R"(v:"x")"})),
            R"(.metadata.finalizers[="x"])");
}

TEST(ManagedFields, FieldsOfUsesListTypesAndSkipsSystemFields) {
  json pod = j(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","uid":"u",
    "labels":{"a":"1"},"finalizers":["f"]},
    "spec":{"containers":[{"name":"c","image":"i"}],"tolerations":[{"key":"k"}]},
    "status":{"phase":"Running"}})");
  auto set = api::fields_of(pod, api::builtin_list_types("Pod"), true);
  EXPECT_EQ(set, (api::field_set{
                     path({"f:metadata", "f:labels", "f:a"}),
                     path({"f:metadata", "f:finalizers", R"(v:"f")"}),
                     path({"f:spec", "f:containers", R"(k:{"name":"c"})"}),
                     path({"f:spec", "f:containers", R"(k:{"name":"c"})", "f:image"}),
                     path({"f:spec", "f:containers", R"(k:{"name":"c"})", "f:name"}),
                     path({"f:spec", "f:tolerations"}),
                 }));
}

TEST(ManagedFields, UpdateTransfersOwnershipOfChangedFields) {
  json live = created_by_client_side_apply(task("one"));
  json next = live;
  next["spec"]["prompt"] = "two";
  auto mf = api::update_managed_fields(live, next, "kubectl-edit", task_version,
                                       "2026-11-23T00:00:00Z", api::list_type_info{});
  ASSERT_TRUE(mf);
  json obj = next;
  obj["metadata"]["managedFields"] = *mf;
  auto entries = api::parse_managed_fields(obj);
  ASSERT_TRUE(entries);
  const auto* csa = entry(*entries, "kubectl-client-side-apply");
  const auto* edit = entry(*entries, "kubectl-edit");
  ASSERT_TRUE(csa && edit);
  EXPECT_FALSE(csa->fields.count(path({"f:spec", "f:prompt"})));
  EXPECT_TRUE(csa->fields.count(path({"f:spec", "f:type"})));
  EXPECT_EQ(edit->fields, (api::field_set{path({"f:spec", "f:prompt"})}));
  EXPECT_EQ(edit->operation, "Update");
  EXPECT_EQ(edit->time, "2026-11-23T00:00:00Z");
}

TEST(ServerSideApply, CreatesObjectWithApplyEntry) {
  auto r = api::server_side_apply(request(nullptr, task("hello"), "kubectl"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(r->ok());
  EXPECT_EQ(r->object["spec"]["prompt"], "hello");
  ASSERT_EQ(r->managed_fields.size(), 1u);
  const json& e = r->managed_fields[0];
  EXPECT_EQ(e["manager"], "kubectl");
  EXPECT_EQ(e["operation"], "Apply");
  EXPECT_EQ(e["apiVersion"], task_version);
  EXPECT_EQ(e["fieldsType"], "FieldsV1");
  EXPECT_EQ(e["fieldsV1"], j(R"({"f:spec":{"f:credentials":{"f:type":{}},"f:prompt":{},
    "f:type":{}}})"));
  EXPECT_EQ(r->object["metadata"]["managedFields"], r->managed_fields);
}

TEST(ServerSideApply, ConflictWithClientSideApplyOwner) {
  json live = created_by_client_side_apply(task("one"));
  auto r = api::server_side_apply(request(live, task("two"), "kubectl"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_FALSE(r->ok());
  ASSERT_EQ(r->conflicts.size(), 1u);
  EXPECT_EQ(r->conflicts[0].field, ".spec.prompt");
  EXPECT_EQ(r->conflict_message,
            "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using "
            "kelos.dev/v1alpha1: .spec.prompt");
  json status = api::apply_conflict_status(*r);
  EXPECT_EQ(status["code"], 409);
  EXPECT_EQ(status["reason"], "Conflict");
  EXPECT_EQ(status["details"]["causes"][0]["reason"], "FieldManagerConflict");
  EXPECT_EQ(status["details"]["causes"][0]["field"], ".spec.prompt");
  EXPECT_EQ(status["details"]["causes"][0]["message"],
            "conflict with \"kubectl-client-side-apply\" using kelos.dev/v1alpha1");
}

TEST(ServerSideApply, SameValueSharesOwnershipWithoutConflict) {
  json live = created_by_client_side_apply(task("one"));
  auto r = api::server_side_apply(request(live, task("one"), "kubectl"));
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->ok());
  auto entries = api::parse_managed_fields(r->object);
  ASSERT_TRUE(entries);
  EXPECT_TRUE(entry(*entries, "kubectl-client-side-apply")->fields.count(path({"f:spec", "f:prompt"})));
  EXPECT_TRUE(entry(*entries, "kubectl")->fields.count(path({"f:spec", "f:prompt"})));
  EXPECT_EQ(r->object["metadata"]["uid"], "u-1");
  EXPECT_EQ(r->object["metadata"]["resourceVersion"], "7");
}

TEST(ServerSideApply, ForceTransfersOwnership) {
  json live = created_by_client_side_apply(task("one"));
  auto r = api::server_side_apply(request(live, task("two"), "kubectl", true));
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->ok());
  EXPECT_EQ(r->object["spec"]["prompt"], "two");
  auto entries = api::parse_managed_fields(r->object);
  ASSERT_TRUE(entries);
  const auto* csa = entry(*entries, "kubectl-client-side-apply");
  ASSERT_TRUE(csa);
  EXPECT_FALSE(csa->fields.count(path({"f:spec", "f:prompt"})));
  EXPECT_TRUE(csa->fields.count(path({"f:spec", "f:type"})));
  EXPECT_TRUE(entry(*entries, "kubectl")->fields.count(path({"f:spec", "f:prompt"})));
}

TEST(ServerSideApply, SeveralConflictsUseUpstreamListFormat) {
  json live = created_by_client_side_apply(task("one"));
  json applied = task("two");
  applied["spec"]["type"] = "codex";
  auto r = api::server_side_apply(request(live, applied, "kubectl"));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->conflicts.size(), 2u);
  EXPECT_EQ(r->conflict_message,
            "Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using "
            "kelos.dev/v1alpha1:\n- .spec.prompt\n- .spec.type");
}

TEST(ServerSideApply, OmittedFieldsAreRemovedUnlessOwnedElsewhere) {
  json first = task("p");
  first["metadata"]["labels"] = {{"a", "1"}, {"b", "2"}};
  auto r1 = api::server_side_apply(request(nullptr, first, "kubectl"));
  ASSERT_TRUE(r1 && r1->ok());
  json second = task("p");
  second["metadata"]["labels"] = {{"a", "1"}};
  auto r2 = api::server_side_apply(request(r1->object, second, "kubectl"));
  ASSERT_TRUE(r2 && r2->ok());
  EXPECT_EQ(r2->object["metadata"]["labels"], j(R"({"a":"1"})"));

  // Another applier co-owns label b: dropping it from kubectl's config keeps it.
  json other = j(R"({"apiVersion":"kelos.dev/v1alpha1","kind":"Task",
      "metadata":{"name":"t","labels":{"b":"2"}}})");
  auto r3 = api::server_side_apply(request(r1->object, other, "ci"));
  ASSERT_TRUE(r3 && r3->ok());
  auto r4 = api::server_side_apply(request(r3->object, second, "kubectl"));
  ASSERT_TRUE(r4 && r4->ok());
  EXPECT_EQ(r4->object["metadata"]["labels"], j(R"({"a":"1","b":"2"})"));
}

TEST(ServerSideApply, MapListsMergeByKeyAcrossManagers) {
  api::list_type_info lists = api::builtin_list_types("Pod");
  json a = j(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
      "spec":{"containers":[{"name":"a","image":"a:1"}]}})");
  json b = j(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
      "spec":{"containers":[{"name":"b","image":"b:1"}]}})");
  auto req = request(nullptr, a, "mgr-a");
  req.lists = lists;
  req.api_version = "v1";
  auto r1 = api::server_side_apply(req);
  ASSERT_TRUE(r1 && r1->ok());
  req.live = r1->object;
  req.applied = b;
  req.manager = "mgr-b";
  auto r2 = api::server_side_apply(req);
  ASSERT_TRUE(r2 && r2->ok());
  ASSERT_EQ(r2->object["spec"]["containers"].size(), 2u);
  // mgr-b changing a's image conflicts with mgr-a on that keyed field.
  json b2 = b;
  b2["spec"]["containers"].push_back(j(R"({"name":"a","image":"a:2"})"));
  req.live = r2->object;
  req.applied = b2;
  auto r3 = api::server_side_apply(req);
  ASSERT_TRUE(r3);
  ASSERT_EQ(r3->conflicts.size(), 1u);
  EXPECT_EQ(r3->conflicts[0].field, R"(.spec.containers[name="a"].image)");
  EXPECT_EQ(r3->conflicts[0].manager, "\"mgr-a\"");
  // mgr-a dropping its container removes it (nobody else owns anything in it).
  req.live = r2->object;
  req.applied = j(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{}})");
  req.manager = "mgr-a";
  auto r4 = api::server_side_apply(req);
  ASSERT_TRUE(r4 && r4->ok());
  ASSERT_EQ(r4->object["spec"]["containers"].size(), 1u);
  EXPECT_EQ(r4->object["spec"]["containers"][0]["name"], "b");
}

TEST(ServerSideApply, RejectsManagedFieldsInBodyAndKindMismatch) {
  json applied = task("x");
  applied["metadata"]["managedFields"] = json::array();
  auto r = api::server_side_apply(request(nullptr, applied, "kubectl"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kelos::errc::bad_request);
  EXPECT_NE(r.error().message.find("managedFields"), std::string::npos);

  json other = task("x");
  other["kind"] = "TaskSpawner";
  EXPECT_FALSE(api::server_side_apply(request(created_by_client_side_apply(task("x")), other,
                                              "kubectl")));
  EXPECT_FALSE(api::server_side_apply(request(nullptr, j("[1]"), "kubectl")));
}

TEST(ServerSideApply, StatusIsIgnoredOnMainResource) {
  json applied = task("x");
  applied["status"] = {{"phase", "Done"}};
  auto r = api::server_side_apply(request(nullptr, applied, "kubectl"));
  ASSERT_TRUE(r && r->ok());
  EXPECT_FALSE(r->object.contains("status"));
  EXPECT_FALSE(r->managed_fields[0]["fieldsV1"].contains("f:status"));
}

TEST(ServerSideApply, MapListWithoutKeysIsReplacedWhole) {
  api::list_type_info lists = api::builtin_list_types("Pod");
  json live = j(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
      "spec":{"containers":[{"name":"a","image":"a:1"}]}})");
  json applied = j(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
      "spec":{"containers":[{"image":"nokey"}]}})");
  auto req = request(live, applied, "mgr");
  req.lists = lists;
  auto r = api::server_side_apply(req);
  ASSERT_TRUE(r && r->ok());
  EXPECT_EQ(r->object["spec"]["containers"], j(R"([{"image":"nokey"}])"));
}

TEST(ManagedFields, StatusOwnershipIsScopedToTheStatusSubresource) {
  json live = created_by_client_side_apply(task("one"));
  json next = live;
  next["status"] = {{"phase", "Running"}};
  next["spec"]["prompt"] = "stale-or-changed";
  auto mf = api::update_managed_fields(live, next, "kelos-controller", task_version,
                                       "2026-11-23T00:00:00Z", api::list_type_info{}, "status");
  ASSERT_TRUE(mf);
  ASSERT_EQ(mf->size(), 2u);
  const json& controller = (*mf)[1];
  EXPECT_EQ(controller["manager"], "kelos-controller");
  EXPECT_EQ(controller["subresource"], "status");
  EXPECT_EQ(controller["fieldsV1"], j(R"({"f:status":{"f:phase":{}}})"));
  // The main resource ignores status: an Update that only touches status records nothing.
  json stored_obj = next;
  stored_obj["metadata"]["managedFields"] = *mf;
  json again = stored_obj;
  again["status"]["phase"] = "Succeeded";
  auto main = api::update_managed_fields(stored_obj, again, "kubectl-edit", task_version,
                                         "2026-11-23T00:00:01Z", api::list_type_info{});
  ASSERT_TRUE(main);
  EXPECT_EQ(*main, *mf);
}

TEST(ServerSideApply, MalformedShapesAreErrorsNotExceptions) {
  json live = created_by_client_side_apply(task("one"));
  json applied = j(R"({"apiVersion":"kelos.dev/v1alpha1","kind":"Task","metadata":"oops"})");
  auto r = api::server_side_apply(request(live, applied, "kubectl"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kelos::errc::bad_request);
  json bad_live = live;
  bad_live["metadata"]["managedFields"] = j(R"([{"manager":"x","fieldsV1":{"f:a":"no"}}])");
  EXPECT_FALSE(api::server_side_apply(request(bad_live, task("two"), "kubectl")));
}

TEST(ServerSideApply, AssociativeListsFollowAppliedOrderForSharedItems) {
  auto req = request(j(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p",
      "finalizers":["x","y"]},
      "spec":{"containers":[{"name":"a","image":"i"},{"name":"b","image":"i"},
                            {"name":"c","image":"i"}]}})"),
                     j(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p",
      "finalizers":["y","z"]},
      "spec":{"containers":[{"name":"c","image":"i"},{"name":"a","image":"i"}]}})"),
                     "mgr-2");
  req.lists = api::builtin_list_types("Pod");
  req.api_version = "v1";
  auto r = api::server_side_apply(req);
  ASSERT_TRUE(r && r->ok());
  json names = json::array();
  for (const auto& c : r->object["spec"]["containers"])
    names.push_back(c["name"]);
  EXPECT_EQ(names, j(R"(["b","c","a"])"));
  EXPECT_EQ(r->object["metadata"]["finalizers"], j(R"(["x","y","z"])"));
}

TEST(ManagedFields, WrittenManagedFieldsReplaceStoredOnesLikeKubectlMigration) {
  json live = created_by_client_side_apply(task("one"));
  // kubectl --server-side on a client-side-applied object first rewrites managedFields with a
  // JSON patch, moving ownership from kubectl-client-side-apply (Update) to kubectl (Apply).
  json migrated = live;
  migrated["metadata"]["managedFields"][0]["manager"] = "kubectl";
  migrated["metadata"]["managedFields"][0]["operation"] = "Apply";
  auto mf = api::update_managed_fields(live, migrated, "kubectl-patch", task_version,
                                       "2026-11-23T00:00:00Z", api::list_type_info{});
  ASSERT_TRUE(mf);
  ASSERT_EQ(mf->size(), 1u);
  EXPECT_EQ((*mf)[0]["manager"], "kubectl");
  json stored_obj = migrated;
  stored_obj["metadata"]["managedFields"] = *mf;
  auto r = api::server_side_apply(request(stored_obj, task("two"), "kubectl"));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok()) << r->conflict_message;
  EXPECT_EQ(r->object["spec"]["prompt"], "two");

  // `[{}]` resets; an absent or empty list keeps the stored entries.
  json reset = live;
  reset["metadata"]["managedFields"] = j("[{}]");
  auto cleared = api::update_managed_fields(live, reset, "x", task_version, "t",
                                            api::list_type_info{});
  ASSERT_TRUE(cleared);
  EXPECT_TRUE(cleared->empty());
  json dropped = live;
  dropped["metadata"].erase("managedFields");
  auto kept = api::update_managed_fields(live, dropped, "x", task_version, "t",
                                         api::list_type_info{});
  ASSERT_TRUE(kept);
  EXPECT_EQ(*kept, live["metadata"]["managedFields"]);
}

TEST(ManagedFields, ObjectsDifferingOnlyInManagedFieldsTimesAreEqualForNoOpDetection) {
  auto managed_at = [](const char* time) {
    json m = j(R"([{"manager":"kubectl","operation":"Apply","apiVersion":"kelos.dev/v1alpha1",
      "fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:prompt":{}}}}])");
    m[0]["time"] = time;
    return m;
  };
  json before = stored(task("fix it"), managed_at("2026-11-24T08:00:00Z"));
  json reapplied = stored(task("fix it"), managed_at("2026-11-24T09:30:00Z"));
  EXPECT_TRUE(api::equal_ignoring_managed_fields_times(before, reapplied));

  json changed_value = stored(task("fix it better"), managed_at("2026-11-24T09:30:00Z"));
  EXPECT_FALSE(api::equal_ignoring_managed_fields_times(before, changed_value));

  json other_manager = reapplied;
  other_manager["metadata"]["managedFields"][0]["manager"] = "other";
  EXPECT_FALSE(api::equal_ignoring_managed_fields_times(before, other_manager));

  json changed_label = reapplied;
  changed_label["metadata"]["labels"]["app"] = "demo";
  EXPECT_FALSE(api::equal_ignoring_managed_fields_times(before, changed_label));

  json extra_top_level = reapplied;
  extra_top_level["status"] = json::object();
  EXPECT_FALSE(api::equal_ignoring_managed_fields_times(before, extra_top_level));
  EXPECT_FALSE(api::equal_ignoring_managed_fields_times(extra_top_level, before));
}
