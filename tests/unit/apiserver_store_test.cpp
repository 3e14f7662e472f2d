#include "k8s/apiserver/names.hpp"
#include "k8s/apiserver/object_store.hpp"

#include "tests/unit/apiserver_store_fixture.hpp"

#include <gtest/gtest.h>

#include <regex>

using namespace kelos::apiserver;
using namespace kelos::apiserver::testing;

namespace {

class StoreTest : public ::testing::Test {
protected:
  object_store store{test_config()};

  json create(std::string_view resource, json obj, std::string_view ns = "default") {
    auto r = store.create(res(resource), ns, std::move(obj));
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return r ? *r->object : json();
  }
};

} // namespace

TEST_F(StoreTest, DefaultNamespacesExist) {
  for (auto name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    auto ns = store.get(res("namespaces"), "", name);
    ASSERT_TRUE(ns) << name;
    EXPECT_EQ((**ns)["status"]["phase"], "Active");
  }
}

TEST_F(StoreTest, CreateSetsServerManagedMetadata) {
  int64_t before = store.current_rv();
  json in = task("t1");
  in["metadata"]["uid"] = "client-uid";
  in["metadata"]["resourceVersion"] = "999";
  in["metadata"]["generation"] = 7;
  in["metadata"]["creationTimestamp"] = "2000-01-01T00:00:00Z";
  in["metadata"]["deletionTimestamp"] = "2000-01-01T00:00:00Z";
  json out = create("tasks", in);
  auto& m = out["metadata"];
  EXPECT_TRUE(std::regex_match(m["uid"].get<std::string>(),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_EQ(rv_num(out), before + 1);
  EXPECT_EQ(m["generation"], 1);
  EXPECT_EQ(m["creationTimestamp"], "2026-11-23T22:00:00Z");
  EXPECT_EQ(m["namespace"], "default");
  EXPECT_FALSE(m.contains("deletionTimestamp"));
  EXPECT_EQ(store.current_rv(), before + 1);
}

TEST_F(StoreTest, DuplicateCreateAndMissingGetUseUpstreamText) {
  create("tasks", task("x"));
  auto dup = store.create(res("tasks"), "default", task("x"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, 409);
  EXPECT_EQ(dup.error().reason, "AlreadyExists");
  EXPECT_EQ(dup.error().message, "tasks.kelos.dev \"x\" already exists");
  auto missing = store.get(res("tasks"), "default", "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, 404);
  EXPECT_EQ(missing.error().message, "tasks.kelos.dev \"nope\" not found");
  auto status = missing.error().to_status();
  EXPECT_EQ(status["kind"], "Status");
  EXPECT_EQ(status["reason"], "NotFound");
  EXPECT_EQ(status["details"]["kind"], "tasks");
  EXPECT_EQ(status["details"]["group"], "kelos.dev");
}

TEST_F(StoreTest, GenerateNameUsesUpstreamAlphabetAndTrimsPrefix) {
  json in = task("");
  in["metadata"].erase("name");
  in["metadata"]["generateName"] = "task-";
  json out = create("tasks", in);
  std::string name = out["metadata"]["name"];
  ASSERT_EQ(name.size(), 10u);
  EXPECT_EQ(name.substr(0, 5), "task-");
  for (char c : name.substr(5))
    EXPECT_NE(generate_name_alphabet.find(c), std::string_view::npos) << c;
  std::string long_prefix(70, 'a');
  EXPECT_EQ(generate_name(long_prefix).size(), 63u);
  EXPECT_EQ(generate_name(long_prefix).substr(0, 58), std::string(58, 'a'));
}

TEST_F(StoreTest, NamesAreValidated) {
  auto bad = store.create(res("tasks"), "default", task("Bad_Name"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, 422);
  EXPECT_EQ(bad.error().message.rfind("Task.kelos.dev \"Bad_Name\" is invalid: metadata.name: "
                                      "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain",
                                      0),
            0u)
    << bad.error().message;
  EXPECT_EQ(bad.error().details["causes"][0]["field"], "metadata.name");
  // Namespaces must be DNS-1123 labels; dotted names are fine elsewhere.
  EXPECT_FALSE(store.create(res("namespaces"), "", {{"metadata", {{"name", "a.b"}}}}));
  EXPECT_TRUE(store.create(res("configmaps"), "default", configmap("a.b")));
  json none = task("");
  none["metadata"].erase("name");
  auto missing = store.create(res("tasks"), "default", none);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, 422);
}

TEST_F(StoreTest, LabelsAndAnnotationsAreValidated) {
  auto bad_value = store.create(res("configmaps"), "default", configmap("c", {{"app", "not ok"}}));
  ASSERT_FALSE(bad_value);
  EXPECT_EQ(bad_value.error().code, 422);
  EXPECT_EQ(bad_value.error().message.rfind("ConfigMap \"c\" is invalid: metadata.labels: "
                                            "Invalid value: \"not ok\": a valid label must be",
                                            0),
            0u)
    << bad_value.error().message;
  EXPECT_FALSE(store.create(res("configmaps"), "default", configmap("c", {{"bad key!", "x"}})));
  EXPECT_FALSE(store.create(res("configmaps"), "default", configmap("c", {{"a", std::string(64, 'x')}})));
  json ok = configmap("c", {{"kelos.dev/task", "t-1"}, {"empty", ""}});
  ok["metadata"]["annotations"] = {{"kubectl.kubernetes.io/last-applied-configuration", "{ any text }"}};
  json created = create("configmaps", ok);
  created["metadata"]["labels"]["x"] = "bad value";
  auto upd = store.update(res("configmaps"), "default", "c", created);
  ASSERT_FALSE(upd);
  EXPECT_EQ(upd.error().code, 422);
}

TEST_F(StoreTest, NamespaceMustExistAndMatch) {
  auto r = store.create(res("tasks"), "nope", task("t"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 404);
  EXPECT_EQ(r.error().message, "namespaces \"nope\" not found");
  json in = task("t");
  in["metadata"]["namespace"] = "kube-system";
  auto mismatch = store.create(res("tasks"), "default", in);
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, 400);
}

TEST_F(StoreTest, StatusSubresourceRulesAndGeneration) {
  json in = task("t", {{"prompt", "a"}});
  in["status"] = {{"phase", "Succeeded"}};
  json created = create("tasks", in);
  EXPECT_FALSE(created.contains("status")) << "create drops status";

  // /status: only status changes; spec and labels in the body are ignored.
  json st = created;
  st["status"] = {{"phase", "Running"}};
  st["spec"]["prompt"] = "ignored";
  st["metadata"]["labels"] = {{"ignored", "yes"}};
  auto s = store.update(res("tasks"), "default", "t", st, {false, "", "status"});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ((*s->object)["status"]["phase"], "Running");
  EXPECT_EQ((*s->object)["spec"]["prompt"], "a");
  EXPECT_FALSE((*s->object)["metadata"].contains("labels"));
  EXPECT_EQ((*s->object)["metadata"]["generation"], 1) << "status change keeps generation";

  // Main endpoint: status is ignored, spec change bumps generation, labels do not.
  json main = *s->object;
  main["status"] = {{"phase", "Failed"}};
  main["metadata"]["labels"] = {{"a", "b"}};
  auto u = store.update(res("tasks"), "default", "t", main);
  ASSERT_TRUE(u);
  EXPECT_EQ((*u->object)["status"]["phase"], "Running");
  EXPECT_EQ((*u->object)["metadata"]["labels"]["a"], "b");
  EXPECT_EQ((*u->object)["metadata"]["generation"], 1);
  json spec = *u->object;
  spec["spec"]["prompt"] = "b";
  auto g = store.update(res("tasks"), "default", "t", spec);
  ASSERT_TRUE(g);
  EXPECT_EQ((*g->object)["metadata"]["generation"], 2);
}

TEST_F(StoreTest, OptimisticConcurrency) {
  json v1 = create("tasks", task("t", {{"prompt", "a"}}));
  json v2 = v1;
  v2["spec"]["prompt"] = "b";
  ASSERT_TRUE(store.update(res("tasks"), "default", "t", v2));
  json stale = v1;
  stale["spec"]["prompt"] = "c";
  auto conflict = store.update(res("tasks"), "default", "t", stale);
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, 409);
  EXPECT_EQ(conflict.error().reason, "Conflict");
  EXPECT_EQ(conflict.error().message,
            "Operation cannot be fulfilled on tasks.kelos.dev \"t\": the object has been modified; "
            "please apply your changes to the latest version and try again");
  json other_uid = stale;
  other_uid["metadata"].erase("resourceVersion");
  other_uid["metadata"]["uid"] = "00000000-0000-4000-8000-000000000000";
  auto recreated = store.update(res("tasks"), "default", "t", other_uid);
  ASSERT_FALSE(recreated);
  EXPECT_EQ(recreated.error().code, 409);
  stale["metadata"].erase("resourceVersion"); // unconditional
  auto forced = store.update(res("tasks"), "default", "t", stale);
  ASSERT_TRUE(forced);
  EXPECT_EQ((*forced->object)["spec"]["prompt"], "c");
}

TEST_F(StoreTest, NoOpWritesChangeNothingAndEmitNothing) {
  json v1 = create("tasks", task("t", {{"prompt", "a"}}));
  auto w = store.watch(res("tasks"), "default", {rv_of(v1), "", "", false, false, 0});
  ASSERT_TRUE(w);
  int64_t rv = store.current_rv();
  auto same = store.update(res("tasks"), "default", "t", v1);
  ASSERT_TRUE(same);
  EXPECT_TRUE(same->unchanged);
  EXPECT_EQ(rv_of(*same->object), rv_of(v1));
  auto st = store.update(res("tasks"), "default", "t", v1, {false, "", "status"});
  ASSERT_TRUE(st);
  EXPECT_TRUE(st->unchanged);
  auto m = store.mutate(res("tasks"), "default", "t", [](const json* cur) { return *cur; });
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->unchanged);
  EXPECT_EQ(store.current_rv(), rv);
  EXPECT_TRUE(drain(**w).empty());
}

TEST_F(StoreTest, BuiltinDefaults) {
  json secret = {{"metadata", {{"name", "s"}}}, {"stringData", {{"a", "hello"}}}, {"data", {{"b", "eA=="}}}};
  json s = create("secrets", secret);
  EXPECT_FALSE(s.contains("stringData"));
  EXPECT_EQ(s["data"]["a"], "aGVsbG8=");
  EXPECT_EQ(s["data"]["b"], "eA==");
  EXPECT_EQ(s["type"], "Opaque");
  json upd = s;
  upd["stringData"] = {{"a", "x"}};
  auto u = store.update(res("secrets"), "default", "s", upd);
  ASSERT_TRUE(u);
  EXPECT_EQ((*u->object)["data"]["a"], "eA==");
  EXPECT_FALSE(u->object->contains("stringData"));

  json pod = create("pods", {{"metadata", {{"name", "p"}}}, {"spec", {{"containers", json::array()}}},
                             {"status", {{"phase", "Running"}}}});
  EXPECT_EQ(pod["status"]["phase"], "Pending");

  json job = create("jobs", {{"metadata", {{"name", "j"}}},
                             {"spec", {{"template", {{"spec", {{"restartPolicy", "Never"}}}}}}}});
  std::string uid = job["metadata"]["uid"];
  EXPECT_EQ(job["spec"]["selector"]["matchLabels"]["batch.kubernetes.io/controller-uid"], uid);
  EXPECT_EQ(job["spec"]["template"]["metadata"]["labels"]["job-name"], "j");
  EXPECT_EQ(job["spec"]["template"]["metadata"]["labels"]["controller-uid"], uid);

  json ns = create("namespaces", {{"metadata", {{"name", "fresh"}}}}, "");
  EXPECT_EQ(ns["status"]["phase"], "Active");
}

TEST_F(StoreTest, DeploymentDefaultsStatusAndGeneration) {
  json in = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
    "spec":{"selector":{"matchLabels":{"app":"d"}},
            "template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"i"}]}}},
    "status":{"readyReplicas":3}})");
  json d = create("deployments", in);
  EXPECT_FALSE(d.contains("status")) << "create drops status";
  EXPECT_EQ(d["metadata"]["generation"], 1);
  EXPECT_EQ(d["spec"]["replicas"], 1);
  EXPECT_EQ(d["spec"]["revisionHistoryLimit"], 10);
  EXPECT_EQ(d["spec"]["progressDeadlineSeconds"], 600);
  EXPECT_EQ(d["spec"]["strategy"], json::parse(R"({"type":"RollingUpdate",
    "rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}})"));

  // An update that leaves defaulted fields out gets them again: no spurious generation bump.
  json same = in;
  same["metadata"] = d["metadata"];
  auto u = store.update(res("deployments"), "default", "d", same);
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ((*u->object)["metadata"]["generation"], 1);
  EXPECT_EQ((*u->object)["spec"]["replicas"], 1);

  json st = *u->object;
  st["status"] = {{"readyReplicas", 1}};
  auto s = store.update(res("deployments"), "default", "d", st, {false, "", "status"});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ((*s->object)["status"]["readyReplicas"], 1);
  EXPECT_EQ((*s->object)["metadata"]["generation"], 1);

  json scaled = *s->object;
  scaled["spec"]["replicas"] = 3;
  scaled["status"] = json::object();
  auto g = store.update(res("deployments"), "default", "d", scaled);
  ASSERT_TRUE(g);
  EXPECT_EQ((*g->object)["metadata"]["generation"], 2);
  EXPECT_EQ((*g->object)["status"]["readyReplicas"], 1) << "main endpoint ignores status";

  json role = create("clusterroles", {{"apiVersion", "rbac.authorization.k8s.io/v1"},
                                      {"kind", "ClusterRole"},
                                      {"metadata", {{"name", "r"}}},
                                      {"rules", json::parse(R"([{"apiGroups":[""],"resources":["pods"],
                                                               "verbs":["get"]}])")}},
                     "");
  EXPECT_FALSE(role["metadata"].contains("namespace")) << "cluster-scoped";
  EXPECT_EQ(role["rules"][0]["verbs"], json::array({"get"}));
}

TEST_F(StoreTest, FinalizersHoldDeletion) {
  json in = task("t");
  in["metadata"]["finalizers"] = {"kelos.dev/finalizer"};
  json created = create("tasks", in);
  auto d = store.remove(res("tasks"), "default", "t");
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->removed);
  auto& m = (*d->object)["metadata"];
  EXPECT_EQ(m["deletionTimestamp"], "2026-11-23T22:00:00Z");
  EXPECT_EQ(m["deletionGracePeriodSeconds"], 0);
  EXPECT_EQ(m["generation"], 2);
  EXPECT_GT(rv_num(*d->object), rv_num(created));

  int64_t rv = store.current_rv();
  auto again = store.remove(res("tasks"), "default", "t");
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->removed);
  EXPECT_EQ(store.current_rv(), rv) << "a repeated DELETE changes nothing";

  json more = *d->object;
  more["metadata"]["finalizers"] = {"kelos.dev/finalizer", "other"};
  auto bad = store.update(res("tasks"), "default", "t", more);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, 422);
  EXPECT_NE(bad.error().message.find("no new finalizers can be added"), std::string::npos);

  auto w = store.watch(res("tasks"), "default", {std::to_string(store.current_rv()), "", "", false, false, 0});
  ASSERT_TRUE(w);
  json done = *d->object;
  done["metadata"].erase("finalizers");
  auto last = store.update(res("tasks"), "default", "t", done);
  ASSERT_TRUE(last) << last.error().message;
  EXPECT_FALSE(store.get(res("tasks"), "default", "t"));
  EXPECT_FALSE((*last->object)["metadata"].contains("finalizers"));
  auto evs = drain(**w);
  ASSERT_EQ(evs.size(), 1u) << "only a DELETED event";
  EXPECT_EQ(evs[0].type, watch_event_type::deleted);
  EXPECT_EQ(evs[0].rv, store.current_rv());
}

TEST_F(StoreTest, DeleteWithoutFinalizersRemovesAndChecksPreconditions) {
  json created = create("tasks", task("t"));
  delete_options wrong;
  wrong.precondition_uid = "other";
  auto c = store.remove(res("tasks"), "default", "t", wrong);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, 409);
  EXPECT_NE(c.error().message.find("Precondition failed: UID in precondition: other"),
            std::string::npos);
  delete_options dry;
  dry.dry_run = true;
  ASSERT_TRUE(store.remove(res("tasks"), "default", "t", dry));
  EXPECT_TRUE(store.get(res("tasks"), "default", "t"));
  auto d = store.remove(res("tasks"), "default", "t");
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->removed);
  EXPECT_EQ(rv_num(*d->object), store.current_rv());
  EXPECT_FALSE(store.get(res("tasks"), "default", "t"));
  auto missing = store.remove(res("tasks"), "default", "t");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, 404);
}

TEST_F(StoreTest, MutateIsAtomicReadModifyWrite) {
  create("tasks", task("t", {{"n", 1}}));
  auto m = store.mutate(res("tasks"), "default", "t", [](const json* cur) -> api_result<json> {
    json next = *cur;
    next["spec"]["n"] = next["spec"]["n"].get<int>() + 1;
    return next;
  });
  ASSERT_TRUE(m);
  EXPECT_EQ((*m->object)["spec"]["n"], 2);
  EXPECT_EQ((*m->object)["metadata"]["generation"], 2);
  auto err = store.mutate(res("tasks"), "default", "t",
                          [](const json*) -> api_result<json> { return api_error::bad_request("nope"); });
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().message, "nope");
  auto stale = store.mutate(res("tasks"), "default", "t", [](const json* cur) -> api_result<json> {
    json next = *cur;
    next["metadata"]["resourceVersion"] = "1";
    next["spec"]["n"] = 9;
    return next;
  });
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, 409);
  auto missing = store.mutate(res("tasks"), "default", "new", [](const json* cur) { return *cur; });
  EXPECT_FALSE(missing);
  auto created = store.mutate(
    res("tasks"), "default", "new",
    [](const json* cur) -> api_result<json> {
      EXPECT_EQ(cur, nullptr);
      return task("new");
    },
    {}, true);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_TRUE(created->created);
}

TEST_F(StoreTest, DryRunCommitsNothing) {
  int64_t rv = store.current_rv();
  auto r = store.create(res("tasks"), "default", task("t"), {true, "", ""});
  ASSERT_TRUE(r);
  EXPECT_EQ((*r->object)["metadata"]["name"], "t");
  EXPECT_FALSE(store.get(res("tasks"), "default", "t"));
  EXPECT_EQ(store.current_rv(), rv);
}

TEST_F(StoreTest, AdmissionHookDefaultsAndRejects) {
  store.set_admission_hook(res("tasks"), [](json obj, const json* old, const admission_context& ctx)
                                            -> api_result<json> {
    if (obj["spec"].value("bad", false))
      return api_error::invalid(*ctx.resource, obj["metadata"]["name"].get<std::string>(),
                                {{"FieldValueRequired", "Required value", "spec.prompt"}});
    if (!obj["spec"].contains("prompt"))
      obj["spec"]["prompt"] = old ? "updated-default" : "default";
    return obj;
  });
  json t = create("tasks", task("t"));
  EXPECT_EQ(t["spec"]["prompt"], "default");
  auto bad = store.create(res("tasks"), "default", task("b", {{"bad", true}}));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "Task.kelos.dev \"b\" is invalid: spec.prompt: Required value");
}

TEST_F(StoreTest, ChangeHookSeesCommitsInOrder) {
  std::vector<std::string> seen;
  store.set_change_hook([&](const resource_info& r, const watch_event& ev) {
    seen.push_back(std::string(to_string(ev.type)) + " " + r.plural + " "
                   + (*ev.object)["metadata"]["name"].get<std::string>());
  });
  create("tasks", task("a"));
  json b = create("tasks", task("b"));
  b["spec"]["x"] = 1;
  ASSERT_TRUE(store.update(res("tasks"), "default", "b", b));
  ASSERT_TRUE(store.remove(res("tasks"), "default", "a"));
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED tasks a", "ADDED tasks b", "MODIFIED tasks b",
                                            "DELETED tasks a"}));
  int extra = 0;
  store.add_change_hook([&](const resource_info&, const watch_event&) { ++extra; });
  create("tasks", task("c"));
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(extra, 1);
  store.set_change_hook({});
  create("tasks", task("d"));
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(extra, 1);
}

TEST_F(StoreTest, ListSelectorsAndPagination) {
  for (int i = 0; i < 5; ++i)
    create("configmaps", configmap("cm" + std::to_string(i), {{"idx", std::to_string(i % 2)}}));
  auto sel = store.list(res("configmaps"), "default", {"idx=1", "", 0, "", "", ""});
  ASSERT_TRUE(sel);
  ASSERT_EQ(sel->items.size(), 2u);
  EXPECT_EQ((*sel->items[0])["metadata"]["name"], "cm1");
  auto filtered_page = store.list(res("configmaps"), "default", {"idx=0", "", 1, "", "", ""});
  ASSERT_TRUE(filtered_page);
  EXPECT_FALSE(filtered_page->continue_token.empty());
  EXPECT_FALSE(filtered_page->remaining_item_count.has_value());
  auto bad = store.list(res("configmaps"), "default", {"", "foo=bar", 0, "", "", ""});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, 400);

  auto p1 = store.list(res("configmaps"), "default", {"", "", 2, "", "", ""});
  ASSERT_TRUE(p1);
  ASSERT_EQ(p1->items.size(), 2u);
  ASSERT_FALSE(p1->continue_token.empty());
  EXPECT_EQ(p1->remaining_item_count, 3);
  // Changes after the first page must not show on later pages.
  ASSERT_TRUE(store.remove(res("configmaps"), "default", "cm3"));
  json changed = **store.get(res("configmaps"), "default", "cm2");
  changed["data"]["k"] = "changed";
  ASSERT_TRUE(store.update(res("configmaps"), "default", "cm2", changed));
  create("configmaps", configmap("cm21"));
  auto p2 = store.list(res("configmaps"), "default", {"", "", 2, p1->continue_token, "", ""});
  ASSERT_TRUE(p2) << p2.error().message;
  EXPECT_EQ(p2->resource_version, p1->resource_version);
  ASSERT_EQ(p2->items.size(), 2u);
  EXPECT_EQ((*p2->items[0])["metadata"]["name"], "cm2");
  EXPECT_EQ((*p2->items[0])["data"]["k"], "v");
  EXPECT_EQ((*p2->items[1])["metadata"]["name"], "cm3");
  auto p3 = store.list(res("configmaps"), "default", {"", "", 2, p2->continue_token, "", ""});
  ASSERT_TRUE(p3);
  ASSERT_EQ(p3->items.size(), 1u);
  EXPECT_EQ((*p3->items[0])["metadata"]["name"], "cm4");
  EXPECT_TRUE(p3->continue_token.empty());

  auto garbage = store.list(res("configmaps"), "default", {"", "", 2, "!!notbase64", "", ""});
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, 400);
  json l = p3->to_json(res("configmaps"));
  EXPECT_EQ(l["kind"], "ConfigMapList");
  EXPECT_EQ(l["metadata"]["resourceVersion"], p1->resource_version);
}

TEST(StoreLogTest, ExpiredContinueTokenAndOldExactListAreGone) {
  auto cfg = test_config();
  cfg.event_log_capacity = 2;
  object_store store(cfg);
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(store.create(res("configmaps"), "default", configmap("cm" + std::to_string(i))));
  auto p1 = store.list(res("configmaps"), "default", {"", "", 1, "", "", ""});
  ASSERT_TRUE(p1);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(store.create(res("configmaps"), "default", configmap("x" + std::to_string(i))));
  auto p2 = store.list(res("configmaps"), "default", {"", "", 1, p1->continue_token, "", ""});
  ASSERT_FALSE(p2);
  EXPECT_EQ(p2.error().code, 410);
  EXPECT_EQ(p2.error().reason, "Expired");
  auto old = store.list(res("configmaps"), "default", {"", "", 1, "", "2", ""});
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().code, 410);
  EXPECT_EQ(old.error().message.rfind("too old resource version: 2 (", 0), 0u);
  // Without a limit a non-zero RV means "not older than": served, never 410.
  EXPECT_TRUE(store.list(res("configmaps"), "default", {"", "", 0, "", "2", ""}));
}

TEST_F(StoreTest, BackgroundDeletionCollectsDependents) {
  json job = create("jobs", {{"metadata", {{"name", "j"}}}, {"spec", json::object()}});
  json owner = {{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"name", "j"},
                {"uid", job["metadata"]["uid"]}, {"controller", true}, {"blockOwnerDeletion", true}};
  create("pods", {{"metadata", {{"name", "p"}, {"ownerReferences", {owner}}}}, {"spec", json::object()}});
  create("pods", {{"metadata", {{"name", "unowned"}}}, {"spec", json::object()}});
  auto d = store.remove(res("jobs"), "default", "j", {"Background", {}, {}, false});
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->removed);
  EXPECT_FALSE(store.get(res("pods"), "default", "p"));
  EXPECT_TRUE(store.get(res("pods"), "default", "unowned"));
}

TEST_F(StoreTest, OrphanDeletionKeepsDependentsWithoutOwnerRefs) {
  json job = create("jobs", {{"metadata", {{"name", "j"}}}, {"spec", json::object()}});
  json owner = {{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"name", "j"}, {"uid", job["metadata"]["uid"]}};
  create("pods", {{"metadata", {{"name", "p"}, {"ownerReferences", {owner}}}}, {"spec", json::object()}});
  // No policy on a batch/v1 Job: upstream's default is Orphan.
  auto d = store.remove(res("jobs"), "default", "j");
  ASSERT_TRUE(d);
  EXPECT_FALSE(store.get(res("jobs"), "default", "j"));
  auto pod = store.get(res("pods"), "default", "p");
  ASSERT_TRUE(pod);
  EXPECT_FALSE((**pod)["metadata"].contains("ownerReferences"));
}

TEST_F(StoreTest, ForegroundDeletionWaitsForBlockingDependents) {
  json t = create("tasks", task("owner"));
  json owner = {{"apiVersion", "kelos.dev/v1alpha1"}, {"kind", "Task"}, {"name", "owner"},
                {"uid", t["metadata"]["uid"]}, {"blockOwnerDeletion", true}};
  create("configmaps", {{"metadata", {{"name", "dep"}, {"ownerReferences", {owner}},
                                      {"finalizers", {"hold"}}}}});
  auto d = store.remove(res("tasks"), "default", "owner", {"Foreground", {}, {}, false});
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->removed);
  auto held = store.get(res("tasks"), "default", "owner");
  ASSERT_TRUE(held);
  EXPECT_EQ((**held)["metadata"]["finalizers"], json::array({"foregroundDeletion"}));
  auto dep = store.get(res("configmaps"), "default", "dep");
  ASSERT_TRUE(dep);
  EXPECT_TRUE((**dep)["metadata"].contains("deletionTimestamp"));
  json release = **dep;
  release["metadata"].erase("finalizers");
  ASSERT_TRUE(store.update(res("configmaps"), "default", "dep", release));
  EXPECT_FALSE(store.get(res("configmaps"), "default", "dep"));
  EXPECT_FALSE(store.get(res("tasks"), "default", "owner"));
}

TEST_F(StoreTest, NamespaceDeletionTerminatesContentsThenNamespace) {
  create("namespaces", {{"metadata", {{"name", "work"}}}}, "");
  create("configmaps", configmap("plain"), "work");
  for (int i = 0; i < 50; ++i)
    create("configmaps", configmap("bulk" + std::to_string(i)), "work");
  create("tasks", task("t"), "work");
  create("configmaps", configmap("bystander"), "default");
  json held = configmap("held");
  held["metadata"]["finalizers"] = {"hold"};
  create("configmaps", held, "work");
  auto d = store.remove(res("namespaces"), "", "work");
  ASSERT_TRUE(d);
  EXPECT_EQ((*d->object)["status"]["phase"], "Terminating");
  EXPECT_FALSE(store.get(res("configmaps"), "work", "plain"));
  EXPECT_FALSE(store.get(res("tasks"), "work", "t"));
  EXPECT_EQ(store.list(res("configmaps"), "work")->items.size(), 1u) << "only the held object";
  EXPECT_TRUE(store.get(res("configmaps"), "default", "bystander"));
  ASSERT_TRUE(store.get(res("namespaces"), "", "work"));
  auto forbidden = store.create(res("configmaps"), "work", configmap("new"));
  ASSERT_FALSE(forbidden);
  EXPECT_EQ(forbidden.error().code, 403);
  EXPECT_EQ(forbidden.error().message,
            "configmaps \"new\" is forbidden: unable to create new content in namespace work "
            "because it is being terminated");
  json release = **store.get(res("configmaps"), "work", "held");
  release["metadata"].erase("finalizers");
  ASSERT_TRUE(store.update(res("configmaps"), "work", "held", release));
  EXPECT_FALSE(store.get(res("namespaces"), "", "work"));
}

TEST_F(StoreTest, RemoveCollectionHonoursSelectors) {
  create("configmaps", configmap("a", {{"x", "1"}}));
  create("configmaps", configmap("b", {{"x", "2"}}));
  create("configmaps", configmap("c", {{"x", "1"}}));
  auto r = store.remove_collection(res("configmaps"), "default", {"x=1", "", 0, "", "", ""});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 2u);
  auto left = store.list(res("configmaps"), "default");
  ASSERT_TRUE(left);
  ASSERT_EQ(left->items.size(), 1u);
  EXPECT_EQ((*left->items[0])["metadata"]["name"], "b");
}

TEST_F(StoreTest, MalformedBodiesAreRejectedNotThrown) {
  auto meta = store.create(res("tasks"), "default", {{"metadata", "x"}});
  ASSERT_FALSE(meta);
  EXPECT_EQ(meta.error().code, 400);
  EXPECT_FALSE(store.create(res("tasks"), "default", json::array()));
  // Odd shapes in kind-specific fields are tolerated (replaced by defaults).
  auto job = store.create(res("jobs"), "default",
                          {{"metadata", {{"name", "j"}}}, {"spec", {{"template", "oops"}}}});
  ASSERT_TRUE(job) << job.error().message;
  auto thrower = store.mutate(res("jobs"), "default", "j", [](const json* cur) -> api_result<json> {
    json next = *cur;
    next["spec"]["template"].at("nope"); // throws json::out_of_range
    return next;
  });
  ASSERT_FALSE(thrower);
  EXPECT_EQ(thrower.error().code, 400);
}

// Objects are stored as JSON text, so one that cannot be serialised (invalid UTF-8, e.g.
// from a protobuf body) is refused at commit: 400, and the store is exactly as before.
TEST_F(StoreTest, UnserialisableObjectIsRejectedAndNothingIsCommitted) {
  create("configmaps", configmap("ok"));
  auto rv = store.current_rv();
  auto count = store.size();
  json bad = configmap("bad");
  bad["data"]["k"] = std::string("\xff\xfe");
  auto r = store.create(res("configmaps"), "default", bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 400);
  auto upd = store.mutate(res("configmaps"), "default", "ok", [](const json* cur) -> api_result<json> {
    json next = *cur;
    next["data"]["k"] = std::string("\xc3");
    return next;
  });
  ASSERT_FALSE(upd);
  EXPECT_EQ(upd.error().code, 400);
  EXPECT_EQ(store.current_rv(), rv);
  EXPECT_EQ(store.size(), count);
  EXPECT_FALSE(store.get(res("configmaps"), "default", "bad"));
  auto ok = store.get(res("configmaps"), "default", "ok");
  ASSERT_TRUE(ok);
  EXPECT_EQ((**ok)["data"]["k"], "v");
}

TEST(ApiErrorTest, StatusBodiesAndMappings) {
  auto gone = api_error::too_old_resource_version(105, 200);
  EXPECT_EQ(gone.message, "too old resource version: 105 (200)");
  json s = gone.to_status();
  EXPECT_EQ(s["code"], 410);
  EXPECT_EQ(s["reason"], "Expired");
  EXPECT_EQ(s["status"], "Failure");
  EXPECT_FALSE(s.contains("details"));
  auto inv = api_error::invalid(res("tasks"), "x",
                                {{"FieldValueRequired", "Required value", "spec.a"},
                                 {"FieldValueInvalid", "Invalid value: 1", "spec.b"}});
  EXPECT_EQ(inv.message,
            "Task.kelos.dev \"x\" is invalid: [spec.a: Required value, spec.b: Invalid value: 1]");
  EXPECT_EQ(inv.to_status()["details"]["causes"].size(), 2u);
  EXPECT_EQ(inv.to_status()["details"]["kind"], "Task");
  EXPECT_EQ(api_error::from_error(kelos::make_error(kelos::errc::bad_request, "b"), res("tasks"), "x").code, 400);
  EXPECT_EQ(api_error::from_error(kelos::make_error(kelos::errc::invalid_spec, "i"), res("tasks"), "x").code, 422);
  EXPECT_EQ(api_error::conflict(res("pods"), "p").to_error().code, kelos::errc::conflict);
  EXPECT_EQ(api_error::not_found(res("pods"), "p").message, "pods \"p\" not found");
}

TEST_F(StoreTest, KelosDeletionChainCascadesThroughJobsAndPods) {
  json t = task("t");
  t["metadata"]["finalizers"] = {"kelos.dev/finalizer"};
  t = create("tasks", t);
  auto ref = [](const json& owner, const char* api, const char* kind) {
    return json{{"apiVersion", api}, {"kind", kind}, {"name", owner["metadata"]["name"]},
                {"uid", owner["metadata"]["uid"]}, {"controller", true}, {"blockOwnerDeletion", true}};
  };
  json job = create("jobs", {{"metadata", {{"name", "t-job"}, {"ownerReferences", {ref(t, "kelos.dev/v1alpha1", "Task")}}}},
                             {"spec", json::object()}});
  create("pods", {{"metadata", {{"name", "t-job-pod"}, {"ownerReferences", {ref(job, "batch/v1", "Job")}}}},
                  {"spec", json::object()}});
  auto w = store.watch(res("pods"), "default", {std::to_string(store.current_rv()), "", "", false, false, 0});
  ASSERT_TRUE(w);
  auto d = store.remove(res("tasks"), "default", "t", {"Background", {}, {}, false});
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->removed);
  EXPECT_TRUE(store.get(res("jobs"), "default", "t-job")) << "the finalizer holds the task; children stay";
  json release = **store.get(res("tasks"), "default", "t");
  release["metadata"]["finalizers"] = json::array();
  ASSERT_TRUE(store.update(res("tasks"), "default", "t", release));
  EXPECT_FALSE(store.get(res("tasks"), "default", "t"));
  EXPECT_FALSE(store.get(res("jobs"), "default", "t-job"));
  EXPECT_FALSE(store.get(res("pods"), "default", "t-job-pod"));
  auto evs = drain(**w);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].type, watch_event_type::deleted);
}
