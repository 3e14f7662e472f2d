#include "sources/template.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

namespace {

using kelos::sources::missing_key;
using kelos::sources::render_template;
using kelos::sources::template_options;
using kelos::sources::text_template;
using json = kelos::k8s::json;

// The seed's template data for one GitHub issue (§3.6).
json issue_data() {
  return json{{"ID", "42"},        {"Number", 42},
              {"Title", "Fix it"}, {"Body", "It is <broken> & \"sad\""},
              {"URL", "https://github.com/o/r/issues/42"},
              {"Labels", "bug, p1"},
              {"Comments", ""},    {"Kind", "Issue"},
              {"Time", ""},        {"Schedule", ""},
              {"List", json::array({"a", "b", "c"})},
              {"Empty", json::array()},
              {"Map", json{{"z", 26}, {"a", 1}, {"m", json{{"n", "deep"}}}}},
              {"Float", 1.5},
              {"Big", 1000000.0},
              {"Neg", -3},
              {"True", true},
              {"Null", nullptr}};
}

std::string render(std::string_view text, const json& data = issue_data(),
                   template_options opts = {}) {
  auto r = render_template("t", text, data, opts);
  if (!r)
    return "ERROR: " + r.error().message;
  return *r;
}

struct render_case {
  const char* text;
  const char* want;
};

class TemplateRenderTest : public ::testing::TestWithParam<render_case> {};

TEST_P(TemplateRenderTest, RendersLikeGo) {
  const auto& c = GetParam();
  EXPECT_EQ(render(c.text), c.want) << "template: " << c.text;
}

INSTANTIATE_TEST_SUITE_P(
  GoSemantics, TemplateRenderTest,
  ::testing::Values(
    // Text, fields, nesting.
    render_case{"plain text", "plain text"},
    render_case{"", ""},
    render_case{"{{.Title}}", "Fix it"},
    render_case{"{{.Number}}", "42"},
    render_case{"{{.Map.m.n}}", "deep"},
    render_case{"{{.Float}} {{.Big}} {{.Neg}} {{.True}}", "1.5 1e+06 -3 true"},
    render_case{"{{.List}}", "[a b c]"},
    render_case{"{{.Map}}", "map[a:1 m:map[n:deep] z:26]"},
    render_case{"[{{.Null}}]", "[]"},
    // index.
    render_case{"{{index .List 1}}", "b"},
    render_case{"{{index .Map \"m\" \"n\"}}", "deep"},
    render_case{"[{{index .Map \"missing\"}}]", "[]"},
    render_case{"{{index .Title 0}}", "70"},
    render_case{"{{index .List 5}}",
                "ERROR: template: t:1:3: executing \"t\" at <index .List 5>: error calling "
                "index: index out of range: 5"},
    // if / else if / else.
    render_case{"{{if .True}}yes{{else}}no{{end}}", "yes"},
    render_case{"{{if .Empty}}yes{{else}}no{{end}}", "no"},
    render_case{"{{if .Comments}}c{{else if .Labels}}l{{else}}n{{end}}", "l"},
    render_case{"{{if .Null}}a{{else if eq .Number 41}}b{{else}}c{{end}}", "c"},
    render_case{"{{if 0}}a{{end}}{{if 0.0}}b{{end}}{{if \"\"}}c{{end}}{{if .Map}}d{{end}}", "d"},
    // range.
    render_case{"{{range .List}}<{{.}}>{{end}}", "<a><b><c>"},
    render_case{"{{range $i, $v := .List}}{{$i}}={{$v}} {{end}}", "0=a 1=b 2=c "},
    render_case{"{{range $k, $v := .Map}}{{$k}};{{end}}", "a;m;z;"},
    render_case{"{{range $v := .List}}{{$v}}{{end}}", "abc"},
    render_case{"{{range .Empty}}x{{else}}empty{{end}}", "empty"},
    render_case{"{{range .Null}}x{{else}}none{{end}}", "none"},
    render_case{"{{range 3}}{{.}}{{end}}", "012"},
    render_case{"{{range .List}}{{if eq . \"b\"}}{{break}}{{end}}{{.}}{{end}}", "a"},
    render_case{"{{range .List}}{{if eq . \"b\"}}{{continue}}{{end}}{{.}}{{end}}", "ac"},
    render_case{"{{range .List}}{{$.Number}}{{end}}", "424242"},
    // with.
    render_case{"{{with .Map.m}}{{.n}}{{end}}", "deep"},
    render_case{"{{with .Comments}}x{{else}}no comments{{end}}", "no comments"},
    render_case{"{{with $x := .Title}}{{$x}}{{end}}", "Fix it"},
    render_case{"{{with .Null}}a{{else with .Title}}{{.}}{{end}}", "Fix it"},
    // Variables.
    render_case{"{{$x := 1}}{{$x}}{{$x = 2}}{{$x}}", "12"},
    render_case{"{{$x := \"out\"}}{{if true}}{{$x := \"in\"}}{{$x}}{{end}}{{$x}}", "inout"},
    render_case{"{{$x := 0}}{{range .List}}{{$x = .}}{{end}}{{$x}}", "c"},
    // Pipelines and functions.
    render_case{"{{.Title | printf \"%s!\"}}", "Fix it!"},
    render_case{"{{\"a\" | printf \"%s-%s\" \"b\"}}", "b-a"},
    render_case{"{{printf \"%d|%5d|%-4d|%04d|%x|%X|%o|%b\" 42 42 42 42 255 255 8 5}}",
                "42|   42|42  |0042|ff|FF|10|101"},
    render_case{"{{printf \"%v %q %s %t %.2f %e %g\" .List \"a\\\"b\" 7 true 3.14159 1.5 .Float}}",
                "[a b c] \"a\\\"b\" %!s(int=7) true 3.14 1.500000e+00 1.5"},
    render_case{"{{printf \"%d %s\" 1}}", "1 %!s(MISSING)"},
    render_case{"{{printf \"%d\" 1 2}}", "1%!(EXTRA int=2)"},
    render_case{"{{printf \"%5.2s|%-5s|%%\" \"abc\" \"x\"}}", "   ab|x    |%"},
    render_case{"{{printf \"%q\" 65}}", "'A'"},
    render_case{"{{print \"a\" 1 2 \"b\" \"c\"}}", "a1 2bc"},
    render_case{"{{println 1 \"a\"}}", "1 a\n"},
    render_case{"{{len .List}} {{len .Title}} {{len .Map}}", "3 6 3"},
    render_case{"{{eq .Number 42}} {{eq .Kind \"PR\" \"Issue\"}} {{ne 1 2}}", "true true true"},
    render_case{"{{lt 1 2}} {{le 2 2}} {{gt 1.5 2}} {{ge \"b\" \"a\"}} {{eq 1 1.0}}",
                "true true false true true"},
    render_case{"{{and 1 0 2}} {{and 1 2}} {{or 0 \"\" 3}} {{or 0 \"\"}} {{not 0}}",
                "0 2 3  true"},
    render_case{"{{and .Null .Null.Missing}}", "" /* short-circuit: second never evaluated */},
    render_case{"{{html .Body}}", "It is &lt;broken&gt; &amp; &#34;sad&#34;"},
    render_case{"{{js \"a'b\\\"<c>=&\"}}", "a\\'b\\\"\\u003Cc\\u003E\\u003D\\u0026"},
    render_case{"{{urlquery \"a b&c/d~\"}}", "a+b%26c%2Fd~"},
    render_case{"{{len (index .Map \"m\")}}", "1"},
    render_case{"{{(index .Map \"m\").n}}", "deep"},
    render_case{"{{slice .Title 0 3}} {{slice .List 1}}", "Fix [b c]"},
    // Literals.
    render_case{"{{`raw \\n {{ string`}}", "raw \\n {{ string"},
    render_case{"{{\"\\t\\x41\\u00e9\"}}", "\tA\xC3\xA9"},
    render_case{"{{0x1F}} {{1_000}} {{-7}} {{'a'}} {{1e3}} {{.5}}", "31 1000 -7 97 1000 0.5"},
    // Trim markers and comments.
    render_case{"a  {{- .ID -}}  \n b", "a42b"},
    render_case{"a {{-3}}", "a -3"},
    render_case{"{{23 -}} < {{- 45}}", "23<45"}, // the example in Go's package documentation
    render_case{"{{if true -}}\n  x\n{{- end}}", "x"},
    render_case{"x{{/* a comment */}}y", "xy"},
    render_case{"x \n{{- /* trimmed comment */ -}}\n y", "xy"},
    // Default prompt template of the seed (§3.6), comments empty.
    render_case{"{{.Kind}} #{{.Number}}: {{.Title}}\n\n{{.Body}}\n{{- if .Comments}}\n\n"
                "Comments:\n{{.Comments}}\n{{- end}}",
                "Issue #42: Fix it\n\nIt is <broken> & \"sad\""}));

TEST(TemplateTest, DollarIsTheRootData) {
  json data = {{"A", 1}};
  EXPECT_EQ(render("{{with .A}}{{$.A}}{{.}}{{end}}{{$}}", data), "11map[A:1]");
}

TEST(TemplateTest, DependencyPromptIndexesResults) {
  // Seed §2.6: {"Deps": {name: {"Outputs": [...], "Results": {...}, "Name": name}}}.
  json data = {{"Deps",
                {{"build",
                  {{"Name", "build"},
                   {"Outputs", json::array({"line1"})},
                   {"Results", {{"branch", "feature/x"}, {"pr", "7"}}}}}}}};
  EXPECT_EQ(render("Review {{index .Deps \"build\" \"Results\" \"branch\"}} (PR "
                   "{{index .Deps \"build\" \"Results\" \"pr\"}})",
                   data),
            "Review feature/x (PR 7)");
  // A missing result key is empty, as for Go's map[string]string.
  EXPECT_EQ(render("[{{index .Deps \"build\" \"Results\" \"nope\"}}]", data), "[]");
  // A missing dependency is an error (index of nil), so callers fall back to the raw prompt.
  auto r = render_template("p", "{{index .Deps \"other\" \"Results\" \"branch\"}}", data);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("index of untyped nil"), std::string::npos);
}

TEST(TemplateTest, VariablesAreScopedToControlStructures) {
  // Declared in a range body: visible in that iteration only, not after the loop.
  auto t = text_template::parse("t", "{{range .List}}{{$y := .}}{{end}}{{$y}}");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message.find("undefined variable \"$y\""), std::string::npos);
  // Outer variables are visible and assignable inside; with-declared ones only inside.
  EXPECT_EQ(render("{{$x := 1}}{{with .Map}}{{$x}}{{$x = 2}}{{end}}{{$x}}"), "12");
  EXPECT_EQ(render("{{if $t := .Title}}{{$t}}{{else}}{{$t}}{{end}}"), "Fix it");
  EXPECT_EQ(render("{{(printf \"%s\" \"abc\") | len}}"), "3");
}

TEST(TemplateTest, DefaultPromptForCronItem) {
  json cron = {{"ID", "20260101-0900"}, {"Number", 0}, {"Title", "2026-01-01T09:00:00Z"},
               {"Body", ""}, {"URL", ""}, {"Labels", ""}, {"Comments", ""}, {"Kind", "Issue"},
               {"Time", "2026-01-01T09:00:00Z"}, {"Schedule", "0 9 * * *"}};
  const char* def = "{{.Kind}} #{{.Number}}: {{.Title}}\n\n{{.Body}}\n{{- if .Comments}}\n\n"
                    "Comments:\n{{.Comments}}\n{{- end}}";
  EXPECT_EQ(render(def, cron), "Issue #0: 2026-01-01T09:00:00Z\n\n");
  cron["Comments"] = "first\n---\nsecond";
  EXPECT_EQ(render(def, cron),
            "Issue #0: 2026-01-01T09:00:00Z\n\n\n\nComments:\nfirst\n---\nsecond");
}

TEST(TemplateTest, MissingFieldIsAnErrorByDefault) {
  auto r = render_template("prompt", "line1\n  {{.Nope}}", issue_data());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kelos::errc::invalid_spec);
  EXPECT_EQ(r.error().message,
            "template: prompt:2:5: executing \"prompt\" at <.Nope>: map has no entry for key "
            "\"Nope\"");
}

TEST(TemplateTest, MissingFieldIsEmptyInZeroMode) {
  template_options opts;
  opts.missing = missing_key::zero;
  EXPECT_EQ(render("[{{.Nope}}][{{.Nope.Deeper}}][{{.Map.x}}]", issue_data(), opts), "[][][]");
}

TEST(TemplateTest, FieldOfNonObjectIsAnError) {
  EXPECT_EQ(render("{{.Title.X}}"),
            "ERROR: template: t:1:3: executing \"t\" at <.Title.X>: can't evaluate field X in "
            "type string");
}

TEST(TemplateTest, ExecutionErrorsNameTheAction) {
  EXPECT_EQ(render("{{len 3}}"),
            "ERROR: template: t:1:3: executing \"t\" at <len 3>: error calling len: len of type int");
  EXPECT_EQ(render("{{lt true false}}"),
            "ERROR: template: t:1:3: executing \"t\" at <lt true false>: error calling lt: invalid "
            "type for comparison");
  EXPECT_EQ(render("{{range .Title}}{{end}}"),
            "ERROR: template: t:1:9: executing \"t\" at <.Title>: range can't iterate over Fix it");
  EXPECT_EQ(render("{{.Title 1}}"),
            "ERROR: template: t:1:3: executing \"t\" at <.Title 1>: Title is not a method but has "
            "arguments");
  EXPECT_EQ(render("{{nil}}"),
            "ERROR: template: t:1:3: executing \"t\" at <nil>: nil is not a command");
}

struct parse_error_case {
  const char* text;
  const char* want;
};

class TemplateParseErrorTest : public ::testing::TestWithParam<parse_error_case> {};

TEST_P(TemplateParseErrorTest, ReportsLineAndColumn) {
  const auto& c = GetParam();
  auto t = text_template::parse("t", c.text);
  ASSERT_FALSE(t) << c.text;
  EXPECT_EQ(t.error().code, kelos::errc::parse_error);
  EXPECT_EQ(t.error().message, c.want);
}

INSTANTIATE_TEST_SUITE_P(
  Syntax, TemplateParseErrorTest,
  ::testing::Values(
    parse_error_case{"{{.X", "template: t:1:1: unclosed action"},
    parse_error_case{"ok\n{{if .X}}", "template: t:2:10: unexpected EOF"},
    parse_error_case{"{{end}}", "template: t:1:3: unexpected {{end}}"},
    parse_error_case{"{{else}}", "template: t:1:3: unexpected {{else}}"},
    parse_error_case{"{{nosuch 1}}", "template: t:1:3: function \"nosuch\" not defined"},
    parse_error_case{"{{$x}}", "template: t:1:3: undefined variable \"$x\""},
    parse_error_case{"{{if true}}{{$x := 1}}{{end}}{{$x}}",
                     "template: t:1:32: undefined variable \"$x\""},
    parse_error_case{"{{break}}", "template: t:1:3: {{break}} outside {{range}}"},
    parse_error_case{"{{}}", "template: t:1:3: missing value for command"},
    parse_error_case{"{{.X | 3}}", "template: t:1:8: non executable command in pipeline stage 2"},
    parse_error_case{"{{\"abc}}", "template: t:1:3: unterminated quoted string"},
    parse_error_case{"{{`abc}}", "template: t:1:3: unterminated raw quoted string"},
    parse_error_case{"{{/* x }}", "template: t:1:1: unclosed comment"},
    parse_error_case{"{{(.X}}", "template: t:1:6: unclosed left paren"},
    parse_error_case{"{{.X)}}", "template: t:1:5: unexpected right paren"},
    parse_error_case{"{{define \"x\"}}{{end}}", "template: t:1:3: {{define}} is not supported"},
    parse_error_case{"{{if .X}}a{{else}}b{{else}}c{{end}}",
                     "template: t:1:22: expected end; found {{else}}"},
    parse_error_case{"{{range $a, $b, $c := .X}}{{end}}",
                     "template: t:1:15: too many declarations in range"},
    parse_error_case{"{{3x}}", "template: t:1:3: illegal number syntax: \"3x\""},
    parse_error_case{"{{3#}}", "template: t:1:3: bad number syntax"},
    parse_error_case{"{{#}}", "template: t:1:3: unrecognized character in action"}));

TEST(TemplateTest, OutputIsBounded) {
  template_options opts;
  opts.max_output_bytes = 100;
  auto r = render_template("t", "{{range 1000}}xx{{end}}", json::object(), opts);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("output exceeds 100 bytes"), std::string::npos);
  EXPECT_EQ(*render_template("t", "{{range 50}}xx{{end}}", json::object(), opts),
            std::string(100, 'x'));
}

TEST(TemplateTest, IntermediateStringsAreBounded) {
  template_options opts;
  opts.max_output_bytes = 1000;
  // Doubling a variable would otherwise grow without bound even though nothing is printed.
  auto r = render_template("t", "{{$x := \"ab\"}}{{range 40}}{{$x = printf \"%s%s\" $x $x}}{{end}}",
                           json::object(), opts);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("exceeds 1000 bytes"), std::string::npos);
  // Go's own width limit.
  EXPECT_EQ(render("{{printf \"%99999999d\" 1}}"), "%!(BADWIDTH)1");
}

TEST(TemplateTest, StepsAreBounded) {
  template_options opts;
  opts.max_steps = 10'000;
  auto r = render_template("t", "{{range 1000}}{{range 1000}}{{range 1000}}{{end}}{{end}}{{end}}",
                           json::object(), opts);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("exceeded 10000 steps"), std::string::npos);
}

TEST(TemplateTest, NestingIsBounded) {
  std::string deep;
  for (int i = 0; i < 100; ++i)
    deep += "{{if true}}";
  for (int i = 0; i < 100; ++i)
    deep += "{{end}}";
  template_options opts;
  opts.max_depth = 50;
  auto r = text_template::parse("t", deep, opts);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("nesting too deep"), std::string::npos);
  opts.max_depth = 100;
  EXPECT_TRUE(text_template::parse("t", deep, opts));
  std::string parens = "{{" + std::string(200, '(') + "1" + std::string(200, ')') + "}}";
  EXPECT_FALSE(text_template::parse("t", parens));
}

TEST(TemplateTest, ParsedTemplateIsReusable) {
  auto t = text_template::parse("branch", "kelos/{{.Number}}");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->name(), "branch");
  EXPECT_EQ(*t->execute(json{{"Number", 1}}), "kelos/1");
  EXPECT_EQ(*t->execute(json{{"Number", 2}}), "kelos/2");
}

TEST(TemplateTest, OptionsAreValidated) {
  template_options opts;
  opts.max_output_bytes = 0;
  auto t = text_template::parse("t", "x", opts);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, kelos::errc::invalid_spec);
}

} // namespace
