#include "actors/task/dependency_graph.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using kelos::k8s::json;
using kelos::task::dependency_graph;
using kelos::task::dependency_node;
using kelos::task::dependency_verdict;
using kelos::task::format_go_duration;
using kelos::task::resolve_prompt;
using kelos::task::task_id;
using kind = dependency_verdict::kind;
using ids = std::vector<task_id>;

const kelos::k8s::time_point t0{std::chrono::seconds{1'800'000'000}};

task_id t(const std::string& name, const std::string& ns = "default") {
  return task_id{ns, name};
}

dependency_node needs(std::vector<std::string> deps, std::string phase = "") {
  return dependency_node{std::move(deps), std::move(phase), {}, {}};
}

dependency_node in_phase(std::string phase) {
  return needs({}, std::move(phase));
}

dependency_verdict ready() {
  return {};
}

dependency_verdict waiting_for(const std::string& d) {
  return {kind::waiting, "Waiting for dependency \"" + d + "\"", d};
}

dependency_verdict waiting_creation(const std::string& d) {
  return {kind::waiting, "Waiting for dependency \"" + d + "\" to be created", d};
}

dependency_verdict cycle(const std::string& task, const std::string& path) {
  return {kind::failed,
          "Circular dependency detected: cycle involves \"" + task + "\" (" + path + ")", {}};
}

TEST(DependencyGraphTest, NoDependenciesIsReady) {
  dependency_graph g;
  g.upsert(t("a"), in_phase(""));
  EXPECT_EQ(g.evaluate(t("a"), t0), ready());
  EXPECT_EQ(g.evaluate(t("unknown"), t0), ready());
}

TEST(DependencyGraphTest, ChainWaitsUntilEachStepSucceeds) {
  dependency_graph g;
  g.upsert(t("a"), in_phase("Running"));
  g.upsert(t("b"), needs({"a"}));
  g.upsert(t("c"), needs({"b"}));
  EXPECT_EQ(g.evaluate(t("b"), t0), waiting_for("a"));
  EXPECT_EQ(g.evaluate(t("c"), t0), waiting_for("b"));
  g.upsert(t("a"), in_phase("Succeeded"));
  EXPECT_EQ(g.evaluate(t("b"), t0), ready());
  g.upsert(t("b"), needs({"a"}, "Waiting"));
  EXPECT_EQ(g.evaluate(t("c"), t0), waiting_for("b"));
  g.upsert(t("b"), needs({"a"}, "Succeeded"));
  EXPECT_EQ(g.evaluate(t("c"), t0), ready());
}

TEST(DependencyGraphTest, DependenciesAreCheckedInSpecOrder) {
  dependency_graph g;
  g.upsert(t("x"), in_phase("Succeeded"));
  g.upsert(t("y"), in_phase("Pending"));
  g.upsert(t("z"), in_phase("Failed"));
  g.upsert(t("task"), needs({"x", "y", "z"}));
  EXPECT_EQ(g.evaluate(t("task"), t0), waiting_for("y"));
  g.upsert(t("task"), needs({"z", "y"}));
  EXPECT_EQ(g.evaluate(t("task"), t0),
            (dependency_verdict{kind::failed, "Dependency \"z\" failed", "z"}));
}

TEST(DependencyGraphTest, DiamondIsNotACycle) {
  dependency_graph g;
  g.upsert(t("top"), in_phase("Succeeded"));
  g.upsert(t("left"), needs({"top"}, "Succeeded"));
  g.upsert(t("right"), needs({"top"}, "Succeeded"));
  g.upsert(t("bottom"), needs({"left", "right"}));
  EXPECT_EQ(g.evaluate(t("bottom"), t0), ready());
}

TEST(DependencyGraphTest, WideDiamondsStayCheap) {
  // 40 layers of 2 Tasks each, every Task depending on both of the layer above: 2^40 paths
  // for a search without memory, 80 Tasks for this one.
  dependency_graph g;
  g.upsert(t("l0a"), in_phase("Succeeded"));
  g.upsert(t("l0b"), in_phase("Succeeded"));
  for (int i = 1; i < 40; ++i) {
    auto up = std::to_string(i - 1);
    for (const char* side : {"a", "b"})
      g.upsert(t("l" + std::to_string(i) + side), needs({"l" + up + "a", "l" + up + "b"}, "Succeeded"));
  }
  EXPECT_EQ(g.evaluate(t("l39a"), t0), ready());
}

TEST(DependencyGraphTest, LongChainDoesNotExhaustTheStack) {
  dependency_graph g;
  g.upsert(t("n0"), needs({"n99999"}));
  for (int i = 1; i < 100000; ++i)
    g.upsert(t("n" + std::to_string(i)), needs({"n" + std::to_string(i - 1)}));
  auto v = g.evaluate(t("n0"), t0);
  EXPECT_EQ(v.what, kind::failed);
  EXPECT_EQ(v.message.rfind("Circular dependency detected: cycle involves \"n0\" (n0 -> n99999 -> n99998", 0), 0u);
}

TEST(DependencyGraphTest, SelfDependencyIsACycle) {
  dependency_graph g;
  g.upsert(t("a"), needs({"a"}));
  EXPECT_EQ(g.evaluate(t("a"), t0), cycle("a", "a -> a"));
}

TEST(DependencyGraphTest, ThreeCycleIsDetectedFromEachMember) {
  dependency_graph g;
  g.upsert(t("a"), needs({"b"}));
  g.upsert(t("b"), needs({"c"}));
  g.upsert(t("c"), needs({"a"}));
  EXPECT_EQ(g.evaluate(t("a"), t0), cycle("a", "a -> b -> c -> a"));
  EXPECT_EQ(g.evaluate(t("b"), t0), cycle("b", "b -> c -> a -> b"));
  EXPECT_EQ(g.evaluate(t("c"), t0), cycle("c", "c -> a -> b -> c"));
}

TEST(DependencyGraphTest, DependingOnACycleWaitsThenFailsWithIt) {
  dependency_graph g;
  g.upsert(t("a"), needs({"b"}));
  g.upsert(t("b"), needs({"a"}));
  g.upsert(t("outside"), needs({"a"}));
  EXPECT_EQ(g.evaluate(t("outside"), t0), waiting_for("a"));
  g.upsert(t("a"), needs({"b"}, "Failed"));
  EXPECT_EQ(g.evaluate(t("outside"), t0),
            (dependency_verdict{kind::failed, "Dependency \"a\" failed", "a"}));
}

TEST(DependencyGraphTest, CycleClosedByALaterUpsertIsDetected) {
  dependency_graph g;
  g.upsert(t("a"), needs({"b"}));
  g.upsert(t("b"), needs({}, "Running"));
  EXPECT_EQ(g.evaluate(t("a"), t0), waiting_for("b"));
  g.upsert(t("b"), needs({"a"}, "Waiting"));
  EXPECT_EQ(g.evaluate(t("a"), t0), cycle("a", "a -> b -> a"));
}

TEST(DependencyGraphTest, MissingDependencyWaitsUntilCreated) {
  dependency_graph g;
  g.upsert(t("a"), needs({"later"}));
  EXPECT_EQ(g.evaluate(t("a"), t0), waiting_creation("later"));
  EXPECT_EQ(g.next_deadline(t("a")), t0 + 10min);
  EXPECT_EQ(g.evaluate(t("a"), t0 + 5min), waiting_creation("later"));
  EXPECT_EQ(g.next_deadline(t("a")), t0 + 10min); // first sighting counts
  g.upsert(t("later"), in_phase("Pending"));
  EXPECT_EQ(g.next_deadline(t("a")), std::nullopt);
  EXPECT_EQ(g.evaluate(t("a"), t0 + 20min), waiting_for("later"));
  g.upsert(t("later"), in_phase("Succeeded"));
  EXPECT_EQ(g.evaluate(t("a"), t0 + 20min), ready());
}

TEST(DependencyGraphTest, MissingDependencyTimesOut) {
  dependency_graph g;
  g.upsert(t("a"), needs({"never"}));
  EXPECT_EQ(g.evaluate(t("a"), t0), waiting_creation("never"));
  EXPECT_EQ(g.evaluate(t("a"), t0 + 10min - 1s), waiting_creation("never"));
  EXPECT_EQ(g.evaluate(t("a"), t0 + 10min),
            (dependency_verdict{kind::failed,
                                "Dependency \"never\" was not created within 10m0s", "never"}));
}

TEST(DependencyGraphTest, MissingTimeoutIsConfigurableAndRestartsAfterDeletion) {
  dependency_graph g{90s};
  g.upsert(t("a"), needs({"d"}));
  EXPECT_EQ(g.evaluate(t("a"), t0).what, kind::waiting);
  g.upsert(t("d"), in_phase("Running"));
  EXPECT_EQ(g.evaluate(t("a"), t0 + 60s), waiting_for("d"));
  g.erase(t("d"));
  EXPECT_EQ(g.evaluate(t("a"), t0 + 100s), waiting_creation("d"));
  EXPECT_EQ(g.next_deadline(t("a")), t0 + 190s);
  EXPECT_EQ(g.evaluate(t("a"), t0 + 190s).message,
            "Dependency \"d\" was not created within 1m30s");
}

TEST(DependencyGraphTest, DroppingADependencyForgetsItsDeadline) {
  dependency_graph g;
  g.upsert(t("a"), needs({"gone"}));
  ASSERT_EQ(g.evaluate(t("a"), t0).what, kind::waiting);
  ASSERT_TRUE(g.next_deadline(t("a")));
  g.upsert(t("a"), needs({}));
  EXPECT_EQ(g.next_deadline(t("a")), std::nullopt);
  EXPECT_EQ(g.evaluate(t("a"), t0 + 1h), ready());
}

TEST(DependencyGraphTest, DependentsOf) {
  dependency_graph g;
  g.upsert(t("c"), needs({"a", "b"}));
  g.upsert(t("b"), needs({"a"}));
  g.upsert(t("x", "other"), needs({"a"}));
  EXPECT_EQ(g.dependents_of(t("a")), (ids{t("b"), t("c")}));
  EXPECT_EQ(g.dependents_of(t("a", "other")), ids{t("x", "other")});
  EXPECT_EQ(g.dependents_of(t("b")), ids{t("c")});
  EXPECT_TRUE(g.dependents_of(t("c")).empty());
  g.upsert(t("c"), needs({"b"}));
  EXPECT_EQ(g.dependents_of(t("a")), ids{t("b")});
  g.erase(t("b"));
  EXPECT_TRUE(g.dependents_of(t("a")).empty());
  EXPECT_EQ(g.dependents_of(t("b")), ids{t("c")}); // c still names the deleted b
}

TEST(DependencyGraphTest, TemplateDataShape) {
  dependency_graph g;
  g.upsert(t("a"), dependency_node{{}, "Succeeded", {"branch: feat", "pr: https://x/1"},
                                   {{"branch", "feat"}, {"pr", "https://x/1"}}});
  g.upsert(t("b"), in_phase("Succeeded"));
  g.upsert(t("c"), needs({"a", "b", "missing"}));
  auto want = json::parse(R"({"Deps": {
    "a": {"Name": "a", "Outputs": ["branch: feat", "pr: https://x/1"],
          "Results": {"branch": "feat", "pr": "https://x/1"}},
    "b": {"Name": "b", "Outputs": [], "Results": {}}}})");
  EXPECT_EQ(g.template_data(t("c")), want);
  EXPECT_TRUE(g.template_data(t("c"))["Deps"]["b"]["Outputs"].is_array());
  EXPECT_TRUE(g.template_data(t("c"))["Deps"]["b"]["Results"].is_object());
  EXPECT_EQ(g.template_data(t("unknown")), json::parse(R"({"Deps": {}})"));
}

TEST(DependencyGraphTest, ResolvesPrompts) {
  dependency_graph g;
  g.upsert(t("a"), dependency_node{{}, "Succeeded", {"branch: feat", "pr: https://x/1"},
                                   {{"branch", "feat"}, {"pr", "https://x/1"}}});
  g.upsert(t("b"), in_phase("Succeeded"));
  g.upsert(t("c"), needs({"a", "b"}));
  auto data = g.template_data(t("c"));
  struct row {
    const char* prompt;
    const char* want;
  };
  const std::vector<row> rows = {
    {"plain text", "plain text"},
    {"Review {{index .Deps \"a\" \"Results\" \"branch\"}}", "Review feat"},
    {"PR {{.Deps.a.Results.pr}} from {{.Deps.a.Name}}", "PR https://x/1 from a"},
    {"{{range .Deps.a.Outputs}}[{{.}}]{{end}}", "[branch: feat][pr: https://x/1]"},
    {"{{range .Deps.b.Outputs}}x{{else}}none{{end}}", "none"},
    {"{{len .Deps}} deps", "2 deps"},
    // Missing keys: the raw prompt comes back.
    {"{{.Deps.zzz.Name}}", "{{.Deps.zzz.Name}}"},
    {"{{.Deps.a.Results.nope}}", "{{.Deps.a.Results.nope}}"},
    {"{{.Nothing}}", "{{.Nothing}}"},
    // Malformed templates: the raw prompt comes back.
    {"fix {{ the bug", "fix {{ the bug"},
    {"{{if}}", "{{if}}"},
    {"{{end}}", "{{end}}"},
    {"{{template \"x\"}}", "{{template \"x\"}}"},
  };
  for (const auto& r : rows)
    EXPECT_EQ(resolve_prompt(r.prompt, data), r.want) << r.prompt;
}

TEST(DependencyGraphTest, HostilePromptsFallBackToRaw) {
  auto data = json::parse(R"({"Deps": {"a": {"Name": "a", "Outputs": [], "Results": {}}}})");
  std::vector<std::string> prompts;
  std::string nested_if;
  for (int i = 0; i < 5000; ++i)
    nested_if += "{{if true}}";
  prompts.push_back(nested_if);
  prompts.push_back(std::string(100000, '(') + "{{" + std::string(100000, '('));
  std::string parens = "{{";
  for (int i = 0; i < 5000; ++i)
    parens += "(";
  prompts.push_back(parens + "1" + std::string(5000, ')') + "}}");
  prompts.push_back("{{range 1000000}}{{range 1000000}}{{end}}{{end}}");
  prompts.push_back("{{range 100000}}" + std::string(1000, 'x') + "{{end}}");
  prompts.push_back(std::string(50000, '{') + std::string(50000, '}'));
  for (const auto& p : prompts)
    EXPECT_EQ(resolve_prompt(p, data), p) << p.substr(0, 40);
}

TEST(DependencyGraphTest, FormatsGoDurations) {
  EXPECT_EQ(format_go_duration(0s), "0s");
  EXPECT_EQ(format_go_duration(10min), "10m0s");
  EXPECT_EQ(format_go_duration(1h), "1h0m0s");
  EXPECT_EQ(format_go_duration(90s), "1m30s");
  EXPECT_EQ(format_go_duration(45s), "45s");
  EXPECT_EQ(format_go_duration(1500ms), "1.5s");
  EXPECT_EQ(format_go_duration(250ms), "250ms");
  EXPECT_EQ(format_go_duration(1500us), "1.5ms");
  EXPECT_EQ(format_go_duration(2us), "2\xC2\xB5s");
  EXPECT_EQ(format_go_duration(7ns), "7ns");
  EXPECT_EQ(format_go_duration(-90s), "-1m30s");
  EXPECT_EQ(format_go_duration(26h + 3min + 4s + 5ms), "26h3m4.005s");
  EXPECT_EQ(format_go_duration(std::chrono::nanoseconds::min()), "-2562047h47m16.854775808s");
}

} // namespace
