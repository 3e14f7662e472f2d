#include "k8s/client/line_decoder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace kelos::k8s;

namespace {

struct collector {
  std::vector<std::string> lines;
  kelos::expected<void> feed(line_decoder& d, std::string_view chunk) {
    return d.feed(chunk, [this](std::string_view l) { lines.emplace_back(l); });
  }
};

} // namespace

TEST(LineDecoder, SplitsCompleteLinesInOneChunk) {
  line_decoder d;
  collector c;
  ASSERT_TRUE(c.feed(d, "a\nbb\nccc\n"));
  EXPECT_EQ(c.lines, (std::vector<std::string>{"a", "bb", "ccc"}));
  EXPECT_EQ(d.buffered(), 0u);
  EXPECT_TRUE(d.finish());
}

TEST(LineDecoder, HoldsPartialLineAcrossChunks) {
  line_decoder d;
  collector c;
  ASSERT_TRUE(c.feed(d, "{\"a\":"));
  EXPECT_TRUE(c.lines.empty());
  EXPECT_EQ(d.buffered(), 5u);
  ASSERT_TRUE(c.feed(d, "1}"));
  EXPECT_TRUE(c.lines.empty());
  ASSERT_TRUE(c.feed(d, "\n{\"b\""));
  EXPECT_EQ(c.lines, (std::vector<std::string>{"{\"a\":1}"}));
  ASSERT_TRUE(c.feed(d, ":2}\n"));
  EXPECT_EQ(c.lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
}

TEST(LineDecoder, ByteByByteFeedingGivesSameLines) {
  std::string body = "one\r\ntwo\n\nthree\n";
  line_decoder d;
  collector c;
  for (char ch : body) ASSERT_TRUE(c.feed(d, std::string_view{&ch, 1}));
  EXPECT_EQ(c.lines, (std::vector<std::string>{"one", "two", "three"}));
}

TEST(LineDecoder, SkipsBlankLinesAndStripsCarriageReturn) {
  line_decoder d;
  collector c;
  ASSERT_TRUE(c.feed(d, "\n \r\nx\r\n\t\n"));
  EXPECT_EQ(c.lines, (std::vector<std::string>{"x"}));
}

TEST(LineDecoder, PartialLineAtCloseIsError) {
  line_decoder d;
  collector c;
  ASSERT_TRUE(c.feed(d, "ok\n{\"type\":\"ADDED\""));
  auto r = d.finish();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kelos::errc::parse_error);
  EXPECT_EQ(c.lines, (std::vector<std::string>{"ok"}));
}

TEST(LineDecoder, BlankPartialLineAtCloseIsFine) {
  line_decoder d;
  collector c;
  ASSERT_TRUE(c.feed(d, "ok\n  "));
  EXPECT_TRUE(d.finish());
}

TEST(LineDecoder, OverlongLineInOneChunkFails) {
  line_decoder d(8);
  collector c;
  auto r = c.feed(d, "short\n0123456789\nnext\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kelos::errc::parse_error);
  EXPECT_EQ(c.lines, (std::vector<std::string>{"short"}));
  EXPECT_TRUE(d.failed());
}

TEST(LineDecoder, OverlongLineAcrossChunksFailsWithoutGrowing) {
  line_decoder d(8);
  collector c;
  ASSERT_TRUE(c.feed(d, "01234"));
  auto r = c.feed(d, "56789");
  ASSERT_FALSE(r);
  EXPECT_EQ(d.buffered(), 0u);
  // The decoder stays failed.
  EXPECT_FALSE(c.feed(d, "\nok\n"));
  EXPECT_TRUE(c.lines.empty());
  EXPECT_FALSE(d.finish());
}

TEST(LineDecoder, LineExactlyAtLimitIsAccepted) {
  line_decoder d(4);
  collector c;
  ASSERT_TRUE(c.feed(d, "ab"));
  ASSERT_TRUE(c.feed(d, "cd\nwxyz\n"));
  EXPECT_EQ(c.lines, (std::vector<std::string>{"abcd", "wxyz"}));
}

TEST(LineDecoder, ResetClearsErrorAndBuffer) {
  line_decoder d(4);
  collector c;
  EXPECT_FALSE(c.feed(d, "toolong"));
  d.reset();
  EXPECT_FALSE(d.failed());
  ASSERT_TRUE(c.feed(d, "ok\n"));
  EXPECT_EQ(c.lines, (std::vector<std::string>{"ok"}));
}
