#include "actors/task/output_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using kelos::task::parse_outputs;
using kelos::task::results_from_outputs;
using lines = std::vector<std::string>;
using results = std::map<std::string, std::string>;

const std::string start = "---KELOS_OUTPUTS_START---";
const std::string end = "---KELOS_OUTPUTS_END---";

TEST(OutputParserTest, ParsesTheTable) {
  struct row {
    const char* name;
    std::string log;
    lines want;
  };
  const std::vector<row> rows = {
    {"no markers", "some random log output\nmore logs\n", {}},
    {"empty log", "", {}},
    {"only start", start + "\nbranch: broken\n", {}},
    {"only end", "branch: broken\n" + end + "\n", {}},
    {"reversed", end + "\n" + start + "\nbranch: wrong-order\n", {}},
    {"empty block", start + "\n" + end + "\n", {}},
    {"blank block", start + "\n  \n\t\n" + end + "\n", {}},
    {"one line", start + "\nbranch: kelos-task-123\n" + end + "\n", {"branch: kelos-task-123"}},
    {"noisy log",
     "Starting agent...\nDone.\n" + start + "\nbranch: my-branch\npr: https://x/pull/99\n" + end
       + "\nExiting with code 0\n",
     {"branch: my-branch", "pr: https://x/pull/99"}},
    {"lines trimmed, blanks dropped", start + "\n   branch: b  \n\n\tcommit: abc\n" + end,
     {"branch: b", "commit: abc"}},
    {"no trailing newline", start + "\nbranch: b\n" + end, {"branch: b"}},
    {"duplicate blocks: last wins",
     start + "\nbranch: old\n" + end + "\n" + start + "\nbranch: new\n" + end + "\n",
     {"branch: new"}},
    {"echoed start before the real block",
     "cat entrypoint.sh\n" + start + "\n" + "echo hi\n" + start + "\nbranch: real\n" + end + "\n",
     {"branch: real"}},
    {"complete block followed by a dangling start",
     start + "\nbranch: done\n" + end + "\n" + start + "\nbranch: cut\n",
     {"branch: done"}},
    {"second end closes nothing", start + "\na: 1\n" + end + "\nb: 2\n" + end + "\n",
     {"a: 1"}},
    {"markers with surrounding whitespace", "  " + start + " \t\nbranch: b\n\t" + end + "  \n",
     {"branch: b"}},
    {"marker inside a line is text",
     "echo '" + start + "'\n" + start + "\nnote: see " + end + " later\nbranch: b\n" + end + "\n",
     {"note: see " + end + " later", "branch: b"}},
    {"only quoted markers", "echo " + start + "\nbranch: b\necho " + end + "\n", {}},
    {"CRLF log", "log\r\n" + start + "\r\nbranch: b\r\npr: https://x\r\n" + end + "\r\ntail\r\n",
     {"branch: b", "pr: https://x"}},
  };
  for (const auto& r : rows)
    EXPECT_EQ(parse_outputs(r.log), r.want) << r.name;
}

TEST(OutputParserTest, ParsesLongBlocks) {
  std::string log = "prelude\n" + start + "\n";
  lines want;
  for (int i = 0; i < 5000; ++i) {
    want.push_back("pr: https://github.com/org/repo/pull/" + std::to_string(i));
    log += want.back() + "\n";
  }
  log += end + "\n";
  auto got = parse_outputs(log);
  ASSERT_EQ(got.size(), 5000u);
  EXPECT_EQ(got, want);
  EXPECT_EQ(results_from_outputs(got).at("pr"), "https://github.com/org/repo/pull/4999");
}

TEST(OutputParserTest, BuildsResults) {
  struct row {
    const char* name;
    lines outputs;
    results want;
  };
  const std::vector<row> rows = {
    {"none", {}, {}},
    {"branch", {"branch: feature-123"}, {{"branch", "feature-123"}}},
    {"colon in value", {"pr: https://github.com/org/repo/pull/1"},
     {{"pr", "https://github.com/org/repo/pull/1"}}},
    {"colon-space in value", {"message: hello: world"}, {{"message", "hello: world"}}},
    {"last duplicate wins", {"pr: https://x/1", "pr: https://x/2"}, {{"pr", "https://x/2"}}},
    {"no separator", {"no-separator-here", "key:value", "key:"}, {}},
    {"empty key", {": value", "ok: 1"}, {{"ok", "1"}}},
    {"empty value", {"empty: ", "cost-usd: 0.025"}, {{"empty", ""}, {"cost-usd", "0.025"}}},
    {"verbatim", {"a:  spaced  "}, {{"a", " spaced  "}}},
    {"mixed", {"branch: main", "bare-line", "pr: https://e/pull/1"},
     {{"branch", "main"}, {"pr", "https://e/pull/1"}}},
  };
  for (const auto& r : rows)
    EXPECT_EQ(results_from_outputs(r.outputs), r.want) << r.name;
}

TEST(OutputParserTest, TrimmedEmptyValueIsSkipped) {
  // "key: " loses its trailing space in parse_outputs and no longer has ": ".
  auto outputs = parse_outputs(start + "\nempty: \nbranch: b\n" + end + "\n");
  EXPECT_EQ(outputs, (lines{"empty:", "branch: b"}));
  EXPECT_EQ(results_from_outputs(outputs), (results{{"branch", "b"}}));
}

} // namespace
