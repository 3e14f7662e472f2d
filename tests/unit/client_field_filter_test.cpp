#include "k8s/client/field_filter.hpp"
#include "k8s/client/list_page.hpp"
#include "k8s/client/watch_event.hpp"
#include "k8s/client/watch_state.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace kelos::k8s;

namespace {

const char* task_json = R"({"apiVersion":"kelos.dev/v1alpha1","kind":"Task",
  "metadata":{"name":"t","namespace":"d","resourceVersion":"7","labels":{"a":"1"},
              "managedFields":[{"manager":"kubectl","fieldsV1":{"f:spec":{}}}]},
  "spec":{"prompt":"long text","branch":"b1","nested":{"x":[1,2,{"y":null}]}},
  "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}})";

} // namespace

TEST(FieldFilter, AllKeepsEverything) {
  filter_node all;
  all.all = true;
  auto j = parse_filtered(task_json, all);
  ASSERT_TRUE(j);
  EXPECT_EQ(*j, json::parse(task_json));
}

TEST(FieldFilter, ObjectFilterKeepsMetadataAndRequestedPaths) {
  auto f = object_filter({"status", "spec.branch"});
  auto j = parse_filtered(task_json, f);
  ASSERT_TRUE(j);
  json expected = json::parse(task_json);
  expected["metadata"].erase("managedFields");
  expected["spec"] = {{"branch", "b1"}};
  EXPECT_EQ(*j, expected);
}

TEST(FieldFilter, DroppedSubtreesWithNestedContainersAreSkipped) {
  filter_node f;
  f.keep("spec.nested.x");
  auto j = parse_filtered(task_json, f);
  ASSERT_TRUE(j);
  EXPECT_EQ(*j, json::parse(R"({"spec":{"nested":{"x":[1,2,{"y":null}]}}})"));
}

TEST(FieldFilter, ArraysApplyTheNodeToEveryElement) {
  filter_node f;
  f.keep("items.metadata.name");
  auto j = parse_filtered(R"({"items":[{"metadata":{"name":"a","uid":"1"},"spec":{}},{"metadata":{"name":"b"}}]})", f);
  ASSERT_TRUE(j);
  EXPECT_EQ(*j, json::parse(R"({"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})"));
}

TEST(FieldFilter, InvalidJsonIsParseError) {
  filter_node f;
  f.keep("a");
  for (const char* text : {"", "{", R"({"a":})", R"({"b":[1,2})", "nul"}) {
    auto j = parse_filtered(text, f);
    ASSERT_FALSE(j) << text;
    EXPECT_EQ(j.error().code, kelos::errc::parse_error);
  }
}

TEST(FieldFilter, FilteredWatchEventKeepsTypeAndStatusOfErrors) {
  auto ef = watch_event_filter(object_filter({"status.phase"}));
  auto ev = decode_watch_event(std::string{R"({"type":"MODIFIED","object":)"} + task_json + "}", ef);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->type, watch_event_type::modified);
  EXPECT_EQ(ev->resource_version(), "7");
  EXPECT_EQ(ev->object["status"], json::parse(R"({"phase":"Running"})"));
  EXPECT_FALSE(ev->object.contains("spec"));

  auto gone = decode_watch_event(
    R"({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"message":"too old"}})",
    ef);
  ASSERT_TRUE(gone);
  EXPECT_TRUE(gone->is_gone());

  EXPECT_FALSE(decode_watch_event(R"({"type":"ADDED"})", ef));
  auto in = input_from_line("{oops", &ef);
  EXPECT_TRUE(std::holds_alternative<decode_failed>(in));
}

TEST(FieldFilter, FilteredListPage) {
  auto lf = list_filter(object_filter({}));
  auto p = decode_list_page(std::string{R"({"kind":"TaskList","apiVersion":"kelos.dev/v1alpha1",
    "metadata":{"resourceVersion":"9","continue":"c"},"items":[)"} + task_json + "]}",
                            lf);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->resource_version, "9");
  EXPECT_EQ(p->continue_token, "c");
  ASSERT_EQ(p->items.size(), 1u);
  EXPECT_EQ(p->items[0]["metadata"]["labels"]["a"], "1");
  EXPECT_FALSE(p->items[0].contains("spec"));
  EXPECT_FALSE(p->items[0]["metadata"].contains("managedFields"));
}

TEST(FieldFilter, FullParseMatchesNlohmannOnCorpus) {
  filter_node all;
  all.all = true;
  for (const char* text : {
         "0", "-0", "123", "-123", "18446744073709551615", "18446744073709551616", "-9223372036854775808",
         "-9223372036854775809", "1.5", "-1.25e-3", "1E10", "2e+2", "true", "false", "null", R"("")",
         R"("plain")", R"("esc \" \\ \/ \b \f \n \r \t")", R"("\u00e9\u4e2d\ud83d\ude00")", "\"caf\xC3\xA9 \xE4\xB8\xAD\"",
         "\"\xF0\x9F\x98\x80\"", "[]", "{}", " [ 1 , [ ] , { } ] ", R"({"a":{"b":[{"c":null}]},"a2":1})", "1e-400", "-2.5E-320", "1e308",
         R"({"dup":1,"dup":2})"}) {
    auto mine = parse_filtered(text, all);
    ASSERT_TRUE(mine) << text << ": " << mine.error().message;
    auto ref = json::parse(text);
    EXPECT_EQ(*mine, ref) << text;
    EXPECT_EQ(mine->dump(), ref.dump()) << text;
  }
}

TEST(FieldFilter, RejectsWhatStrictJsonRejects) {
  filter_node all;
  all.all = true;
  filter_node none;  // drops everything, but must still validate
  for (const char* text : {"01", "-", "1.", ".5", "1e", "+1", "tru", "nulll", "[1,]", R"({"a":1,})", "{a:1}",
                           R"("unterminated)", "\"tab\there\"", R"("\x")", R"("\ud800")", R"("\udc00")",
                           R"("\u12")", "\"\xC3\"", "\"\xFF\"", "\"\xED\xA0\x80\"", "[1 2]", "{} {}", "/*c*/1", "1e309", "-1e400"}) {
    EXPECT_FALSE(parse_filtered(text, all)) << text;
    EXPECT_FALSE(parse_filtered(std::string{R"({"x":)"} + text + "}", none)) << text;
    EXPECT_TRUE(json::parse(text, nullptr, false).is_discarded()) << "reference accepts " << text;
  }
}

TEST(FieldFilter, DeepNestingIsRejectedNotCrashing) {
  filter_node all;
  all.all = true;
  std::string deep(100000, '[');
  EXPECT_FALSE(parse_filtered(deep, all));
  std::string ok(200, '[');
  ok += std::string(200, ']');
  EXPECT_TRUE(parse_filtered(ok, all));
}

TEST(FieldFilter, RandomMutationsAgreeWithNlohmann) {
  // Differential check: flip, drop and insert bytes in valid documents; the fast
  // parser must accept exactly what nlohmann accepts and build the same value.
  filter_node all;
  all.all = true;
  const std::string seeds[] = {
    task_json,
    R"({"type":"ADDED","object":{"a":[1,-2.5e3,true,false,null,"s\"\\\u00e9"],"b":{}}})",
    "[\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\", 0, -0.0, 1e-7, 12345678901234567890]",
  };
  const char alphabet[] = "{}[]\",:\\-+.eE0123456789tfnul \n\t\x80\xC3\xA9\xF0";
  std::mt19937 rng(12345);
  int accepted = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string s = seeds[i % 3];
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      std::size_t pos = rng() % s.size();
      char c = alphabet[rng() % (sizeof(alphabet) - 1)];
      switch (rng() % 3) {
        case 0: s[pos] = c; break;
        case 1: s.erase(pos, 1); break;
        default: s.insert(pos, 1, c); break;
      }
    }
    auto ref = json::parse(s, nullptr, false);
    auto mine = parse_filtered(s, all);
    ASSERT_EQ(mine.has_value(), !ref.is_discarded()) << s;
    if (mine) {
      ++accepted;
      EXPECT_EQ(mine->dump(), ref.dump()) << s;
    }
  }
  // Some mutations must stay valid (e.g. digit changes), or the check is vacuous.
  EXPECT_GT(accepted, 100);
}
