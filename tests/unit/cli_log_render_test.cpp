// Log renderers (seed §4.3) over hand-written stream-json fixtures of each agent, plus
// malformed input and lines far beyond the original's 1 MiB scanner limit.

#include "cli/log_render.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace {

using kelos::cli::line_splitter;
using kelos::cli::make_log_renderer;

struct rendered {
  std::string out, err;
};

/// Feeds `text` through the splitter in chunks of `chunk` bytes into the agent's renderer.
rendered render(const std::string& agent, const std::string& text, std::size_t chunk = 7) {
  std::ostringstream out, err;
  auto r = make_log_renderer(agent, out, err);
  line_splitter s;
  auto on_line = [&](std::string_view line) { r->line(line); };
  for (std::size_t i = 0; i < text.size(); i += chunk)
    s.feed(std::string_view{text}.substr(i, chunk), on_line);
  s.finish(on_line);
  r->finish();
  return {out.str(), err.str()};
}

std::string fixture(const std::string& name) {
  std::ifstream in{std::string{KELOS_CLI_LOG_FIXTURES} + "/" + name};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(CliLogRender, ClaudeCodeStreamJson) {
  auto r = render("claude-code", fixture("claude-code.jsonl"));
  EXPECT_EQ(r.out, "I'll look at the failing test first.\nthis line is not JSON\n");
  EXPECT_EQ(r.err, "[init] model=claude-sonnet-4-5-20250929\n"
                   "\n--- Turn 1 ---\n"
                   "[tool] Read: /workspace/repo/pkg/foo/foo_test.go\n"
                   "\n--- Turn 2 ---\n"
                   "[tool] Bash: go test ./pkg/foo/...\\necho done\n"
                   "[tool] TodoWrite\n"
                   "\n[result] completed (2 turns, $0.0512, input=12 cached=3400 output=250)\n");
}

TEST(CliLogRender, ClaudeCodeErrorResultPrintsTheResultText) {
  auto r = render("claude-code",
                  R"({"type":"result","subtype":"error_max_turns","is_error":true,"num_turns":30,"total_cost_usd":1.5,"result":"Reached max turns"})"
                  "\n");
  EXPECT_EQ(r.err, "\n[result] error (30 turns, $1.5000)\n");
  EXPECT_EQ(r.out, "Reached max turns\n");
}

TEST(CliLogRender, CodexExecJson) {
  auto r = render("codex", fixture("codex.jsonl"));
  EXPECT_EQ(r.out, "The repository has one README.\n");
  EXPECT_EQ(r.err, "\n--- Turn 1 ---\n"
                   "[command] bash -lc ls\n"
                   "[file_change]\n"
                   "[usage] input=24763 cached=24448 output=122\n"
                   "[error] stream disconnected before completion\n"
                   "[error] Reconnecting... 1/5\n");
}

TEST(CliLogRender, GeminiStreamJsonJoinsDeltasIntoOneLine) {
  auto r = render("gemini", fixture("gemini.jsonl"));
  EXPECT_EQ(r.out, "Let me check.\nThere is one file.\n");
  EXPECT_EQ(r.err, "[init] model=gemini-2.5-pro\n"
                   "\n--- Turn 1 ---\n"
                   "[tool] run_shell_command: ls -la\n"
                   "[tool] read_file: /workspace/repo/README.md\n"
                   "\n--- Turn 2 ---\n"
                   "[result] completed (input=1200, output=300)\n");
}

TEST(CliLogRender, GeminiOlderStatsFieldsAndNonDeltaMessages) {
  auto r = render("gemini", R"({"type":"message","role":"assistant","content":"Hello"})"
                            "\n"
                            R"({"type":"tool_use","name":"ReadFile","input":{"path":"a.txt"}})"
                            "\n"
                            R"({"type":"result","status":"error","stats":{"totalInputTokens":5,"totalOutputTokens":6}})"
                            "\n");
  EXPECT_EQ(r.out, "Hello\n");
  EXPECT_EQ(r.err, "\n--- Turn 1 ---\n[tool] ReadFile: a.txt\n[result] error (input=5, output=6)\n");
}

TEST(CliLogRender, OpencodeRunJson) {
  auto r = render("opencode", fixture("opencode.jsonl"));
  EXPECT_EQ(r.out, "Looking at the code\nDone.\n");
  EXPECT_EQ(r.err, "[tool] bash: ls\n\n[result] completed (input=1800, output=45)\n[error] rate limited\n");
}

TEST(CliLogRender, OpencodeStepFinishWithoutTokens) {
  auto r = render("opencode", R"({"type":"step_finish","part":{"type":"step-finish"}})"
                              "\n");
  EXPECT_EQ(r.err, "\n[result] completed\n");
}

TEST(CliLogRender, MalformedAndEmptyLinesForEveryAgent) {
  for (std::string agent : {"claude-code", "codex", "gemini", "opencode"}) {
    auto r = render(agent, "\n{not json\n\r\n[1,2,3]\n\"just a string\"\n{\"type\":\"unknown-event\"}\n{\"type\":\n");
    EXPECT_EQ(r.out, "{not json\n[1,2,3]\n\"just a string\"\n{\"type\":\n") << agent;
    EXPECT_EQ(r.err, "") << agent;
  }
}

TEST(CliLogRender, WrongFieldTypesDoNotThrow) {
  for (std::string agent : {"claude-code", "codex", "gemini", "opencode"}) {
    std::string junk = R"({"type":"assistant","message":{"content":"text, not blocks"}})"
                       "\n"
                       R"({"type":"result","num_turns":"two","total_cost_usd":"free","usage":[]})"
                       "\n"
                       R"({"type":"turn.completed","usage":{"input_tokens":"x"}})"
                       "\n"
                       R"({"type":"item.started","item":7})"
                       "\n"
                       R"({"type":"message","role":"assistant","content":{"a":1}})"
                       "\n"
                       R"({"type":"step_finish","part":{"tokens":"many"}})"
                       "\n"
                       R"({"type":"text","part":null})"
                       "\n";
    EXPECT_NO_THROW(render(agent, junk)) << agent;
  }
}

TEST(CliLogRender, UnknownAgentTypeEchoesLines) {
  auto r = render("aider", "{\"type\":\"x\"}\nplain\n");
  EXPECT_EQ(r.out, "{\"type\":\"x\"}\nplain\n");
}

TEST(CliLogRender, FiftyMegabyteLinesDoNotStopTheStream) {
  std::string big(50u << 20, 'x');
  std::string text = R"({"type":"assistant","message":{"content":[{"type":"text","text":")" + big + "\"}]}}\n" +
                     R"({"type":"result","subtype":"success","num_turns":1,"total_cost_usd":0.01})" + "\n" + big + "\n";
  auto r = render("claude-code", text, 64 << 10);
  ASSERT_EQ(r.out.size(), 2 * (big.size() + 1));
  EXPECT_EQ(r.err, "\n--- Turn 1 ---\n\n[result] completed (1 turns, $0.0100)\n");
}

TEST(CliLogRender, SplitterHandlesCrLfAndAMissingFinalNewline) {
  line_splitter s;
  std::vector<std::string> lines;
  auto on_line = [&](std::string_view l) { lines.emplace_back(l); };
  s.feed("a\r", on_line);
  s.feed("\nbc", on_line);
  s.feed("d\n\nlast", on_line);
  s.finish(on_line);
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "bcd", "", "last"}));
}

TEST(CliLogRender, SummariesFlattenNewlinesAndCutAt120Runes) {
  using kelos::cli::render_detail::summarize;
  EXPECT_EQ(summarize("a\nb"), "a\\nb");
  EXPECT_EQ(summarize(std::string(120, 'a')), std::string(120, 'a'));
  EXPECT_EQ(summarize(std::string(121, 'a')), std::string(120, 'a') + "...");
  std::string accents;
  for (int i = 0; i < 121; ++i)
    accents += "é";
  auto cut = summarize(accents);
  EXPECT_EQ(cut.size(), 120 * 2 + 3);
}

} // namespace
