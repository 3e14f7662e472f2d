#include "k8s/client/request.hpp"

#include <gtest/gtest.h>

using namespace kelos::k8s;

namespace {

const resource_info& tasks() {
  static const auto reg = resource_registry::with_builtins();
  static const resource_info* r = reg.by_resource("kelos.dev", "v1alpha1", "tasks");
  return *r;
}

const resource_info& pods() {
  static const auto reg = resource_registry::with_builtins();
  static const resource_info* r = reg.by_resource("", "v1", "pods");
  return *r;
}

const resource_info& namespaces() {
  static const auto reg = resource_registry::with_builtins();
  static const resource_info* r = reg.by_resource("", "v1", "namespaces");
  return *r;
}

} // namespace

TEST(ClientRequest, GetBuildsObjectPath) {
  auto r = get_request(tasks(), "default", "x");
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target(), "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/x");
  EXPECT_EQ(r.header("Accept"), "application/json");
  EXPECT_TRUE(r.body.empty());
  EXPECT_TRUE(r.idempotent);
  EXPECT_FALSE(r.streaming);
}

TEST(ClientRequest, GetClusterScopedIgnoresNamespace) {
  EXPECT_EQ(get_request(namespaces(), "ignored", "kelos-system").target(), "/api/v1/namespaces/kelos-system");
}

TEST(ClientRequest, ListWithoutOptionsHasNoQuery) {
  EXPECT_EQ(list_request(pods(), "ns1").target(), "/api/v1/namespaces/ns1/pods");
  EXPECT_EQ(list_request(pods(), "").target(), "/api/v1/pods");
}

TEST(ClientRequest, ListEncodesAllOptions) {
  list_options o;
  o.label_selector = "app in (a,b)";
  o.field_selector = "metadata.name=x";
  o.limit = 500;
  o.continue_token = "tok/en=";
  auto r = list_request(tasks(), "default", o);
  EXPECT_EQ(r.target(), "/apis/kelos.dev/v1alpha1/namespaces/default/tasks"
                        "?labelSelector=app%20in%20%28a%2Cb%29&fieldSelector=metadata.name%3Dx"
                        "&limit=500&continue=tok%2Fen%3D");
}

TEST(ClientRequest, ListWithResourceVersionMatch) {
  list_options o;
  o.resource_version = "0";
  o.resource_version_match = "NotOlderThan";
  EXPECT_EQ(list_request(pods(), "a", o).target(),
            "/api/v1/namespaces/a/pods?resourceVersion=0&resourceVersionMatch=NotOlderThan");
}

TEST(ClientRequest, WatchDefaultsAskForBookmarksAndStream) {
  watch_options o;
  o.resource_version = "105";
  o.timeout_seconds = 290;
  auto r = watch_request(tasks(), "default", o);
  EXPECT_EQ(r.target(), "/apis/kelos.dev/v1alpha1/namespaces/default/tasks"
                        "?resourceVersion=105&allowWatchBookmarks=true&timeoutSeconds=290&watch=true");
  EXPECT_TRUE(r.streaming);
  EXPECT_EQ(r.method, "GET");
}

TEST(ClientRequest, WatchWithoutBookmarksAndWithSelectors) {
  watch_options o;
  o.allow_bookmarks = false;
  o.label_selector = "kelos.dev/task=t1";
  EXPECT_EQ(watch_request(pods(), "", o).target(), "/api/v1/pods?labelSelector=kelos.dev%2Ftask%3Dt1&watch=true");
}

TEST(ClientRequest, WatchSendInitialEventsImpliesNotOlderThan) {
  watch_options o;
  o.send_initial_events = true;
  EXPECT_EQ(watch_request(pods(), "x", o).target(),
            "/api/v1/namespaces/x/pods?resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"
            "&sendInitialEvents=true&watch=true");
}

TEST(ClientRequest, CreateIsPostNotIdempotentWithJsonBody) {
  json obj = {{"apiVersion", "kelos.dev/v1alpha1"}, {"kind", "Task"}, {"metadata", {{"name", "t"}}}};
  write_options w;
  w.field_manager = "kelos-controller";
  auto r = create_request(tasks(), "default", obj, w);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target(), "/apis/kelos.dev/v1alpha1/namespaces/default/tasks?fieldManager=kelos-controller");
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(r.body), obj);
  EXPECT_FALSE(r.idempotent);
}

TEST(ClientRequest, UpdateKeepsResourceVersionInBody) {
  json obj = {{"metadata", {{"name", "t"}, {"resourceVersion", "42"}}}, {"spec", {{"a", 1}}}};
  auto r = update_request(tasks(), "default", "t", obj);
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(r.target(), "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/t");
  EXPECT_EQ(json::parse(r.body)["metadata"]["resourceVersion"], "42");
  EXPECT_TRUE(r.idempotent);
}

TEST(ClientRequest, UpdateStatusTargetsSubresourceWithDryRun) {
  write_options w;
  w.dry_run = true;
  w.field_manager = "m";
  auto r = update_status_request(tasks(), "default", "t", json{{"status", {{"phase", "Running"}}}}, w);
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(r.target(), "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/t/status?dryRun=All&fieldManager=m");
}

TEST(ClientRequest, PatchContentTypes) {
  EXPECT_EQ(content_type(patch_type::merge), "application/merge-patch+json");
  EXPECT_EQ(content_type(patch_type::json), "application/json-patch+json");
  EXPECT_EQ(content_type(patch_type::strategic), "application/strategic-merge-patch+json");
  EXPECT_EQ(content_type(patch_type::apply), "application/apply-patch+yaml");
}

TEST(ClientRequest, MergePatchOnStatusSubresource) {
  auto r = patch_request(tasks(), "default", "t", patch_type::merge, R"({"status":{"phase":"Done"}})", {}, "status");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, "PATCH");
  EXPECT_EQ(r->target(), "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/t/status");
  EXPECT_EQ(r->header("Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(r->body, R"({"status":{"phase":"Done"}})");
  EXPECT_TRUE(r->idempotent);
}

TEST(ClientRequest, JsonPatchIsNotIdempotent) {
  auto r = patch_request(pods(), "d", "p", patch_type::json, R"([{"op":"add","path":"/a/-","value":1}])");
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->idempotent);
  EXPECT_EQ(r->header("content-type"), "application/json-patch+json");
}

TEST(ClientRequest, ServerSideApplyNeedsFieldManagerAndSendsForce) {
  auto bad = patch_request(tasks(), "default", "t", patch_type::apply, "{}");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, kelos::errc::invalid_spec);

  patch_options p;
  p.field_manager = "kelos";
  p.force = true;
  auto r = patch_request(tasks(), "default", "t", patch_type::apply, "{}", p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->target(), "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/t?fieldManager=kelos&force=true");
  EXPECT_EQ(r->header("Content-Type"), "application/apply-patch+yaml");
  EXPECT_TRUE(r->idempotent);
}

TEST(ClientRequest, ForceIsOnlySentForApply) {
  patch_options p;
  p.force = true;
  auto r = patch_request(pods(), "d", "p", patch_type::strategic, "{}", p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->target(), "/api/v1/namespaces/d/pods/p");
}

TEST(ClientRequest, DeleteWithoutOptionsHasNoBody) {
  auto r = delete_request(tasks(), "default", "t");
  EXPECT_EQ(r.method, "DELETE");
  EXPECT_EQ(r.target(), "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/t");
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.header("Content-Type"), "");
}

TEST(ClientRequest, DeleteOptionsBecomeJsonBody) {
  delete_options d;
  d.propagation_policy = "Background";
  d.precondition_uid = "u-1";
  d.precondition_resource_version = "7";
  d.grace_period_seconds = 0;
  auto r = delete_request(tasks(), "default", "t", d);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  json expected = {{"kind", "DeleteOptions"},
                   {"apiVersion", "v1"},
                   {"propagationPolicy", "Background"},
                   {"gracePeriodSeconds", 0},
                   {"preconditions", {{"uid", "u-1"}, {"resourceVersion", "7"}}}};
  EXPECT_EQ(json::parse(r.body), expected);
}

TEST(ClientRequest, PodLogsFollowIsStreaming) {
  log_options o;
  o.container = "agent";
  o.follow = true;
  o.tail_lines = 100;
  o.timestamps = true;
  auto r = pod_logs_request("default", "p1", o);
  EXPECT_EQ(r.target(), "/api/v1/namespaces/default/pods/p1/log?container=agent&follow=true&tailLines=100&timestamps=true");
  EXPECT_TRUE(r.streaming);
}

TEST(ClientRequest, PodLogsSinceWithoutFollow) {
  log_options o;
  o.since_seconds = 60;
  o.since_time = "2024-01-01T00:00:00Z";
  auto r = pod_logs_request("ns", "p", o);
  EXPECT_EQ(r.target(), "/api/v1/namespaces/ns/pods/p/log?sinceSeconds=60&sinceTime=2024-01-01T00%3A00%3A00Z");
  EXPECT_FALSE(r.streaming);
}
