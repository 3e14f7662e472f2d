// Pure pieces of the API server front: path classification, query booleans, body
// decoding, YAML typing, pod log reads, kubeconfig rendering.

#include "k8s/apiserver/content.hpp"
#include "k8s/apiserver/http_message.hpp"
#include "k8s/apiserver/kubeconfig_writer.hpp"
#include "k8s/apiserver/pod_logs.hpp"
#include "k8s/apiserver/request_context.hpp"

#include <gtest/gtest.h>

namespace {

using namespace kelos::apiserver;
using kelos::k8s::json;

TEST(ApiPathTest, ClassifiesDiscoveryAndHealth) {
  EXPECT_EQ(parse_api_path("/version").kind, route::version);
  EXPECT_EQ(parse_api_path("/version/").kind, route::version);
  EXPECT_EQ(parse_api_path("/readyz/ping").kind, route::health);
  EXPECT_EQ(parse_api_path("/api").kind, route::core_versions);
  EXPECT_EQ(parse_api_path("/apis/").kind, route::group_list);
  EXPECT_EQ(parse_api_path("/apis/kelos.dev").kind, route::group);
  auto rl = parse_api_path("/apis/kelos.dev/v1alpha1/");
  EXPECT_EQ(rl.kind, route::resource_list);
  EXPECT_EQ(rl.group, "kelos.dev");
  EXPECT_EQ(rl.version, "v1alpha1");
  EXPECT_EQ(parse_api_path("/api/v1").kind, route::resource_list);
  auto oa = parse_api_path("/openapi/v3/apis/kelos.dev/v1alpha1");
  EXPECT_EQ(oa.kind, route::openapi_v3_doc);
  EXPECT_EQ(oa.openapi_key, "apis/kelos.dev/v1alpha1");
  EXPECT_EQ(parse_api_path("/openapi/v3").kind, route::openapi_v3_index);
  EXPECT_EQ(parse_api_path("/openapi/v2").kind, route::openapi_v2);
  EXPECT_EQ(parse_api_path("/nothing").kind, route::unknown);
}

TEST(ApiPathTest, SplitsResourcePaths) {
  auto p = parse_api_path("/apis/kelos.dev/v1alpha1/namespaces/ns1/tasks/x/status");
  EXPECT_EQ(p.kind, route::resource);
  EXPECT_EQ(p.namespace_, "ns1");
  EXPECT_EQ(p.plural, "tasks");
  EXPECT_EQ(p.name, "x");
  EXPECT_EQ(p.subresource, "status");
  auto c = parse_api_path("/apis/kelos.dev/v1alpha1/namespaces/ns1/tasks/");
  EXPECT_TRUE(c.is_collection());
  EXPECT_EQ(c.plural, "tasks");
  auto all = parse_api_path("/api/v1/pods");
  EXPECT_EQ(all.plural, "pods");
  EXPECT_TRUE(all.namespace_.empty());
}

TEST(ApiPathTest, NamespacesResourceIsNotANamespacePrefix) {
  auto ns = parse_api_path("/api/v1/namespaces/team-a");
  EXPECT_EQ(ns.plural, "namespaces");
  EXPECT_EQ(ns.name, "team-a");
  auto st = parse_api_path("/api/v1/namespaces/team-a/status");
  EXPECT_EQ(st.plural, "namespaces");
  EXPECT_EQ(st.name, "team-a");
  EXPECT_EQ(st.subresource, "status");
  auto pods = parse_api_path("/api/v1/namespaces/team-a/pods");
  EXPECT_EQ(pods.plural, "pods");
  EXPECT_EQ(pods.namespace_, "team-a");
  EXPECT_EQ(parse_api_path("/api/v1/namespaces/a/pods/b/log/extra").kind, route::unknown);
}

TEST(QueryTest, BooleansAreCaseInsensitiveLikeUpstream) {
  for (const char* t : {"1", "t", "T", "true", "True", "TRUE"})
    EXPECT_EQ(parse_query_bool(t), true) << t;
  for (const char* f : {"0", "f", "false", "False"})
    EXPECT_EQ(parse_query_bool(f), false) << f;
  EXPECT_FALSE(parse_query_bool("yes").has_value());
}

TEST(QueryTest, DecodesPercentAndPlus) {
  auto q = parse_query("labelSelector=app+in+%28a%2Cb%29&watch=True&empty");
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0].second, "app in (a,b)");
  server_request req;
  req.query = q;
  EXPECT_TRUE(query_flag(req, "watch"));
  EXPECT_FALSE(query_flag(req, "missing"));
  EXPECT_EQ(query_value(req, "empty", "x"), "");
}

TEST(ContentTest, YamlScalarsAreTypedLikeKubectl) {
  auto j = yaml_to_json("a: 1\nb: '007'\nc: true\nd: null\ne: 1.5\nf: [x, 2]\ng: text\n");
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ((*j)["a"], 1);
  EXPECT_EQ((*j)["b"], "007");
  EXPECT_EQ((*j)["c"], true);
  EXPECT_TRUE((*j)["d"].is_null());
  EXPECT_DOUBLE_EQ((*j)["e"].get<double>(), 1.5);
  EXPECT_EQ((*j)["f"], json::parse(R"(["x",2])"));
  EXPECT_EQ((*j)["g"], "text");
  EXPECT_FALSE(yaml_to_json("a: [unclosed"));
}

TEST(ContentTest, YamlTakesTheFirstNonEmptyDocumentAndNeverHangs) {
  auto j = yaml_to_json("---\n# only a comment\n---\nkind: A\n---\nkind: B\n");
  ASSERT_TRUE(j) << j.error().message;
  EXPECT_EQ((*j)["kind"], "A");
  auto s = yaml_to_json("text: |\n  ---\n  kept\n");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ((*s)["text"], "---\nkept\n");
  EXPECT_FALSE(yaml_to_json("---\n"));
  // yaml-cpp's LoadAll loops forever on these (found by tests/fuzz/yaml).
  (void)yaml_to_json(",");
  (void)yaml_to_json(",a: b\n---\nc: d\n");
}

TEST(ContentTest, RejectsUnknownMediaTypesWith415) {
  server_request req;
  req.headers["content-type"] = "application/xml";
  req.body = "<a/>";
  auto r = decode_object_body(req);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, 415);
  EXPECT_EQ(r.error().reason, "UnsupportedMediaType");
  req.headers["content-type"] = "application/json; charset=utf-8";
  req.body = "{bad";
  auto bad = decode_object_body(req);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, 400);
  req.body = R"({"a":1})";
  EXPECT_TRUE(decode_object_body(req));
}

TEST(ContentTest, StrategicMergeOnlyWhenAllowed) {
  server_request req;
  req.headers["content-type"] = "application/strategic-merge-patch+json";
  EXPECT_EQ(*decode_patch_type(req, true), patch_type::strategic);
  auto cr = decode_patch_type(req, false);
  ASSERT_FALSE(cr);
  EXPECT_EQ(cr.error().code, 415);
  EXPECT_NE(cr.error().message.find("application/apply-patch+yaml"), std::string::npos);
  req.headers["content-type"] = "application/apply-patch+yaml";
  EXPECT_EQ(*decode_patch_type(req, false), patch_type::apply);
  req.body = "metadata:\n  name: x\n";
  auto body = decode_patch_body(req, patch_type::apply);
  ASSERT_TRUE(body);
  EXPECT_EQ((*body)["metadata"]["name"], "x");
}

TEST(ContentTest, NormalizesLeaseMicroTimes) {
  kelos::k8s::resource_info lease{"coordination.k8s.io", "v1", "Lease", "leases", "lease", true, {}, {}, {}};
  json obj = {{"spec", {{"renewTime", "2026-11-23T22:34:09.5+00:00"}, {"holderIdentity", "a"}}}};
  normalize_micro_times(lease, obj);
  EXPECT_EQ(obj["spec"]["renewTime"], "2026-11-23T22:34:09.500000Z");
}

TEST(PodLogStoreTest, TailSinceAndFollowOffsets) {
  pod_log_store logs;
  logs.append("ns", "p", "c", "one\ntwo\nthree");
  pod_log_store::read_options all;
  auto r = logs.read("ns", "p", "c", 0, all);
  EXPECT_EQ(r.text, "one\ntwo\nthree\n");
  EXPECT_EQ(r.next, 3u);
  EXPECT_FALSE(r.finished);
  pod_log_store::read_options tail;
  tail.tail_lines = 1;
  EXPECT_EQ(logs.read("ns", "p", "c", 0, tail).text, "three\n");
  pod_log_store::read_options future;
  future.since = kelos::k8s::now() + std::chrono::hours(1);
  EXPECT_EQ(logs.read("ns", "p", "c", 0, future).text, "");
  logs.append("ns", "p", "c", "four\n");
  logs.finish("ns", "p", "c");
  auto more = logs.read("ns", "p", "c", r.next, all);
  EXPECT_EQ(more.text, "four\n");
  EXPECT_TRUE(more.finished);
  EXPECT_EQ(logs.read("ns", "p", "other", 0, all).text, "");
}

TEST(KubeconfigTest, CarriesCaDataOnlyWithTls) {
  kubeconfig_spec spec;
  spec.server_url = "http://127.0.0.1:1234";
  auto plain = render_kubeconfig(spec);
  EXPECT_NE(plain.find("server: http://127.0.0.1:1234"), std::string::npos);
  EXPECT_EQ(plain.find("certificate-authority-data"), std::string::npos);
  EXPECT_NE(plain.find("namespace: default"), std::string::npos);
  EXPECT_NE(plain.find("current-context: kelos-local"), std::string::npos);
  spec.ca_pem = "-----BEGIN CERTIFICATE-----\n";
  EXPECT_NE(render_kubeconfig(spec).find("certificate-authority-data: "), std::string::npos);
}

} // namespace
