#include "k8s/apiserver/selectors.hpp"

#include "k8s/resource_registry.hpp"

#include <gtest/gtest.h>

using namespace kelos::apiserver;
using kelos::k8s::json;

namespace {

const kelos::k8s::resource_info& res(std::string_view name) {
  static auto reg = kelos::k8s::resource_registry::with_builtins();
  return *reg.lookup(name);
}

json labels(std::initializer_list<std::pair<const char*, const char*>> kv) {
  json j = json::object();
  for (auto& [k, v] : kv)
    j[k] = v;
  return j;
}

struct label_case {
  const char* selector;
  json labels;
  bool expected;
};

} // namespace

TEST(LabelSelectorTest, MatchesTable) {
  std::vector<label_case> cases = {
    {"", labels({}), true},
    {"a=b", labels({{"a", "b"}}), true},
    {"a==b", labels({{"a", "b"}}), true},
    {"a=b", labels({{"a", "c"}}), false},
    {"a=b", labels({}), false},
    {"a!=b", labels({{"a", "c"}}), true},
    {"a!=b", labels({{"a", "b"}}), false},
    {"a!=b", labels({}), true}, // != matches objects without the key
    {"a in (b,c)", labels({{"a", "c"}}), true},
    {"a in (b,c)", labels({{"a", "d"}}), false},
    {"a in (b,c)", labels({}), false},
    {"a notin (b,c)", labels({{"a", "d"}}), true},
    {"a notin (b,c)", labels({{"a", "b"}}), false},
    {"a notin (b,c)", labels({}), true}, // notin matches objects without the key
    {"a", labels({{"a", ""}}), true},
    {"a", labels({}), false},
    {"!a", labels({}), true},
    {"!a", labels({{"a", "x"}}), false},
    {"a=b, c in (d), !e", labels({{"a", "b"}, {"c", "d"}}), true},
    {"a=b,c in (d),!e", labels({{"a", "b"}, {"c", "d"}, {"e", "1"}}), false},
    {"kelos.dev/task=t1", labels({{"kelos.dev/task", "t1"}}), true},
    {"a=", labels({{"a", ""}}), true},
  };
  for (auto& c : cases) {
    auto sel = parse_label_selector(c.selector);
    ASSERT_TRUE(sel) << c.selector << ": " << sel.error().message;
    EXPECT_EQ(sel->matches(c.labels), c.expected) << c.selector << " on " << c.labels.dump();
  }
  EXPECT_TRUE(parse_label_selector("a=b")->matches(nullptr) == false);
}

TEST(LabelSelectorTest, RejectsBadSyntaxNamingTheToken) {
  struct bad {
    const char* text;
    const char* fragment;
  };
  std::vector<bad> cases = {
    {"a in b", "found 'b'"},
    {"(a)", "found '('"},
    {"a=b,", "end of string"},
    {"a in (b", "end of string"},
    {"a=b c", "found 'c'"},
    {"!a=b", "found '='"},
    {"-bad-=x", "invalid label key"},
    {"a=-bad", "invalid label value"},
  };
  for (auto& c : cases) {
    auto sel = parse_label_selector(c.text);
    ASSERT_FALSE(sel) << c.text;
    EXPECT_EQ(sel.error().code, kelos::errc::bad_request);
    EXPECT_NE(sel.error().message.find(c.fragment), std::string::npos)
      << c.text << " -> " << sel.error().message;
  }
}

TEST(LabelSelectorTest, RoundTripsThroughToString) {
  auto sel = parse_label_selector("a=b,c!=d,e in (f,g),h notin (i),j,!k");
  ASSERT_TRUE(sel);
  EXPECT_EQ(sel->to_string(), "a=b,c!=d,e in (f,g),h notin (i),j,!k");
  auto again = parse_label_selector(sel->to_string());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->requirements.size(), 6u);
}

TEST(LabelSelectorTest, ObjectFormMatchLabelsAndExpressions) {
  json j = {{"matchLabels", {{"app", "x"}}},
            {"matchExpressions",
             {{{"key", "tier"}, {"operator", "In"}, {"values", {"a", "b"}}},
              {{"key", "skip"}, {"operator", "DoesNotExist"}}}}};
  auto sel = label_selector_from_json(j);
  ASSERT_TRUE(sel) << sel.error().message;
  EXPECT_TRUE(sel->matches(labels({{"app", "x"}, {"tier", "a"}})));
  EXPECT_FALSE(sel->matches(labels({{"app", "x"}, {"tier", "c"}})));
  EXPECT_FALSE(sel->matches(labels({{"app", "x"}, {"tier", "a"}, {"skip", "1"}})));
  EXPECT_TRUE(label_selector_from_json(nullptr)->empty());
  EXPECT_TRUE(label_selector_from_json(json::object())->matches(labels({})));
  EXPECT_FALSE(label_selector_from_json({{"matchExpressions", {{{"key", "a"}, {"operator", "In"}}}}}));
  EXPECT_FALSE(label_selector_from_json({{"matchExpressions", {{{"key", "a"}, {"operator", "Bogus"}}}}}));
}

TEST(FieldSelectorTest, MatchesNameNamespaceAndKindFields) {
  json pod = {{"metadata", {{"name", "p1"}, {"namespace", "ns"}}},
              {"spec", {{"nodeName", "n1"}}},
              {"status", {{"phase", "Running"}}}};
  struct fcase {
    const char* text;
    bool expected;
  };
  std::vector<fcase> cases = {
    {"", true},
    {"metadata.name=p1", true},
    {"metadata.name==p1", true},
    {"metadata.name!=p1", false},
    {"metadata.namespace=ns,status.phase=Running", true},
    {"status.phase!=Running", false},
    {"spec.nodeName=n1", true},
    {"spec.nodeName=", false},
  };
  for (auto& c : cases) {
    auto sel = parse_field_selector(c.text, res("pods"));
    ASSERT_TRUE(sel) << c.text << ": " << sel.error().message;
    EXPECT_EQ(sel->matches(pod), c.expected) << c.text;
  }
  json unscheduled = {{"metadata", {{"name", "p2"}}}};
  EXPECT_TRUE(parse_field_selector("spec.nodeName=", res("pods"))->matches(unscheduled));
}

TEST(FieldSelectorTest, EventsSupportInvolvedObject) {
  json ev = {{"metadata", {{"name", "e"}, {"namespace", "ns"}}},
             {"involvedObject", {{"kind", "Task"}, {"name", "t1"}, {"uid", "u1"}}},
             {"reason", "Started"},
             {"type", "Normal"}};
  auto sel = parse_field_selector("involvedObject.name=t1,involvedObject.kind=Task,type=Normal",
                                  *kelos::k8s::resource_registry::with_builtins().by_resource("", "v1", "events"));
  ASSERT_TRUE(sel) << sel.error().message;
  EXPECT_TRUE(sel->matches(ev));
}

TEST(FieldSelectorTest, UnknownFieldGivesUpstreamText) {
  auto sel = parse_field_selector("foo.bar=baz", res("tasks"));
  ASSERT_FALSE(sel);
  EXPECT_EQ(sel.error().code, kelos::errc::bad_request);
  EXPECT_EQ(sel.error().message,
            "\"foo.bar\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
  EXPECT_FALSE(parse_field_selector("status.phase=Running", res("tasks")));
  auto bad = parse_field_selector("metadata.name", res("tasks"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("can't understand 'metadata.name'"), std::string::npos);
}

TEST(ObjectFilterTest, CombinesNamespaceLabelsAndFields) {
  auto f = make_filter(res("pods"), "ns", "app=x", "metadata.name=p");
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->matches({{"metadata", {{"name", "p"}, {"namespace", "ns"}, {"labels", {{"app", "x"}}}}}}));
  EXPECT_FALSE(f->matches({{"metadata", {{"name", "p"}, {"namespace", "other"}, {"labels", {{"app", "x"}}}}}}));
  EXPECT_FALSE(f->matches({{"metadata", {{"name", "p"}, {"namespace", "ns"}}}}));
  EXPECT_FALSE(make_filter(res("pods"), "ns", "a in", ""));
}
