#include <gtest/gtest.h>

#include "k8s/apiserver/crd_model.hpp"
#include "tests/unit/apiserver_describe_fixtures.hpp"

namespace kelos::apiserver {
namespace {

using k8s::json;

TEST(CrdModel, ParsesTaskCrd) {
  auto crd = parse_crd(testing::task_crd());
  ASSERT_TRUE(crd) << crd.error().message;
  EXPECT_EQ(crd->name, "tasks.kelos.dev");
  EXPECT_EQ(crd->group, "kelos.dev");
  EXPECT_EQ(crd->names.kind, "Task");
  EXPECT_EQ(crd->names.list_kind, "TaskList");
  EXPECT_TRUE(crd->namespaced());
  ASSERT_EQ(crd->versions.size(), 1u);
  const auto& v = crd->versions[0];
  EXPECT_TRUE(v.served);
  EXPECT_TRUE(v.storage);
  EXPECT_TRUE(v.status_subresource);
  EXPECT_FALSE(v.scale);
  ASSERT_EQ(v.printer_columns.size(), 5u);
  EXPECT_EQ(v.printer_columns[2].name, "Branch");
  EXPECT_EQ(v.printer_columns[2].priority, 1);
  EXPECT_EQ(v.printer_columns[4].type, "date");
  EXPECT_EQ(v.schema["properties"]["spec"]["required"][0], "credentials");
  EXPECT_EQ(crd->conversion_strategy, "None");
}

TEST(CrdModel, DefaultsSingularAndListKind) {
  auto doc = testing::task_crd();
  doc["spec"]["names"].erase("singular");
  doc["spec"]["names"].erase("listKind");
  auto crd = parse_crd(doc);
  ASSERT_TRUE(crd) << crd.error().message;
  EXPECT_EQ(crd->names.singular, "task");
  EXPECT_EQ(crd->names.list_kind, "TaskList");
}

TEST(CrdModel, RejectsNameNotPluralDotGroup) {
  auto doc = testing::task_crd();
  doc["metadata"]["name"] = "task.kelos.dev";
  auto crd = parse_crd(doc);
  ASSERT_FALSE(crd);
  EXPECT_EQ(crd.error().code, errc::invalid_spec);
  EXPECT_NE(crd.error().message.find("metadata.name"), std::string::npos);
  EXPECT_NE(crd.error().message.find("tasks.kelos.dev"), std::string::npos);
}

TEST(CrdModel, RejectsZeroOrTwoStorageVersions) {
  auto doc = testing::task_crd();
  doc["spec"]["versions"][0]["storage"] = false;
  auto none = parse_crd(doc);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("exactly one version marked as storage"),
            std::string::npos);

  auto two = testing::task_crd();
  auto v2 = two["spec"]["versions"][0];
  v2["name"] = "v1alpha2";
  two["spec"]["versions"].push_back(v2);
  auto res = parse_crd(two);
  ASSERT_FALSE(res);
  EXPECT_NE(res.error().message.find("exactly one version marked as storage"), std::string::npos);
}

TEST(CrdModel, RejectsInvalidFields) {
  struct tc {
    const char* what;
    std::function<void(json&)> mutate;
    const char* needle;
  };
  std::vector<tc> cases{
    {"group without dot", [](json& d) { d["spec"]["group"] = "kelos"; d["metadata"]["name"] = "tasks.kelos"; }, "spec.group"},
    {"bad scope", [](json& d) { d["spec"]["scope"] = "Global"; }, "spec.scope"},
    {"no versions", [](json& d) { d["spec"]["versions"] = json::array(); }, "spec.versions"},
    {"no kind", [](json& d) { d["spec"]["names"].erase("kind"); }, "spec.names.kind"},
    {"upper plural", [](json& d) { d["spec"]["names"]["plural"] = "Tasks"; }, "spec.names.plural"},
    {"duplicate version", [](json& d) {
       auto v = d["spec"]["versions"][0]; v["storage"] = false; d["spec"]["versions"].push_back(v); },
     "Duplicate value"},
    {"bad column type", [](json& d) {
       d["spec"]["versions"][0]["additionalPrinterColumns"][0]["type"] = "text"; }, ".type"},
    {"bad column path", [](json& d) {
       d["spec"]["versions"][0]["additionalPrinterColumns"][0]["jsonPath"] = ".spec[?(@.x"; },
     ".jsonPath"},
    {"bad conversion", [](json& d) { d["spec"]["conversion"] = {{"strategy", "Magic"}}; },
     "spec.conversion.strategy"},
    {"wrong apiVersion", [](json& d) { d["apiVersion"] = "apiextensions.k8s.io/v1beta1"; },
     "apiVersion"},
  };
  for (auto& c : cases) {
    auto doc = testing::task_crd();
    c.mutate(doc);
    auto crd = parse_crd(doc);
    ASSERT_FALSE(crd) << c.what;
    EXPECT_EQ(crd.error().code, errc::invalid_spec) << c.what;
    EXPECT_NE(crd.error().message.find(c.needle), std::string::npos)
      << c.what << ": " << crd.error().message;
  }
}

TEST(CrdModel, NonObjectIsParseError) {
  auto crd = parse_crd(json::array());
  ASSERT_FALSE(crd);
  EXPECT_EQ(crd.error().code, errc::parse_error);
}

TEST(CrdModel, MultiVersionWebhookCrdServesEveryServedVersion) {
  auto crd = parse_crd(testing::multi_version_crd());
  ASSERT_TRUE(crd) << crd.error().message;
  EXPECT_EQ(crd->conversion_strategy, "Webhook");
  EXPECT_FALSE(crd->namespaced());
  EXPECT_EQ(crd->storage_version().name, "v1alpha1");
  auto infos = to_resource_infos(*crd);
  ASSERT_EQ(infos.size(), 2u);  // v1beta1 is not served
  EXPECT_EQ(infos[0].version, "v1alpha1");
  EXPECT_TRUE(infos[0].subresources.empty());
  EXPECT_EQ(infos[1].version, "v1alpha2");
  EXPECT_EQ(infos[1].subresources, (std::vector<std::string>{"status", "scale"}));
  EXPECT_FALSE(infos[1].namespaced);
  EXPECT_EQ(infos[1].short_names, std::vector<std::string>{"wd"});
  EXPECT_EQ(infos[1].collection_path(""), "/apis/example.com/v1alpha2/widgets");

  auto served = to_served_resources(*crd);
  ASSERT_EQ(served.size(), 2u);
  EXPECT_EQ(served[1].storage_version, "v1alpha1");
  EXPECT_TRUE(served[1].from_crd);
  EXPECT_EQ(served[1].list_kind, "WidgetList");
  ASSERT_TRUE(served[1].scale);
  EXPECT_EQ(served[1].scale->spec_replicas_path, ".spec.replicas");
  EXPECT_EQ(crd->served_versions_by_priority(), (std::vector<std::string>{"v1alpha2", "v1alpha1"}));
}

TEST(CrdModel, VersionPriorityFollowsKubernetesRules) {
  std::vector<std::string> v{"v1alpha1", "foo", "v2", "v1beta1", "v1", "v10beta3", "v1beta2",
                             "bar", "v12alpha1"};
  std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return version_higher_priority(a, b); });
  EXPECT_EQ(v, (std::vector<std::string>{"v2", "v1", "v10beta3", "v1beta2", "v1beta1",
                                         "v12alpha1", "v1alpha1", "bar", "foo"}));
}

TEST(CrdModel, StatusWithoutConflicts) {
  auto crd = parse_crd(testing::task_crd());
  ASSERT_TRUE(crd);
  auto st = crd_status(*crd, false, "2026-11-23T10:00:00Z");
  EXPECT_EQ(st["acceptedNames"],
            json::parse(R"({"plural":"tasks","singular":"task","kind":"Task","listKind":"TaskList"})"));
  ASSERT_EQ(st["conditions"].size(), 2u);
  EXPECT_EQ(st["conditions"][0], json::parse(R"({"type":"NamesAccepted","status":"True",
    "lastTransitionTime":"2026-11-23T10:00:00Z","reason":"NoConflicts","message":"no conflicts found"})"));
  EXPECT_EQ(st["conditions"][1], json::parse(R"({"type":"Established","status":"True",
    "lastTransitionTime":"2026-11-23T10:00:00Z","reason":"InitialNamesAccepted",
    "message":"the initial names have been accepted"})"));
  EXPECT_EQ(st["storedVersions"], json::array({"v1alpha1"}));
}

TEST(CrdModel, StatusKeepsTransitionTimeAndMergesStoredVersions) {
  auto crd = parse_crd(testing::task_crd());
  ASSERT_TRUE(crd);
  auto first = crd_status(*crd, false, "2026-11-23T10:00:00Z");
  first["storedVersions"] = json::array({"v1alpha0"});
  auto second = crd_status(*crd, false, "2026-11-23T11:00:00Z", first);
  EXPECT_EQ(second["conditions"][1]["lastTransitionTime"], "2026-11-23T10:00:00Z");
  EXPECT_EQ(second["storedVersions"], json::array({"v1alpha0", "v1alpha1"}));
}

TEST(CrdModel, StatusWithConflict) {
  auto crd = parse_crd(testing::task_crd());
  ASSERT_TRUE(crd);
  auto st = crd_status(*crd, true, "2026-11-23T10:00:00Z", json(), "\"tasks\" is taken");
  EXPECT_EQ(st["conditions"][0]["type"], "NamesAccepted");
  EXPECT_EQ(st["conditions"][0]["status"], "False");
  EXPECT_EQ(st["conditions"][0]["message"], "\"tasks\" is taken");
  EXPECT_EQ(st["conditions"][1]["type"], "Established");
  EXPECT_EQ(st["conditions"][1]["status"], "False");
  EXPECT_EQ(st["acceptedNames"]["kind"], "");
}

TEST(CrdModel, NameConflicts) {
  auto existing = served_builtins();
  auto crd = parse_crd(testing::task_crd());
  ASSERT_TRUE(crd);
  EXPECT_FALSE(find_name_conflict(*crd, existing));
  // Re-registering ourselves is not a conflict.
  for (auto& r : to_served_resources(*crd))
    existing.push_back(r);
  EXPECT_FALSE(find_name_conflict(*crd, existing));

  // Another CRD in the same group taking our short name / kind / plural.
  auto other = testing::taskspawner_crd();
  other["spec"]["names"]["shortNames"] = json::array({"task"});
  auto other_crd = parse_crd(other);
  ASSERT_TRUE(other_crd);
  auto c = find_name_conflict(*other_crd, existing);
  ASSERT_TRUE(c);
  EXPECT_NE(c->find("tasks.kelos.dev"), std::string::npos);

  auto same_plural = testing::task_crd();
  same_plural["spec"]["names"]["kind"] = "Chore";
  same_plural["spec"]["names"].erase("listKind");
  auto sp = parse_crd(same_plural);
  ASSERT_TRUE(sp);
  ASSERT_TRUE(find_name_conflict(*sp, existing));

  // A built-in group name clash: a CRD in group "batch"-like groups needs a dot, so use
  // apiextensions.k8s.io with a taken kind.
  auto builtin_clash = testing::task_crd();
  builtin_clash["spec"]["group"] = "apiextensions.k8s.io";
  builtin_clash["metadata"]["name"] = "crds.apiextensions.k8s.io";
  builtin_clash["spec"]["names"]["plural"] = "crds";
  builtin_clash["spec"]["names"]["kind"] = "Thing";
  builtin_clash["spec"]["names"]["singular"] = "thing";
  builtin_clash["spec"]["names"].erase("listKind");
  auto bc = parse_crd(builtin_clash);
  ASSERT_TRUE(bc) << bc.error().message;
  auto msg = find_name_conflict(*bc, existing);
  ASSERT_TRUE(msg);
  EXPECT_NE(msg->find("\"crds\""), std::string::npos);
}

TEST(CrdModel, ServedBuiltinsHaveVerbsAndListKinds) {
  auto b = served_builtins();
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(b[0].info.kind, "Namespace");
  EXPECT_EQ(b[0].list_kind, "NamespaceList");
  EXPECT_EQ(b[0].verbs, default_verbs());
  EXPECT_FALSE(b[0].from_crd);
}

} // namespace
} // namespace kelos::apiserver
