#include "k8s/apiserver/cel.hpp"
#include "k8s/apiserver/schema_validate.hpp"
#include "k8s/apiserver/structural_schema.hpp"

#include <gtest/gtest.h>

#include <random>

using kelos::apiserver::json;
namespace api = kelos::apiserver;

namespace {

json j(const char* text) {
  return json::parse(text);
}

// A reduced Task schema with the Kelos CEL rules (kelos-seed §1) and one of each keyword.
const char* task_schema_text = R"JSON({"type":"object","properties":{
  "apiVersion":{"type":"string"},"kind":{"type":"string"},"metadata":{"type":"object"},
  "spec":{"type":"object","required":["type","prompt","credentials"],
    "x-kubernetes-validations":[{"rule":"self == oldSelf","message":"Task spec is immutable after creation"}],
    "properties":{
      "type":{"type":"string","enum":["claude-code","codex"]},
      "prompt":{"type":"string","minLength":1},
      "credentials":{"type":"object","required":["secretRef"],"properties":{
        "type":{"type":"string","default":"api-key"},
        "secretRef":{"type":"object","properties":{"name":{"type":"string"}}}}},
      "ttl":{"type":"integer","minimum":0,"maximum":100,"exclusiveMaximum":true},
      "branch":{"type":"string","pattern":"^[a-z0-9/-]+$","maxLength":20},
      "remotes":{"type":"array","maxItems":3,
        "x-kubernetes-validations":[
          {"rule":"self.all(r, r.name != 'origin')","message":"remote name 'origin' is reserved for the clone source"},
          {"rule":"self.map(r, r.name).size() == self.size()","message":"remote names must be unique"}],
        "items":{"type":"object","required":["name","url"],"properties":{
          "name":{"type":"string"},"url":{"type":"string"}}}},
      "podOverrides":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
      "labels":{"type":"object","additionalProperties":{"type":"string"}},
      "port":{"x-kubernetes-int-or-string":true},
      "deadline":{"type":"string","format":"date-time"},
      "note":{"type":"string","nullable":true},
      "tags":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}},
      "env":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
        "items":{"type":"object","properties":{"name":{"type":"string"},"value":{"type":"string"}}}}
    }},
  "status":{"type":"object","properties":{"phase":{"type":"string"}}}}})JSON";

const api::schema_node& task_schema() {
  static const api::schema_node schema = [] {
    auto s = api::compile_schema(json::parse(task_schema_text));
    EXPECT_TRUE(s) << s.error().message;
    return s ? *s : api::schema_node{};
  }();
  return schema;
}

json valid_task() {
  return j(R"({"apiVersion":"kelos.dev/v1alpha1","kind":"Task",
    "metadata":{"name":"t","labels":{"x":"y"}},
    "spec":{"type":"claude-code","prompt":"fix it",
      "credentials":{"type":"oauth","secretRef":{"name":"s"}}}})");
}

std::vector<std::string> rendered(const std::vector<api::field_cause>& causes) {
  std::vector<std::string> out;
  for (const auto& c : causes)
    out.push_back(c.render());
  return out;
}

std::vector<api::field_cause> check(const json& obj, const json* old = nullptr) {
  json copy = obj;
  api::apply_defaults(task_schema(), copy);
  return api::validate(task_schema(), copy, old);
}

} // namespace

// ---------------------------------------------------------------- structural schema

TEST(SchemaValidate, ValidObjectHasNoCauses) {
  EXPECT_TRUE(check(valid_task()).empty()) << testing::PrintToString(rendered(check(valid_task())));
}

TEST(SchemaValidate, RequiredAndEnumUseUpstreamWording) {
  json t = valid_task();
  t["spec"].erase("credentials");
  t["spec"]["type"] = "foo";
  auto causes = check(t);
  ASSERT_EQ(causes.size(), 2u) << testing::PrintToString(rendered(causes));
  // `required` is checked before the properties, as upstream reports it.
  EXPECT_EQ(causes[0].render(), "spec.credentials: Required value");
  EXPECT_EQ(causes[0].reason, "FieldValueRequired");
  EXPECT_EQ(causes[1].render(),
            R"(spec.type: Unsupported value: "foo": supported values: "claude-code", "codex")");
  EXPECT_EQ(causes[1].reason, "FieldValueNotSupported");
  EXPECT_EQ(causes[0].field, "spec.credentials");
}

TEST(SchemaValidate, TypeMismatchIsTypeInvalid) {
  json t = valid_task();
  t["spec"]["ttl"] = "soon";
  auto causes = check(t);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0].reason, "FieldValueTypeInvalid");
  EXPECT_EQ(causes[0].render(), R"(spec.ttl: Invalid value: "string": spec.ttl in body must be of type integer: "string")");
  t["spec"]["ttl"] = 1.5;
  EXPECT_EQ(check(t).size(), 1u);
  t["spec"]["ttl"] = 5.0;  // integral float: accepted like go-openapi does
  EXPECT_TRUE(check(t).empty());
  t["spec"]["ttl"] = 5;
  EXPECT_TRUE(check(t).empty());
}

TEST(SchemaValidate, NumericStringAndFormatLimits) {
  struct row {
    const char* field;
    json value;
    std::string expected;  // empty: valid
  } rows[] = {
      {"ttl", -1, "spec.ttl: Invalid value: -1: spec.ttl in body should be greater than or equal to 0"},
      {"ttl", 100, "spec.ttl: Invalid value: 100: spec.ttl in body should be less than 100"},
      {"ttl", 99, ""},
      {"branch", "Feature", R"(spec.branch: Invalid value: "Feature": spec.branch in body should match '^[a-z0-9/-]+$')"},
      {"branch", "feature/x", ""},
      {"branch", "aaaaaaaaaaaaaaaaaaaaa", "spec.branch: Too long: may not be more than 20 bytes"},
      {"prompt", "", R"(spec.prompt: Invalid value: "": spec.prompt in body should be at least 1 chars long)"},
      {"deadline", "2026-01-02T03:04:05Z", ""},
      {"deadline", "tomorrow", R"(spec.deadline: Invalid value: "tomorrow": spec.deadline in body must be of type date-time: "tomorrow")"},
      {"port", 8080, ""},
      {"port", "http", ""},
      {"port", true, R"(spec.port: Invalid value: "boolean": spec.port in body must be of type integer-or-string: "boolean")"},
      {"note", nullptr, ""},
      {"remotes", json::array({{{"name", "a"}, {"url", "u"}}, {{"name", "b"}, {"url", "u"}},
                               {{"name", "c"}, {"url", "u"}}, {{"name", "d"}, {"url", "u"}}}),
       "spec.remotes: Too many: 4: must have at most 3 items"},
      {"remotes", json::array({{{"name", "a"}}}), "spec.remotes[0].url: Required value"},
  };
  for (const auto& r : rows) {
    json t = valid_task();
    t["spec"][r.field] = r.value;
    auto causes = rendered(check(t));
    if (r.expected.empty()) {
      EXPECT_TRUE(causes.empty()) << r.field << ": " << testing::PrintToString(causes);
    } else {
      ASSERT_EQ(causes.size(), 1u) << r.field << ": " << testing::PrintToString(causes);
      EXPECT_EQ(causes[0], r.expected);
    }
  }
}

TEST(SchemaValidate, HugeStringsAreNotFedToStdRegex) {
  // 100k characters would overflow the stack inside std::regex; they must be rejected.
  auto schema = api::compile_schema(j(R"({"type":"object","properties":{
      "s":{"type":"string","pattern":"^[a-z]+$"}}})"));
  ASSERT_TRUE(schema);
  json obj = {{"s", std::string(100000, 'a')}};
  auto causes = api::validate(*schema, obj);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0].reason, "FieldValueTooLong");
  obj["s"] = std::string(4000, 'a');
  EXPECT_TRUE(api::validate(*schema, obj).empty());
  auto p = api::cel_compile("self.matches('^[a-z]+$')");
  ASSERT_TRUE(p);
  EXPECT_FALSE(api::cel_evaluate(*p, json(std::string(100000, 'a'))));
  EXPECT_EQ(*api::cel_evaluate(*p, json(std::string(4000, 'a'))), true);
}

TEST(SchemaValidate, ListTypeSetAndMapRejectDuplicates) {
  json t = valid_task();
  t["spec"]["tags"] = {"a", "b", "a"};
  t["spec"]["env"] = j(R"([{"name":"X","value":"1"},{"name":"X","value":"2"}])");
  auto causes = check(t);
  ASSERT_EQ(causes.size(), 2u);
  EXPECT_EQ(causes[0].render(), R"(spec.env[1]: Duplicate value: {"name":"X"})");
  EXPECT_EQ(causes[1].render(), R"(spec.tags[2]: Duplicate value: "a")");
  EXPECT_EQ(causes[1].reason, "FieldValueDuplicate");
}

TEST(SchemaDefaults, AppliedRecursivelyWithoutTouchingMetadata) {
  json t = valid_task();
  t["spec"]["credentials"].erase("type");
  api::apply_defaults(task_schema(), t);
  EXPECT_EQ(t["spec"]["credentials"]["type"], "api-key");
  EXPECT_EQ(t["metadata"], valid_task()["metadata"]);
  // A null in a non-nullable field is dropped and then defaulted, as upstream does.
  t["spec"]["credentials"]["type"] = nullptr;
  api::apply_defaults(task_schema(), t);
  EXPECT_EQ(t["spec"]["credentials"]["type"], "api-key");
}

TEST(SchemaPruning, ReportsAndRemovesUnknownFields) {
  json t = valid_task();
  t["spec"]["foo"] = 1;
  t["spec"]["remotes"] = j(R"([{"name":"up","url":"u","extra":true}])");
  t["spec"]["podOverrides"] = j(R"({"anything":{"goes":1}})");
  t["spec"]["labels"] = j(R"({"free":"form"})");
  t["status"] = j(R"({"phase":"Running","bogus":1})");
  t["topLevel"] = 1;
  auto unknown = api::prune_unknown_fields(task_schema(), t);
  EXPECT_EQ(unknown, (std::vector<std::string>{"spec.foo", "spec.remotes[0].extra", "status.bogus",
                                               "topLevel"}));
  EXPECT_FALSE(t["spec"].contains("foo"));
  EXPECT_FALSE(t["spec"]["remotes"][0].contains("extra"));
  EXPECT_EQ(t["spec"]["podOverrides"], j(R"({"anything":{"goes":1}})"));
  EXPECT_EQ(t["spec"]["labels"], j(R"({"free":"form"})"));
  EXPECT_EQ(t["metadata"]["labels"], j(R"({"x":"y"})"));
}

TEST(SchemaAdmission, FieldValidationModes) {
  json t = valid_task();
  t["spec"]["foo"] = 1;
  auto strict = api::admit_custom_resource(task_schema(), t, nullptr, api::field_validation::strict);
  EXPECT_EQ(strict.strict_error, R"(strict decoding error: unknown field "spec.foo")");
  auto warn = api::admit_custom_resource(task_schema(), t, nullptr, api::field_validation::warn);
  EXPECT_TRUE(warn.strict_error.empty());
  EXPECT_EQ(warn.warnings, (std::vector<std::string>{R"(unknown field "spec.foo")"}));
  auto ignore = api::admit_custom_resource(task_schema(), t, nullptr, api::field_validation::ignore);
  EXPECT_TRUE(ignore.warnings.empty());
  EXPECT_TRUE(ignore.strict_error.empty());
  EXPECT_FALSE(ignore.object["spec"].contains("foo"));
  EXPECT_TRUE(ignore.causes.empty());
}

TEST(SchemaCel, TaskSpecIsImmutable) {
  json old = valid_task();
  json t = valid_task();
  EXPECT_TRUE(check(t, &old).empty());
  t["spec"]["prompt"] = "something else";
  auto causes = check(t, &old);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0].reason, "FieldValueInvalid");
  EXPECT_EQ(causes[0].field, "spec");
  EXPECT_EQ(causes[0].message, R"(Invalid value: "object": Task spec is immutable after creation)");
  // On create there is no oldSelf: the transition rule does not run.
  EXPECT_TRUE(check(t, nullptr).empty());
}

TEST(SchemaCel, RemoteNamesRules) {
  json t = valid_task();
  t["spec"]["remotes"] = j(R"([{"name":"origin","url":"u"}])");
  auto causes = check(t);
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0].render(),
            R"(spec.remotes: Invalid value: "array": remote name 'origin' is reserved for the clone source)");
  t["spec"]["remotes"] = j(R"([{"name":"up","url":"u"},{"name":"fork","url":"v"}])");
  EXPECT_TRUE(check(t).empty());
  // As written upstream, map() keeps duplicates, so this rule cannot detect them.
  t["spec"]["remotes"] = j(R"([{"name":"up","url":"u"},{"name":"up","url":"v"}])");
  EXPECT_TRUE(check(t).empty());
}

TEST(SchemaCel, TaskSpawnerWorkspaceRule) {
  auto p = api::cel_compile("!has(self.when.githubIssues) || has(self.taskTemplate.workspaceRef)");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_FALSE(p->uses_old_self());
  auto eval = [&](const char* text) { return api::cel_evaluate(*p, j(text)); };
  EXPECT_EQ(*eval(R"({"when":{"cron":{}},"taskTemplate":{}})"), true);
  EXPECT_EQ(*eval(R"({"when":{"githubIssues":{}},"taskTemplate":{"workspaceRef":{"name":"w"}}})"), true);
  EXPECT_EQ(*eval(R"({"when":{"githubIssues":{}},"taskTemplate":{}})"), false);
}

TEST(SchemaCompile, ReportsBadPatternsAndRules) {
  auto bad_pattern = api::compile_schema(j(R"({"type":"object","properties":{
      "a":{"type":"string","pattern":"(unclosed"}}})"));
  ASSERT_FALSE(bad_pattern);
  EXPECT_NE(bad_pattern.error().message.find("properties[a].pattern"), std::string::npos)
      << bad_pattern.error().message;
  auto bad_rule = api::compile_schema(j(R"({"type":"object",
      "x-kubernetes-validations":[{"rule":"self.getMonth() == 1"}]})"));
  ASSERT_FALSE(bad_rule);
  EXPECT_NE(bad_rule.error().message.find("x-kubernetes-validations[0].rule"), std::string::npos);
  EXPECT_FALSE(api::compile_schema(j(R"({"type":"thing"})")));
  EXPECT_FALSE(api::compile_schema(j(R"({"type":"array","x-kubernetes-list-type":"map"})")));
}

TEST(SchemaCompile, ListTypesForServerSideApply) {
  auto lists = api::list_types_from_schema(task_schema());
  EXPECT_EQ(lists.lookup("spec.env").kind, api::list_kind::map);
  EXPECT_EQ(lists.lookup("spec.env").keys, (std::vector<std::string>{"name"}));
  EXPECT_EQ(lists.lookup("spec.tags").kind, api::list_kind::set);
  EXPECT_EQ(lists.lookup("spec.remotes").kind, api::list_kind::atomic);
}

TEST(SchemaStatus, InvalidStatusMessage) {
  std::vector<api::field_cause> one{{"FieldValueRequired", "spec.credentials", "Required value"}};
  json s = api::invalid_status("Task", "kelos.dev", "t", one);
  EXPECT_EQ(s["code"], 422);
  EXPECT_EQ(s["reason"], "Invalid");
  EXPECT_EQ(s["message"], R"(Task.kelos.dev "t" is invalid: spec.credentials: Required value)");
  EXPECT_EQ(s["details"]["causes"][0]["field"], "spec.credentials");
  auto two = one;
  two.push_back({"FieldValueInvalid", "spec.x", "Invalid value: 1: bad"});
  EXPECT_EQ(api::invalid_status("Task", "kelos.dev", "t", two)["message"],
            R"(Task.kelos.dev "t" is invalid: [spec.credentials: Required value, spec.x: Invalid value: 1: bad])");
}

// ---------------------------------------------------------------- CEL

TEST(Cel, ExpressionTable) {
  json self = j(R"({"name":"kelos-x","n":3,"items":[1,2,3],"m":{"a":1,"b":2},"s":"Hello",
                   "objs":[{"k":"a","v":1},{"k":"b","v":2}],"f":1.5})");
  struct row {
    const char* expr;
    json expected;
  } rows[] = {
      {"self.n == 3", true},
      {"self.n != 3", false},
      {"self.n < 4 && self.n >= 3", true},
      {"self.n > 5 || self.n <= 2", false},
      {"!(self.n == 3)", false},
      {"self.n > 2 ? 'big' : 'small'", "big"},
      {"self.n + 2 * 3 - 1", 8},
      {"self.n / 2", 1},
      {"self.n % 2", 1},
      {"-self.n", -3},
      {"self.f > 1.0", true},
      {"2 in self.items", true},
      {"'a' in self.m", true},
      {"'z' in self.m", false},
      {"size(self.items) == 3", true},
      {"self.items.size()", 3},
      {"self.name.size()", 7},
      {"self.m.size()", 2},
      {"self.items.all(i, i > 0)", true},
      {"self.items.exists(i, i == 2)", true},
      {"self.items.exists_one(i, i > 1)", false},
      {"self.items.exists_one(i, i > 2)", true},
      {"self.items.map(i, i * 2)", {2, 4, 6}},
      {"self.items.map(i, i > 1, i * 10)", {20, 30}},
      {"self.items.filter(i, i % 2 == 1)", {1, 3}},
      {"self.m.all(k, k in ['a', 'b'])", true},
      {"self.objs.map(o, o.k)", {"a", "b"}},
      {"self.objs.filter(o, o.v > 1).size() == 1", true},
      {"self.name.startsWith('kelos-')", true},
      {"self.name.endsWith('-x')", true},
      {"self.s.contains('ell')", true},
      {"self.name.matches('^kelos-[a-z]+$')", true},
      {"self.s.matches('^[a-z]+$')", false},
      {"self.s.lowerAscii() == 'hello'", true},
      {"self.s + ' world'", "Hello world"},
      {"[1, 2] + [3]", {1, 2, 3}},
      {"self.items[1]", 2},
      {"self.m['b']", 2},
      {"has(self.m.a) && !has(self.m.z)", true},
      {"self.objs[0] == {'k': 'a', 'v': 1}", true},
      {"null == null", true},
      {"string(self.n) == '3'", true},
      {"int('42') + 1", 43},
      {"\"dq\" == 'dq'", true},
      {"self.items.map(i, i).size() == self.items.size()", true},
  };
  for (const auto& r : rows) {
    auto p = api::cel_compile(r.expr);
    ASSERT_TRUE(p) << r.expr << ": " << p.error().message;
    auto v = api::cel_evaluate(*p, self);
    ASSERT_TRUE(v) << r.expr << ": " << v.error().message;
    EXPECT_EQ(*v, r.expected) << r.expr;
  }
}

TEST(Cel, RuntimeErrorsAreClear) {
  json self = j(R"({"a":{"b":1},"l":[1]})");
  struct row {
    const char* expr;
    const char* message_part;
  } rows[] = {
      {"self.missing == 1", "no such key: missing"},
      {"self.a.b.c == 1", "no such key: c"},
      {"self.l[5] == 1", "index out of bounds"},
      {"self.a.b < 'x'", "no matching overload"},
      {"self.a.b / 0 == 1", "division by zero"},
      {"oldSelf == self", "oldSelf"},
      {"has(self.a.b.c)", "invalid type"},
  };
  for (const auto& r : rows) {
    auto p = api::cel_compile(r.expr);
    ASSERT_TRUE(p) << r.expr << ": " << p.error().message;
    auto v = api::cel_evaluate(*p, self);
    ASSERT_FALSE(v) << r.expr << " evaluated to " << v->dump();
    EXPECT_NE(v.error().message.find(r.message_part), std::string::npos)
        << r.expr << ": " << v.error().message;
  }
  // Errors are absorbed when the other side of && / || decides.
  auto p = api::cel_compile("!has(self.a) || self.a.missing == 1 || true");
  ASSERT_TRUE(p);
  EXPECT_EQ(*api::cel_evaluate(*p, self), true);
  auto q = api::cel_compile("self.missing == 1 && false");
  ASSERT_TRUE(q);
  EXPECT_EQ(*api::cel_evaluate(*q, self), false);
}

TEST(Cel, CompileErrorsNeverCrash) {
  const char* bad[] = {"",          "self.",        "self.a ==",   "(self",      "self.a(",
                       "foo == 1",  "self.x.getMonth()", "'unterminated", "self.all(1, true)",
                       "self # 1",  "self.map(x)",  "[1, 2",       "{'a': 1",    "a.b ? c",
                       "1 +",       "has(self)",    "self.exists(x, y)", ")"};
  for (const char* expr : bad) {
    auto p = api::cel_compile(expr);
    ASSERT_FALSE(p) << "compiled: " << expr;
    EXPECT_EQ(p.error().code, kelos::errc::invalid_spec);
    EXPECT_NE(p.error().message.find("compilation failed"), std::string::npos) << p.error().message;
  }
  EXPECT_FALSE(api::cel_compile(std::string(100000, '(') + "1" + std::string(100000, ')')));
  EXPECT_FALSE(api::cel_compile(std::string(100000, '!') + "true"));
  auto old = api::cel_compile("self.x == oldSelf.x");
  ASSERT_TRUE(old);
  EXPECT_TRUE(old->uses_old_self());
}

TEST(Cel, RandomInputNeverCrashes) {
  // Random token soup: compile must fail or succeed cleanly, and evaluation must return.
  const char* pieces[] = {"self", "oldSelf", ".", "a", "(", ")", "[", "]", "{", "}", ",", ":",
                          "?", "!", "==", "<", "&&", "||", "+", "-", "/", "%", "1", "2.5",
                          "'s'", "\"t\"", "true", "null", "in", "has", "size", "all", "map",
                          "x", "filter", "exists_one", "matches", "'['", "0x1f", "3u", " "};
  std::mt19937 rng(7);
  json self = j(R"({"a":[1,2],"b":{"c":"d"}})");
  int compiled = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string expr;
    size_t n = 1 + rng() % 12;
    for (size_t i = 0; i < n; ++i)
      expr += pieces[rng() % (sizeof(pieces) / sizeof(pieces[0]))];
    auto p = api::cel_compile(expr);
    if (!p)
      continue;
    ++compiled;
    (void)api::cel_evaluate(*p, self, &self);
  }
  EXPECT_GT(compiled, 0);
}

TEST(SchemaCel, RuleReasonAndFieldPathShapeTheCause) {
  auto schema = api::compile_schema(j(R"JSON({"type":"object","properties":{"spec":{
      "type":"object","properties":{"name":{"type":"string"}},
      "x-kubernetes-validations":[
        {"rule":"!self.name.startsWith('kelos-')","message":"the kelos- prefix is reserved",
         "reason":"FieldValueForbidden","fieldPath":".name"},
        {"rule":"self.name.size() < 5"}]}}})JSON"));
  ASSERT_TRUE(schema) << schema.error().message;
  auto causes = api::validate(*schema, j(R"({"spec":{"name":"kelos-x"}})"));
  ASSERT_EQ(causes.size(), 2u);
  EXPECT_EQ(causes[0].render(), "spec.name: Forbidden: the kelos- prefix is reserved");
  EXPECT_EQ(causes[0].reason, "FieldValueForbidden");
  EXPECT_EQ(causes[1].render(),
            R"(spec: Invalid value: "object": failed rule: self.name.size() < 5)");
}
