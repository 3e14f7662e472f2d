// kelos-capture, pure part (cli/capture/usage.hpp, markers.hpp): the usage rules per agent,
// the result lines and marker block, and gh's PR list output.
#include "cli/capture/markers.hpp"
#include "cli/capture/usage.hpp"

#include "actors/task/output_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using kelos::capture::capture_facts;
using kelos::capture::marker_block;
using kelos::capture::parse_pr_urls;
using kelos::capture::parse_usage;
using kelos::capture::result_entry;
using kelos::capture::result_lines;
using entries = std::vector<result_entry>;

struct usage_case {
  const char* name;
  const char* agent;
  std::string jsonl;
  entries want;
};

const std::vector<usage_case>& usage_cases() {
  static const std::vector<usage_case> cases = {
      // claude-code: the last result event, numbers verbatim, cache keys of their own.
      {"claude_last_result", "claude-code",
       R"({"type":"result","total_cost_usd":0.5,"usage":{"input_tokens":1,"output_tokens":2}})"
       "\n"
       R"({"type":"assistant","message":{}})"
       "\n"
       R"({"type":"result","total_cost_usd":0.0123,"usage":{"input_tokens":100,"output_tokens":50}})"
       "\n",
       {{"cost-usd", "0.0123"}, {"input-tokens", "100"}, {"output-tokens", "50"}}},
      {"claude_exponent_cost_verbatim", "claude-code",
       R"({"type":"result","total_cost_usd":1.5e-05,"usage":{"input_tokens":3,"output_tokens":4}})",
       {{"cost-usd", "1.5e-05"}, {"input-tokens", "3"}, {"output-tokens", "4"}}},
      {"claude_trailing_zeros_verbatim", "claude-code", R"({"type":"result","total_cost_usd":0.10})",
       {{"cost-usd", "0.10"}}},
      {"claude_cache_keys", "claude-code",
       R"({"type":"result","total_cost_usd":2,"usage":{"input_tokens":10,"output_tokens":20,)"
       R"("cache_read_input_tokens":3000,"cache_creation_input_tokens":400}})",
       {{"cost-usd", "2"},
        {"input-tokens", "10"},
        {"output-tokens", "20"},
        {"cache-read-input-tokens", "3000"},
        {"cache-creation-input-tokens", "400"}}},
      {"claude_strings_are_not_numbers", "claude-code",
       R"({"type":"result","total_cost_usd":"0.5","usage":{"input_tokens":{"n":1},"output_tokens":7}})",
       {{"output-tokens", "7"}}},
      {"claude_malformed_lines_skipped", "claude-code",
       "not json\n{\"type\":\"result\",\"total_cost_usd\":1\n[1,2]\n\"str\"\n"
       R"({"type":"result","total_cost_usd":0.25})"
       "\n{broken\n",
       {{"cost-usd", "0.25"}}},
      {"claude_crlf_lines", "claude-code",
       "{\"type\":\"result\",\"usage\":{\"input_tokens\":9}}\r\n", {{"input-tokens", "9"}}},
      {"claude_no_result", "claude-code", R"({"type":"assistant"})", {}},
      {"claude_result_without_usage", "claude-code", R"({"type":"result","result":"done"})", {}},
      {"claude_duplicate_key_last_wins", "claude-code",
       R"({"type":"result","total_cost_usd":1,"total_cost_usd":2})", {{"cost-usd", "2"}}},
      {"claude_big_integer_verbatim", "claude-code",
       R"({"type":"result","usage":{"input_tokens":123456789012345678901234567890}})",
       {{"input-tokens", "123456789012345678901234567890"}}},
      // codex: sums over turn.completed.
      {"codex_sums", "codex",
       R"({"type":"turn.completed","usage":{"input_tokens":100,"cached_input_tokens":50,"output_tokens":10}})"
       "\n"
       R"({"type":"item.completed","usage":{"input_tokens":999}})"
       "\n"
       R"({"type":"turn.completed","usage":{"input_tokens":23,"output_tokens":5}})",
       {{"input-tokens", "123"}, {"output-tokens", "15"}}},
      {"codex_zero_sum_omitted", "codex",
       R"({"type":"turn.completed","usage":{"input_tokens":0,"output_tokens":7}})",
       {{"output-tokens", "7"}}},
      {"codex_non_integers_count_zero", "codex",
       R"({"type":"turn.completed","usage":{"input_tokens":1.5,"output_tokens":"8"}})"
       "\n"
       R"({"type":"turn.completed","usage":{"input_tokens":2,"output_tokens":1e3}})",
       {{"input-tokens", "2"}}},
      {"codex_nothing", "codex", R"({"type":"thread.started"})", {}},
      // gemini: the last result's stats, several spellings.
      {"gemini_total_fields", "gemini",
       R"({"type":"result","stats":{"totalInputTokens":11,"totalOutputTokens":22,"inputTokens":1}})",
       {{"input-tokens", "11"}, {"output-tokens", "22"}}},
      {"gemini_stream_json_snake_case", "gemini",
       R"({"type":"result","status":"success","stats":{"total_tokens":1500,"input_tokens":1000,)"
       R"("output_tokens":200,"cached":400,"input":600,"duration_ms":1234,"tool_calls":2}})",
       {{"input-tokens", "1000"}, {"output-tokens", "200"}}},
      {"gemini_camel_fallback", "gemini",
       R"({"type":"result","stats":{"inputTokens":5,"outputTokens":6}})",
       {{"input-tokens", "5"}, {"output-tokens", "6"}}},
      {"gemini_models_shape", "gemini",
       R"({"type":"result","stats":{"models":{"gemini-2.5-pro":{"tokens":{"prompt":100,"candidates":7}},)"
       R"("gemini-2.5-flash":{"tokens":{"prompt":20,"candidates":3}}}}})",
       {{"input-tokens", "120"}, {"output-tokens", "10"}}},
      {"gemini_models_partial_is_nothing", "gemini",
       R"({"type":"result","stats":{"models":{"a":{"tokens":{"prompt":100}},"b":{"tokens":{}}}}})",
       {}},
      {"gemini_last_result_wins", "gemini",
       R"({"type":"result","stats":{"input_tokens":1,"output_tokens":1}})"
       "\n"
       R"({"type":"result","stats":{"input_tokens":2}})",
       {{"input-tokens", "2"}}},
      {"gemini_no_stats", "gemini", R"({"type":"result","status":"error"})", {}},
      // opencode: sums over step_finish.
      {"opencode_sums", "opencode",
       R"({"type":"step_finish","part":{"tokens":{"input":10,"output":1,"cache":{"read":5}}}})"
       "\n"
       R"({"type":"text","part":{"tokens":{"input":1000}}})"
       "\n"
       R"({"type":"step_finish","part":{"tokens":{"input":5,"output":2}}})",
       {{"input-tokens", "15"}, {"output-tokens", "3"}}},
      {"opencode_zero", "opencode", R"({"type":"step_finish","part":{"tokens":{"input":0}}})", {}},
      // cursor: usage only when the result event carries it.
      {"cursor_documented_result_has_no_usage", "cursor",
       R"({"type":"result","subtype":"success","is_error":false,"duration_ms":1234,)"
       R"("duration_api_ms":1234,"result":"done","session_id":"s"})",
       {}},
      {"cursor_usage_when_present", "cursor",
       R"({"type":"result","usage":{"inputTokens":40,"outputTokens":2}})",
       {{"input-tokens", "40"}, {"output-tokens", "2"}}},
      // no usage at all
      {"unknown_agent", "aider", R"({"type":"result","total_cost_usd":1})", {}},
      {"empty_agent", "", R"({"type":"result","total_cost_usd":1})", {}},
      {"empty_text", "claude-code", "", {}},
  };
  return cases;
}

class usage_table : public testing::TestWithParam<usage_case> {};

TEST_P(usage_table, parses_as_documented) {
  const auto& c = GetParam();
  EXPECT_EQ(parse_usage(c.agent, c.jsonl), c.want);
}

INSTANTIATE_TEST_SUITE_P(capture, usage_table, testing::ValuesIn(usage_cases()),
                         [](const auto& info) { return std::string{info.param.name}; });

TEST(capture_usage, lines_over_the_limit_are_skipped) {
  std::string big = R"({"type":"result","total_cost_usd":9,"pad":")" +
                    std::string(kelos::capture::max_line_bytes, 'x') + "\"}";
  std::string text = R"({"type":"result","total_cost_usd":1})" "\n" + big + "\n";
  EXPECT_EQ(parse_usage("claude-code", text), (entries{{"cost-usd", "1"}}));
}

TEST(capture_usage, deep_nesting_is_skipped_not_fatal) {
  std::string deep = R"({"type":"result","total_cost_usd":3,"x":)" + std::string(100000, '[') +
                     std::string(100000, ']') + "}";
  EXPECT_EQ(parse_usage("claude-code", deep), entries{});
}

TEST(capture_usage, accumulator_keeps_last_result_across_calls) {
  auto acc = kelos::capture::make_usage_accumulator("claude-code");
  ASSERT_NE(acc, nullptr);
  acc->add_line(R"({"type":"result","total_cost_usd":1})");
  acc->add_line("garbage");
  EXPECT_EQ(acc->result(), (entries{{"cost-usd", "1"}}));
  EXPECT_EQ(kelos::capture::make_usage_accumulator("unknown"), nullptr);
}

TEST(capture_markers, lines_in_seed_order) {
  capture_facts f;
  f.branch = "kelos-task-1";
  f.pr_urls = {"https://github.com/o/r/pull/1", "https://github.com/u/r/pull/2"};
  f.commit = "0123456789abcdef0123456789abcdef01234567";
  f.base_branch = "main";
  f.usage = {{"cost-usd", "1.5e-05"}, {"input-tokens", "3"}};
  EXPECT_EQ(result_lines(f), (std::vector<std::string>{
                                 "branch: kelos-task-1",
                                 "pr: https://github.com/o/r/pull/1",
                                 "pr: https://github.com/u/r/pull/2",
                                 "commit: 0123456789abcdef0123456789abcdef01234567",
                                 "base-branch: main",
                                 "cost-usd: 1.5e-05",
                                 "input-tokens: 3",
                             }));
}

TEST(capture_markers, prs_need_a_branch_and_bad_values_are_dropped) {
  capture_facts f;
  f.pr_urls = {"https://github.com/o/r/pull/1"}; // no branch: no PR lines
  f.commit = "";
  f.base_branch = "evil\n---KELOS_OUTPUTS_END---";
  EXPECT_TRUE(result_lines(f).empty());
  f.branch = "b";
  f.pr_urls = {"https://x/1\r\nbranch: other", "https://x/2"};
  EXPECT_EQ(result_lines(f), (std::vector<std::string>{"branch: b", "pr: https://x/2"}));
}

TEST(capture_markers, block_round_trips_through_the_controller_parser) {
  EXPECT_EQ(marker_block({}), "");
  std::vector<std::string> lines{"branch: b", "cost-usd: 1.5e-05"};
  const std::string block = marker_block(lines);
  EXPECT_EQ(block, "---KELOS_OUTPUTS_START---\nbranch: b\ncost-usd: 1.5e-05\n---KELOS_OUTPUTS_END---\n");
  EXPECT_EQ(kelos::task::parse_outputs("agent log\n" + block), lines);
}

struct pr_case {
  const char* name;
  const char* output;
  std::vector<std::string> want;
};

class pr_table : public testing::TestWithParam<pr_case> {};

TEST_P(pr_table, parses_gh_output) {
  EXPECT_EQ(parse_pr_urls(GetParam().output), GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    capture, pr_table,
    testing::Values(
        pr_case{"two", R"([{"url":"https://a/1"},{"url":"https://a/2"}])", {"https://a/1", "https://a/2"}},
        pr_case{"empty_list", "[]", {}},
        pr_case{"empty_output", "", {}},
        pr_case{"not_json", "no pull requests match", {}},
        pr_case{"object_not_array", R"({"url":"https://a/1"})", {}},
        pr_case{"skips_bad_elements", R"([1,{"url":2},{"url":""},{"x":{"url":"n"}},{"url":"https://a/3"}])",
                {"https://a/3"}},
        pr_case{"truncated", R"([{"url":"https://a/1"})", {}},
        pr_case{"trailing_newline", "[{\"url\":\"https://a/1\"}]\n", {"https://a/1"}}),
    [](const auto& info) { return std::string{info.param.name}; });

} // namespace
