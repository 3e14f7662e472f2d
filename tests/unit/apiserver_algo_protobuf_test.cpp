#include "k8s/apiserver/protobuf.hpp"

#include <gtest/gtest.h>

#include <random>

using kelos::apiserver::json;
namespace api = kelos::apiserver;

namespace {

// A tiny protobuf writer for test vectors.
struct pb {
  std::string bytes;

  static std::string varint_bytes(uint64_t v) {
    std::string out;
    while (v >= 0x80) {
      out.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
    return out;
  }
  pb& varint(uint32_t field, uint64_t v) {
    bytes += varint_bytes(static_cast<uint64_t>(field) << 3);
    bytes += varint_bytes(v);
    return *this;
  }
  pb& str(uint32_t field, std::string_view s) {
    bytes += varint_bytes((static_cast<uint64_t>(field) << 3) | 2);
    bytes += varint_bytes(s.size());
    bytes += s;
    return *this;
  }
  pb& msg(uint32_t field, const pb& m) { return str(field, m.bytes); }
  pb& fixed32(uint32_t field, uint32_t v) {
    bytes += varint_bytes((static_cast<uint64_t>(field) << 3) | 5);
    for (int i = 0; i < 4; ++i)
      bytes.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    return *this;
  }
  pb& fixed64(uint32_t field, uint64_t v) {
    bytes += varint_bytes((static_cast<uint64_t>(field) << 3) | 1);
    for (int i = 0; i < 8; ++i)
      bytes.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
    return *this;
  }
  pb& entry(uint32_t field, std::string_view k, std::string_view v) {
    return msg(field, pb{}.str(1, k).str(2, v));
  }
};

std::string envelope(std::string_view api_version, std::string_view kind, const pb& raw) {
  pb unknown;
  unknown.msg(1, pb{}.str(1, api_version).str(2, kind)).msg(2, raw).str(3, "").str(4, "");
  return std::string("k8s\0", 4) + unknown.bytes;
}

// `kubectl create secret generic s --from-literal=a=b` (kube-api-server.md §4): ObjectMeta
// carries the name and an empty creationTimestamp, as Go's marshaller always writes it.
std::string create_secret_body() {
  pb meta;
  meta.str(1, "s").str(2, "").str(3, "").msg(8, pb{});
  pb secret;
  secret.msg(1, meta).entry(2, "a", "b").str(3, "Opaque");
  return envelope("v1", "Secret", secret);
}

} // namespace

TEST(Protobuf, EnvelopeFields) {
  std::string body = create_secret_body();
  EXPECT_TRUE(api::has_protobuf_magic(body));
  auto env = api::decode_protobuf_envelope(body);
  ASSERT_TRUE(env) << env.error().message;
  EXPECT_EQ(env->api_version, "v1");
  EXPECT_EQ(env->kind, "Secret");
  EXPECT_FALSE(env->raw.empty());
  EXPECT_TRUE(env->content_encoding.empty());
}

TEST(Protobuf, CreateSecretGenericMatchesJsonBody) {
  auto obj = api::decode_protobuf_object(create_secret_body());
  ASSERT_TRUE(obj) << obj.error().message;
  EXPECT_EQ(*obj, json::parse(R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},
      "data":{"a":"Yg=="},"type":"Opaque"})"));
}

TEST(Protobuf, ConfigMapWithLabelsAnnotationsAndBinaryData) {
  pb meta;
  meta.str(1, "cm").str(3, "ns").entry(11, "app", "x").entry(12, "note", "n").str(14, "f1");
  meta.msg(13, pb{}.str(1, "Task").str(3, "t").str(4, "uid-1").str(5, "kelos.dev/v1alpha1")
                   .varint(6, 1));
  pb cm;
  cm.msg(1, meta).entry(2, "k", "v").entry(2, "k2", "v2").entry(3, "bin", std::string("\x00\x01", 2))
      .varint(4, 1);
  auto obj = api::decode_protobuf_object(envelope("v1", "ConfigMap", cm));
  ASSERT_TRUE(obj) << obj.error().message;
  EXPECT_EQ(*obj, json::parse(R"({"apiVersion":"v1","kind":"ConfigMap",
      "metadata":{"name":"cm","namespace":"ns","labels":{"app":"x"},"annotations":{"note":"n"},
        "finalizers":["f1"],
        "ownerReferences":[{"kind":"Task","name":"t","uid":"uid-1","apiVersion":"kelos.dev/v1alpha1",
                            "controller":true}]},
      "data":{"k":"v","k2":"v2"},"binaryData":{"bin":"AAE="},"immutable":true})"));
}

TEST(Protobuf, LeaseMicroTimesAndNamespace) {
  pb spec;
  spec.str(1, "node-a").varint(2, 15).msg(3, pb{}.varint(1, 1700000000).varint(2, 123456000))
      .msg(4, pb{}.varint(1, 1700000010)).varint(5, 0);
  pb lease;
  lease.msg(1, pb{}.str(1, "kelos-controller-leader-election").str(3, "kelos-system")).msg(2, spec);
  auto obj = api::decode_protobuf_object(envelope("coordination.k8s.io/v1", "Lease", lease));
  ASSERT_TRUE(obj) << obj.error().message;
  EXPECT_EQ((*obj)["spec"], json::parse(R"({"holderIdentity":"node-a","leaseDurationSeconds":15,
      "acquireTime":"2023-11-14T22:13:20.123456Z","renewTime":"2023-11-14T22:13:30.000000Z",
      "leaseTransitions":0})"));
  EXPECT_EQ((*obj)["metadata"]["namespace"], "kelos-system");

  pb ns;
  ns.msg(1, pb{}.str(1, "team").msg(8, pb{})).msg(2, pb{}).msg(3, pb{});
  auto nobj = api::decode_protobuf_object(envelope("v1", "Namespace", ns));
  ASSERT_TRUE(nobj);
  EXPECT_EQ(*nobj, json::parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}})"));
}

TEST(Protobuf, ServiceAccountAndEvent) {
  pb sa;
  sa.msg(1, pb{}.str(1, "kelos")).msg(3, pb{}.str(1, "regcred")).varint(4, 0);
  auto s = api::decode_protobuf_object(envelope("v1", "ServiceAccount", sa));
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)["imagePullSecrets"], json::parse(R"([{"name":"regcred"}])"));
  EXPECT_EQ((*s)["automountServiceAccountToken"], false);

  pb ev;
  ev.msg(1, pb{}.str(1, "t.1").str(3, "default"))
      .msg(2, pb{}.str(1, "Task").str(2, "default").str(3, "t").str(5, "kelos.dev/v1alpha1"))
      .str(3, "Created").str(4, "created job").msg(5, pb{}.str(1, "kelos-controller"))
      .msg(6, pb{}.varint(1, 1700000000)).msg(7, pb{}.varint(1, 1700000000)).varint(8, 1)
      .str(9, "Normal").msg(10, pb{});
  auto e = api::decode_protobuf_object(envelope("v1", "Event", ev));
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ((*e)["involvedObject"]["name"], "t");
  EXPECT_EQ((*e)["reason"], "Created");
  EXPECT_EQ((*e)["source"]["component"], "kelos-controller");
  EXPECT_EQ((*e)["firstTimestamp"], "2023-11-14T22:13:20Z");
  EXPECT_EQ((*e)["count"], 1);
  EXPECT_EQ((*e)["type"], "Normal");
  EXPECT_FALSE(e->contains("eventTime"));
}

TEST(Protobuf, RbacKindsFromKubectlCreate) {
  pb rule;
  rule.str(1, "get").str(1, "list").str(2, "").str(3, "pods").str(3, "pods/log");
  pb role;
  role.msg(1, pb{}.str(1, "reader")).msg(2, rule);
  for (const char* kind : {"ClusterRole", "Role"}) {
    auto obj = api::decode_protobuf_object(envelope("rbac.authorization.k8s.io/v1", kind, role));
    ASSERT_TRUE(obj) << kind << ": " << obj.error().message;
    EXPECT_EQ((*obj)["kind"], kind);
    EXPECT_EQ((*obj)["rules"], json::parse(R"([{"verbs":["get","list"],"apiGroups":[""],
        "resources":["pods","pods/log"]}])")) << kind;
  }
  pb binding;
  binding.msg(1, pb{}.str(1, "b").str(3, "kelos-system"))
      .msg(2, pb{}.str(1, "ServiceAccount").str(3, "kelos-controller").str(4, "kelos-system"))
      .msg(2, pb{}.str(1, "User").str(2, "rbac.authorization.k8s.io").str(3, "alice"))
      .msg(3, pb{}.str(1, "rbac.authorization.k8s.io").str(2, "ClusterRole").str(3, "reader"));
  for (const char* kind : {"ClusterRoleBinding", "RoleBinding"}) {
    auto obj = api::decode_protobuf_object(envelope("rbac.authorization.k8s.io/v1", kind, binding));
    ASSERT_TRUE(obj) << kind << ": " << obj.error().message;
    EXPECT_EQ((*obj)["subjects"], json::parse(R"([
        {"kind":"ServiceAccount","name":"kelos-controller","namespace":"kelos-system"},
        {"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"alice"}])")) << kind;
    EXPECT_EQ((*obj)["roleRef"], json::parse(R"({"apiGroup":"rbac.authorization.k8s.io",
        "kind":"ClusterRole","name":"reader"})")) << kind;
  }
  EXPECT_TRUE(api::protobuf_kind_supported("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"));
}

TEST(Protobuf, UnknownFieldsAreSkipped) {
  pb secret;
  secret.msg(1, pb{}.str(1, "s").varint(99, 7).fixed32(98, 1).fixed64(97, 2))
      .str(3, "Opaque").fixed64(50, 5).varint(51, 1).str(52, "future");
  auto obj = api::decode_protobuf_object(envelope("v1", "Secret", secret));
  ASSERT_TRUE(obj) << obj.error().message;
  EXPECT_EQ((*obj)["metadata"], json::parse(R"({"name":"s"})"));
  EXPECT_EQ((*obj)["type"], "Opaque");
}

TEST(Protobuf, RejectsBadInput) {
  EXPECT_FALSE(api::decode_protobuf_object("{\"kind\":\"Secret\"}"));
  auto unsupported = api::decode_protobuf_object(envelope("apps/v1", "Deployment", pb{}));
  ASSERT_FALSE(unsupported);
  EXPECT_EQ(unsupported.error().code, kelos::errc::invalid_spec);
  EXPECT_FALSE(api::protobuf_kind_supported("v1", "Pod"));
  EXPECT_TRUE(api::protobuf_kind_supported("coordination.k8s.io/v1", "Lease"));
  // Wrong wire type for a known field.
  pb wrong;
  wrong.varint(3, 1);
  auto w = api::decode_protobuf_object(envelope("v1", "Secret", wrong));
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, kelos::errc::bad_request);
  // Length beyond the end of the message.
  std::string body = create_secret_body();
  body.back() = '\x7f';
  body += "\x12\x7f";
  EXPECT_FALSE(api::decode_protobuf_object(body));
}

TEST(Protobuf, TruncationsAndCorruptionNeverCrash) {
  std::string body = create_secret_body();
  size_t ok = 0;
  for (size_t n = 0; n < body.size(); ++n) {
    auto r = api::decode_protobuf_object(body.substr(0, n));
    if (r)
      ++ok;
  }
  EXPECT_LT(ok, body.size());
  std::mt19937 rng(42);
  for (int round = 0; round < 2000; ++round) {
    std::string mutated = body;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f)
      mutated[4 + rng() % (mutated.size() - 4)] = static_cast<char>(rng() & 0xFF);
    (void)api::decode_protobuf_object(mutated); // must return, whatever the bytes
  }
  for (int round = 0; round < 500; ++round) {
    std::string random("k8s\0", 4);
    size_t len = rng() % 64;
    for (size_t i = 0; i < len; ++i)
      random.push_back(static_cast<char>(rng() & 0xFF));
    (void)api::decode_protobuf_object(random);
  }
  SUCCEED();
}
