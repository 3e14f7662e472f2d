#include "k8s/client/list_page.hpp"
#include "k8s/client/watch_event.hpp"

#include <gtest/gtest.h>

using namespace kelos::k8s;

TEST(WatchEvent, DecodesEachType) {
  struct row {
    const char* type;
    watch_event_type expected;
  };
  for (auto [type, expected] : {row{"ADDED", watch_event_type::added}, row{"MODIFIED", watch_event_type::modified},
                                row{"DELETED", watch_event_type::deleted}, row{"BOOKMARK", watch_event_type::bookmark},
                                row{"ERROR", watch_event_type::error}}) {
    auto line = std::string{R"({"type":")"} + type + R"(","object":{"metadata":{"resourceVersion":"9"}}})";
    auto ev = decode_watch_event(line);
    ASSERT_TRUE(ev) << type;
    EXPECT_EQ(ev->type, expected);
    EXPECT_EQ(to_string(ev->type), type);
    EXPECT_EQ(ev->resource_version(), "9");
  }
}

TEST(WatchEvent, KeepsObject) {
  auto ev = decode_watch_event(
    R"({"type":"ADDED","object":{"kind":"Task","metadata":{"name":"t","namespace":"d","resourceVersion":"5"},"spec":{"x":1}}})");
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->object["spec"]["x"], 1);
  EXPECT_EQ(ev->object["kind"], "Task");
  EXPECT_FALSE(ev->is_gone());
}

TEST(WatchEvent, RejectsMalformedLines) {
  for (const char* line : {"", "not json", "[1,2]", R"({"object":{}})", R"({"type":"ADDED"})",
                           R"({"type":"RENAMED","object":{}})", R"({"type":"ADDED","object":"x"})",
                           R"({"type":7,"object":{}})", R"({"type":"ADDED","object":{)"}) {
    auto ev = decode_watch_event(line);
    ASSERT_FALSE(ev) << line;
    EXPECT_EQ(ev.error().code, kelos::errc::parse_error) << line;
  }
}

TEST(WatchEvent, RecognisesExpiredErrorAsGone) {
  auto ev = decode_watch_event(
    R"j({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"message":"too old resource version: 105 (0)"}})j");
  ASSERT_TRUE(ev);
  EXPECT_TRUE(ev->is_gone());
  auto st = ev->error_status();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->reason, "Expired");
  auto err = error_of(*ev);
  EXPECT_EQ(err.code, kelos::errc::gone);
  EXPECT_NE(err.message.find("too old resource version"), std::string::npos);
}

TEST(WatchEvent, OtherErrorIsNotGone) {
  auto ev = decode_watch_event(
    R"({"type":"ERROR","object":{"kind":"Status","status":"Failure","reason":"InternalError","code":500,"message":"boom"}})");
  ASSERT_TRUE(ev);
  EXPECT_FALSE(ev->is_gone());
  EXPECT_EQ(error_of(*ev).code, kelos::errc::server_unavailable);
}

TEST(WatchEvent, ErrorWithoutStatusIsHttpError) {
  auto ev = decode_watch_event(R"({"type":"ERROR","object":{"foo":1}})");
  ASSERT_TRUE(ev);
  EXPECT_FALSE(ev->is_gone());
  EXPECT_EQ(error_of(*ev).code, kelos::errc::http_error);
}

TEST(WatchEvent, GoneCodeOnNonErrorEventIsIgnored) {
  auto ev = decode_watch_event(R"({"type":"MODIFIED","object":{"kind":"Status","code":410}})");
  ASSERT_TRUE(ev);
  EXPECT_FALSE(ev->is_gone());
}

TEST(WatchEvent, InitialEventsEndBookmark) {
  auto ev = decode_watch_event(
    R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"12","annotations":{"k8s.io/initial-events-end":"true"}}}})");
  ASSERT_TRUE(ev);
  EXPECT_TRUE(ev->is_initial_events_end());
  auto plain = decode_watch_event(R"({"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"12"}}})");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->is_initial_events_end());
}

TEST(ListPage, DecodesItemsVersionAndContinue) {
  auto p = decode_list_page(
    R"({"kind":"TaskList","apiVersion":"kelos.dev/v1alpha1","metadata":{"resourceVersion":"77","continue":"c1"},
        "items":[{"metadata":{"name":"a"}},{"kind":"Task","apiVersion":"kelos.dev/v1alpha1","metadata":{"name":"b"}}]})");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->resource_version, "77");
  EXPECT_EQ(p->continue_token, "c1");
  ASSERT_EQ(p->items.size(), 2u);
  EXPECT_EQ(p->items[0]["kind"], "Task");
  EXPECT_EQ(p->items[0]["apiVersion"], "kelos.dev/v1alpha1");
  EXPECT_EQ(p->items[1]["metadata"]["name"], "b");
}

TEST(ListPage, NullItemsIsEmptyPage) {
  auto p = decode_list_page(R"({"kind":"PodList","metadata":{"resourceVersion":"3"},"items":null})");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->items.empty());
  EXPECT_EQ(p->continue_token, "");
}

TEST(ListPage, RejectsBadBodies) {
  for (const char* body : {"", "{", "[]", R"({"items":{}})", R"({"items":[1]})"}) {
    auto p = decode_list_page(body);
    ASSERT_FALSE(p) << body;
    EXPECT_EQ(p.error().code, kelos::errc::parse_error);
  }
}
