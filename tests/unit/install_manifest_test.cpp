#include "cli/install_manifest.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace kelos::cli;
using kelos::k8s::json;

namespace {

const char* const deployment = R"(# Source: x
apiVersion: apps/v1
kind: Deployment
metadata:
  name: mgr
  namespace: kelos-system
spec:
  template:
    spec:
      containers:
      - name: manager
        image: ghcr.io/kelos-dev/kelos-controller:latest
        imagePullPolicy: IfNotPresent
        args:
        - --leader-elect
        - --codex-image=ghcr.io/kelos-dev/codex:latest
        - --codex-image-pull-policy=Always
      - image: side:latest
        name: side
)";

} // namespace

TEST(InstallManifest, SplitSkipsCommentOnlyDocumentsAndReadsAddresses) {
  auto docs = split_manifest("# header only\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: kelos-system\n"
                             "---\n\n---\n" + std::string{deployment});
  ASSERT_TRUE(docs) << docs.error().message;
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0].label(), "namespace/kelos-system");
  EXPECT_EQ((*docs)[0].ns, "");
  EXPECT_EQ((*docs)[1].api_version, "apps/v1");
  EXPECT_EQ((*docs)[1].ns, "kelos-system");
  EXPECT_FALSE((*docs)[1].is_crd());
  EXPECT_EQ(join_manifest(*docs), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kelos-system\n---\n" +
                                      std::string{deployment});
}

TEST(InstallManifest, SplitRejectsDocumentsWithoutAnAddress) {
  struct {
    const char* text;
    const char* error;
  } cases[] = {
    {"apiVersion: v1\nkind: Namespace\n", "document 1 lacks apiVersion, kind or metadata.name"},
    {"---\nkind: X\nmetadata: {name: a}\n", "document 2 lacks"},
    {"- a\n- b\n", "document 1 is not a mapping"},
    {"a: [\n", "document 1:"},
  };
  for (const auto& c : cases) {
    auto docs = split_manifest(c.text);
    ASSERT_FALSE(docs) << c.text;
    EXPECT_NE(docs.error().message.find(c.error), std::string::npos) << docs.error().message;
  }
}

TEST(InstallManifest, PinsLatestTagsOnly) {
  EXPECT_EQ(pin_image_tags("image: a:latest\n- --x-image=b:latest\nc:v1\n", "v0.3.0"),
            "image: a:v0.3.0\n- --x-image=b:v0.3.0\nc:v1\n");
  EXPECT_EQ(pin_image_tags("image: a:latest\n", "latest"), "image: a:latest\n");
  EXPECT_EQ(pin_image_tags("image: a:latest\n", ""), "image: a:latest\n");
}

TEST(InstallManifest, PullPolicyFollowsEveryImageAndImageFlagAndReplacesOldOnes) {
  auto out = with_pull_policy(deployment, "Never");
  EXPECT_NE(out.find("        image: ghcr.io/kelos-dev/kelos-controller:latest\n        imagePullPolicy: Never\n"),
            std::string::npos)
    << out;
  EXPECT_NE(out.find("        - --codex-image=ghcr.io/kelos-dev/codex:latest\n"
                     "        - --codex-image-pull-policy=Never\n"),
            std::string::npos)
    << out;
  EXPECT_NE(out.find("      - image: side:latest\n        imagePullPolicy: Never\n        name: side\n"), std::string::npos)
    << out;
  EXPECT_EQ(out.find("IfNotPresent"), std::string::npos);
  EXPECT_EQ(out.find("=Always"), std::string::npos);
  // Applying it twice gives the same text (no duplicate keys).
  EXPECT_EQ(with_pull_policy(out, "Never"), out);
}

TEST(InstallManifest, PullPolicyValues) {
  for (const char* ok : {"Always", "IfNotPresent", "Never"})
    EXPECT_TRUE(check_pull_policy(ok)) << ok;
  for (const char* bad : {"always", "", "Sometimes"}) {
    auto r = check_pull_policy(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message.find("--image-pull-policy"), std::string::npos);
  }
}

TEST(InstallManifest, InstallDocumentsNeverRewriteCrds) {
  std::string crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x.kelos.dev\n"
                    "spec:\n  image: a:latest\n";
  auto docs = install_documents(crd + "---\n" + deployment, "v2", "Always");
  ASSERT_TRUE(docs);
  EXPECT_EQ((*docs)[0].text, crd);
  EXPECT_NE((*docs)[1].text.find("kelos-controller:v2\n        imagePullPolicy: Always\n"), std::string::npos);
  EXPECT_FALSE(install_documents(deployment, "v2", "Sometimes"));
}

TEST(InstallManifest, EmbeddedManifestHasCrdsFirstThenTheController) {
  auto docs = split_manifest(embedded_install_manifest());
  ASSERT_TRUE(docs) << docs.error().message;
  std::vector<std::string> kinds;
  for (const auto& d : *docs)
    kinds.push_back(d.kind);
  std::vector<std::string> want{"CustomResourceDefinition", "CustomResourceDefinition", "CustomResourceDefinition",
                                "CustomResourceDefinition", "Namespace", "ServiceAccount", "ClusterRole",
                                "ClusterRoleBinding", "Role", "RoleBinding", "Deployment"};
  EXPECT_EQ(kinds, want);
  std::set<std::string> crds;
  for (const auto& d : *docs) {
    if (d.is_crd())
      crds.insert(d.name);
    else if (d.kind != "Namespace" && d.kind != "ClusterRole" && d.kind != "ClusterRoleBinding") {
      EXPECT_EQ(d.ns, "kelos-system") << d.label();
    }
  }
  EXPECT_EQ(crds, (std::set<std::string>{"agentconfigs.kelos.dev", "tasks.kelos.dev", "taskspawners.kelos.dev",
                                         "workspaces.kelos.dev"}));
  EXPECT_EQ(default_install_version(), "latest");
}

TEST(InstallManifest, DiscoveryFindsTheKindAndItsScope) {
  auto list = json::parse(R"({"kind":"APIResourceList","groupVersion":"rbac.authorization.k8s.io/v1","resources":[
    {"name":"roles/status","kind":"Role","namespaced":true},
    {"name":"roles","singularName":"role","kind":"Role","namespaced":true},
    {"name":"clusterroles","singularName":"clusterrole","kind":"ClusterRole","namespaced":false}]})");
  auto role = resource_from_discovery(list, "rbac.authorization.k8s.io/v1", "Role");
  ASSERT_TRUE(role);
  EXPECT_EQ(role->plural, "roles");
  EXPECT_TRUE(role->namespaced);
  EXPECT_EQ(role->object_path("ns", "r"), "/apis/rbac.authorization.k8s.io/v1/namespaces/ns/roles/r");
  auto cr = resource_from_discovery(list, "rbac.authorization.k8s.io/v1", "ClusterRole");
  ASSERT_TRUE(cr);
  EXPECT_EQ(cr->object_path("", "c"), "/apis/rbac.authorization.k8s.io/v1/clusterroles/c");
  auto missing = resource_from_discovery(json::object(), "apps/v1", "Deployment");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, kelos::errc::not_found);
  EXPECT_EQ(missing.error().message, "the API server does not serve Deployment (apps/v1)");
  EXPECT_EQ(discovery_path("v1"), "/api/v1");
  EXPECT_EQ(discovery_path("apps/v1"), "/apis/apps/v1");
}

TEST(InstallManifest, Established) {
  EXPECT_TRUE(crd_established(json::parse(R"({"status":{"conditions":[{"type":"NamesAccepted","status":"True"},
    {"type":"Established","status":"True"}]}})")));
  EXPECT_FALSE(crd_established(json::parse(R"({"status":{"conditions":[{"type":"Established","status":"False"}]}})")));
  EXPECT_FALSE(crd_established(json::parse(R"({"metadata":{}})")));
}
