#include "runtime/log.hpp"
#include "runtime/log_format.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/sinks/ostream_sink.h>

#include <gtest/gtest.h>

#include <sstream>

using namespace kelos;
using namespace kelos::logfmt;
using namespace std::chrono;

namespace {

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

system_clock::time_point at_ms(int64_t ms) {
  return system_clock::time_point{duration_cast<system_clock::duration>(milliseconds{ms})};
}

record sample(std::string_view msg) {
  record r;
  r.ts = at_ms(1735787045678); // 2025-01-02T03:04:05.678Z
  r.level = "info";
  r.logger = "kelos-controller";
  r.actor = "task";
  r.object = "default/foo";
  r.msg = msg;
  return r;
}

} // namespace

TEST(LogFormat, ParsesFormatNames) {
  EXPECT_EQ(parse_format("text"), format::text);
  EXPECT_EQ(parse_format("json"), format::json);
  EXPECT_EQ(parse_format("JSON"), std::nullopt);
  EXPECT_EQ(parse_format(""), std::nullopt);
}

TEST(LogFormat, TimestampsAreRfc3339UtcWithMilliseconds) {
  EXPECT_EQ(rfc3339_ms(at_ms(1735787045678)), "2025-01-02T03:04:05.678Z");
  EXPECT_EQ(rfc3339_ms(at_ms(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339_ms(at_ms(1735787045001)), "2025-01-02T03:04:05.001Z");
}

TEST(LogFormat, JsonEscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_string("plain"), "\"plain\"");
  EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_string("l1\nl2\r\t"), "\"l1\\nl2\\r\\t\"");
  EXPECT_EQ(json_string(std::string{"\x00\x01\x1f\x7f\b\f", 6}), "\"\\u0000\\u0001\\u001f\\u007f\\b\\f\"");
}

TEST(LogFormat, JsonKeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(json_string("a\xff" "b"), "\"a\\ufffdb\"");
  // Truncated sequence, lone continuation byte, overlong '/', surrogate, above U+10FFFF.
  EXPECT_EQ(json_string("\xe2\x82"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(json_string("\x80"), "\"\\ufffd\"");
  EXPECT_EQ(json_string("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(json_string("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
  EXPECT_EQ(json_string("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

TEST(LogFormat, JsonLineIsOneParsableObjectWithEveryField) {
  std::string nasty = "quote \" backslash \\ newline \n bell \x07 bad \xfe end";
  auto line = render_json(sample(nasty));
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["ts"], "2025-01-02T03:04:05.678Z");
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["logger"], "kelos-controller");
  EXPECT_EQ(j["actor"], "task");
  EXPECT_EQ(j["object"], "default/foo");
  EXPECT_EQ(j["msg"], "quote \" backslash \\ newline \n bell \x07 bad \xef\xbf\xbd end");
}

TEST(LogFormat, JsonOmitsEmptyActorAndObject) {
  auto r = sample("m");
  r.actor = {};
  r.object = {};
  EXPECT_EQ(render_json(r), R"({"ts":"2025-01-02T03:04:05.678Z","level":"info","logger":"kelos-controller","msg":"m"})");
}

TEST(LogFormat, TextLineNamesActorAndObjectAndEscapesControls) {
  std::size_t b = 0, e = 0;
  auto line = render_text(sample("created Job foo\nforged [error] line"), &b, &e);
  EXPECT_EQ(line, "[2025-01-02T03:04:05.678Z] [info] task default/foo: created Job foo\\nforged [error] line");
  EXPECT_EQ(line.substr(b, e - b), "info");
  EXPECT_EQ(escape_text(std::string{"a\tb\x1b[31m\r", 9}), "a\tb\\x1b[31m\\r");
}

TEST(LogFormat, PrefixNamesWhatIsKnown) {
  EXPECT_EQ(with_prefix("task", "default/foo", "m"), "task default/foo: m");
  EXPECT_EQ(with_prefix("kube", "", "m"), "kube: m");
  EXPECT_EQ(with_prefix("", "", "m"), "m");
}

TEST(LogFormat, ContextRoundTripsThroughThePayload) {
  auto p = encode_context("task", "default/foo", "msg: with \x1f separators");
  auto d = decode_context(p);
  EXPECT_EQ(d.actor, "task");
  EXPECT_EQ(d.object, "default/foo");
  EXPECT_EQ(d.msg, "msg: with \x1f separators");
  auto plain = decode_context("no context");
  EXPECT_EQ(plain.actor, "");
  EXPECT_EQ(plain.msg, "no context");
  // Separators inside actor or object cannot shift the fields.
  const auto hostile = encode_context("a\x1f" "b", "o\x1e", "m"); // the parts view it: keep it alive
  auto s = decode_context(hostile);
  EXPECT_EQ(s.actor, "a?b");
  EXPECT_EQ(s.object, "o?");
  EXPECT_EQ(s.msg, "m");
}

TEST(Logging, ContextLinesThroughSpdlogCarryActorAndObject) {
  std::ostringstream out;
  logging::setup("kelos-test", format::json, spdlog::level::debug,
                 std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  ASSERT_TRUE(logging::structured());
  logging::info({"task", "default/foo"}, "created Job {}", "foo");
  logging::debug({"kube", ""}, "watch {}", "tasks");
  logging::trace({"kube", ""}, "not shown");
  spdlog::warn("plain \"line\"");
  std::istringstream lines{out.str()};
  std::string l;
  std::vector<nlohmann::json> got;
  while (std::getline(lines, l))
    got.push_back(nlohmann::json::parse(l));
  ASSERT_EQ(got.size(), 3u) << out.str();
  EXPECT_EQ(got[0]["actor"], "task");
  EXPECT_EQ(got[0]["object"], "default/foo");
  EXPECT_EQ(got[0]["msg"], "created Job foo");
  EXPECT_EQ(got[0]["logger"], "kelos-test");
  EXPECT_EQ(got[1]["actor"], "kube");
  EXPECT_FALSE(got[1].contains("object"));
  EXPECT_EQ(got[1]["level"], "debug");
  EXPECT_FALSE(got[2].contains("actor"));
  EXPECT_EQ(got[2]["msg"], "plain \"line\"");
  EXPECT_EQ(got[2]["level"], "warn");
}
