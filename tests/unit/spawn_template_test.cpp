// Template data and the default prompt of spawned Tasks (sources/spawn_template.hpp, seed §3.6).
#include "sources/spawn_template.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using kelos::errc;
using kelos::sources::default_prompt_template;
using kelos::sources::render_spawn_branch;
using kelos::sources::render_spawn_prompt;
using kelos::sources::spawn_template_data;
using kelos::sources::template_uses_comments;
using kelos::sources::work_item;

work_item issue() {
  work_item it;
  it.id = "42";
  it.number = 42;
  it.title = "Fix the flaky test";
  it.body = "It fails on Tuesdays.";
  it.url = "https://github.com/o/r/issues/42";
  it.labels = {"bug", "good first issue"};
  it.kind = "Issue";
  return it;
}

std::string render(const std::string& tmpl, const work_item& item) {
  auto out = render_spawn_prompt(tmpl, item);
  EXPECT_TRUE(out) << (out ? "" : out.error().message);
  return out ? *out : std::string{};
}

TEST(SpawnTemplate, DefaultPromptIsTheSeedText) {
  EXPECT_EQ(default_prompt_template, "{{.Kind}} #{{.Number}}: {{.Title}}\n\n{{.Body}}\n{{- if .Comments}}\n\n"
                                     "Comments:\n{{.Comments}}\n{{- end}}");
}

TEST(SpawnTemplate, DefaultPromptWithoutComments) {
  EXPECT_EQ(render("", issue()), "Issue #42: Fix the flaky test\n\nIt fails on Tuesdays.");
}

TEST(SpawnTemplate, DefaultPromptWithComments) {
  auto it = issue();
  it.kind = "PR";
  it.comments = "first\n---\nsecond";
  EXPECT_EQ(render("", it), "PR #42: Fix the flaky test\n\nIt fails on Tuesdays.\n\nComments:\nfirst\n---\nsecond");
}

TEST(SpawnTemplate, DefaultPromptForACronTick) {
  work_item tick;
  tick.id = "20261124-0900";
  tick.title = "2026-11-24T09:00:00Z";
  tick.time = tick.title;
  tick.schedule = "0 9 * * *";
  EXPECT_EQ(render("", tick), "Issue #0: 2026-11-24T09:00:00Z\n\n");
}

TEST(SpawnTemplate, EveryVariable) {
  work_item it = issue();
  it.comments = "c";
  it.time = "t";
  it.schedule = "s";
  EXPECT_EQ(render("{{.ID}}|{{.Number}}|{{.Title}}|{{.Body}}|{{.URL}}|{{.Labels}}|{{.Comments}}|{{.Kind}}|{{.Time}}|"
                   "{{.Schedule}}",
                   it),
            "42|42|Fix the flaky test|It fails on Tuesdays.|https://github.com/o/r/issues/42|bug, good first issue|c|"
            "Issue|t|s");
}

TEST(SpawnTemplate, DataShape) {
  work_item it;
  auto data = spawn_template_data(it);
  EXPECT_EQ(data.size(), 10u);
  EXPECT_EQ(data["Kind"], "Issue"); // default
  EXPECT_EQ(data["Labels"], "");    // a string even without labels
  EXPECT_TRUE(data["Number"].is_number_integer());
  it.kind = "Bug";
  EXPECT_EQ(spawn_template_data(it)["Kind"], "Bug");
}

TEST(SpawnTemplate, LabelsIsAStringNotAList) {
  EXPECT_EQ(render("{{len .Labels}}", issue()), "21");
  EXPECT_EQ(render("{{if eq .Labels \"bug, good first issue\"}}yes{{end}}", issue()), "yes");
}

TEST(SpawnTemplate, ItemTextIsNeverTemplateSource) {
  auto it = issue();
  it.title = "{{.Body}}";
  it.body = "{{ index . \"x\" }} {{- end}}";
  EXPECT_EQ(render("", it), "Issue #42: {{.Body}}\n\n{{ index . \"x\" }} {{- end}}");
}

TEST(SpawnTemplate, HugeBodyRendersWhole) {
  auto it = issue();
  it.body.assign(200000, 'x');
  EXPECT_EQ(render("{{.Body}}", it).size(), 200000u);
}

TEST(SpawnTemplate, ParseErrorNamesTheField) {
  auto out = render_spawn_prompt("{{.Title", issue());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, errc::parse_error);
  EXPECT_EQ(out.error().message.rfind("promptTemplate: template: prompt:1:", 0), 0u) << out.error().message;
}

TEST(SpawnTemplate, UnknownFieldIsAnExecError) {
  auto out = render_spawn_prompt("{{.Foo}}", issue());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, errc::invalid_spec);
  EXPECT_EQ(out.error().message.rfind("promptTemplate: ", 0), 0u);
  EXPECT_NE(out.error().message.find("Foo"), std::string::npos) << out.error().message;
}

TEST(SpawnTemplate, Branch) {
  auto b = render_spawn_branch("kelos/issue-{{.Number}}", issue());
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, "kelos/issue-42");
  auto empty = render_spawn_branch("", issue());
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, "");
  auto bad = render_spawn_branch("{{.Nope}}", issue());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.rfind("branch: template: branch:1:", 0), 0u) << bad.error().message;
}

TEST(SpawnTemplate, UsesComments) {
  EXPECT_TRUE(template_uses_comments(""));
  EXPECT_TRUE(template_uses_comments("{{.Comments}}"));
  EXPECT_TRUE(template_uses_comments("{{ $.Comments }}"));
  EXPECT_TRUE(template_uses_comments("{{ index . \"Comments\" }}"));
  EXPECT_TRUE(template_uses_comments("{{if .Comments}}x{{end}}"));
  EXPECT_FALSE(template_uses_comments("Fix {{.Title}}: {{.Body}}"));
  EXPECT_FALSE(template_uses_comments("plain text"));
}

} // namespace
