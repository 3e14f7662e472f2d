// Completion scripts and the candidates `kelos __complete` offers.

#include "cli/cli_completion.hpp"

#include <gtest/gtest.h>

namespace {

using namespace kelos::cli;

TEST(CliCompletion, ScriptsCallTheHiddenCompleteVerb) {
  for (const char* shell : {"bash", "zsh", "fish"}) {
    auto s = completion_script(shell);
    ASSERT_TRUE(s) << shell;
    EXPECT_NE(s->find("kelos __complete"), std::string::npos) << shell;
  }
  EXPECT_NE(completion_script("bash")->find("complete -o default -F _kelos_complete kelos"), std::string::npos);
  EXPECT_NE(completion_script("zsh")->find("#compdef kelos"), std::string::npos);
  EXPECT_NE(completion_script("fish")->find("complete -c kelos"), std::string::npos);
  auto bad = completion_script("powershell");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "unsupported shell \"powershell\": must be one of bash, zsh, fish");
}

std::vector<std::string> values(std::vector<std::string> words) {
  return complete_words(words).values;
}

std::optional<kind> names(std::vector<std::string> words) {
  return complete_words(words).names_of;
}

TEST(CliCompletion, FixedValueLists) {
  EXPECT_EQ(values({"run", "-t", ""}), (std::vector<std::string>{"claude-code", "codex", "gemini", "opencode"}));
  EXPECT_EQ(values({"run", "--type", "co"}), (std::vector<std::string>{"claude-code", "codex", "gemini", "opencode"}));
  EXPECT_EQ(values({"run", "--credential-type", ""}), (std::vector<std::string>{"api-key", "oauth"}));
  EXPECT_EQ(values({"get", "tasks", "-o", ""}), (std::vector<std::string>{"yaml", "json"}));
  EXPECT_EQ(values({"get", "tasks", "--phase", ""}).size(), 5u);
  EXPECT_EQ(values({"completion", ""}), (std::vector<std::string>{"bash", "zsh", "fish"}));
  EXPECT_EQ(values({""}), verb_names());
  EXPECT_EQ(values({"-n", "team", ""}), verb_names());
  EXPECT_EQ(values({"create", ""}), (std::vector<std::string>{"workspace", "ws", "agentconfig", "ac"}));
  auto kinds = values({"get", ""});
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "ts"), kinds.end());
  auto flags = values({"run", "--"});
  EXPECT_NE(std::find(flags.begin(), flags.end(), "--prompt-file"), flags.end());
}

TEST(CliCompletion, ResourceNamesForTheRightKind) {
  EXPECT_EQ(names({"get", "tasks", ""}), kind::task);
  EXPECT_EQ(names({"get", "ts", "my"}), kind::taskspawner);
  EXPECT_EQ(names({"delete", "ws", ""}), kind::workspace);
  EXPECT_EQ(names({"delete", "-n", "x", "ac", ""}), kind::agentconfig);
  EXPECT_EQ(names({"get", "-o", "yaml", "task", ""}), kind::task);
  EXPECT_EQ(names({"logs", ""}), kind::task);
  EXPECT_EQ(names({"suspend", "ts", ""}), kind::taskspawner);
  EXPECT_EQ(names({"resume", "taskspawner", ""}), kind::taskspawner);
  EXPECT_EQ(names({"run", "--depends-on", ""}), kind::task);
  EXPECT_EQ(names({"run", "--workspace", ""}), kind::workspace);
  EXPECT_EQ(names({"run", "--agent-config", ""}), kind::agentconfig);
  EXPECT_EQ(names({"get", "tasks", "a", ""}), std::nullopt);
  EXPECT_EQ(names({"get", "pods", ""}), std::nullopt);
  EXPECT_EQ(names({"logs", "t", ""}), std::nullopt);
}

} // namespace
