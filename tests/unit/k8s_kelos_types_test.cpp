#include "k8s/kelos_types.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

using namespace kelos;
using namespace kelos::k8s;

namespace {

// -- fixtures: one object of each kind with every field set ------------------------------

const char* full_task_json = R"({
  "apiVersion": "kelos.dev/v1alpha1", "kind": "Task",
  "metadata": {"name": "t", "namespace": "ns", "labels": {"app": "x"}},
  "spec": {
    "type": "claude-code", "prompt": "do it",
    "credentials": {"type": "oauth", "secretRef": {"name": "creds"}},
    "model": "opus", "image": "img:1",
    "workspaceRef": {"name": "ws"}, "agentConfigRef": {"name": "ac"},
    "dependsOn": ["a", "b"], "branch": "feature/x", "ttlSecondsAfterFinished": 3600,
    "podOverrides": {
      "resources": {"limits": {"cpu": "2", "memory": "4Gi"}, "requests": {"cpu": 1},
                    "claims": [{"name": "gpu"}], "x-future": {"k": [1, 2]}},
      "activeDeadlineSeconds": 600,
      "env": [{"name": "A", "value": "1"},
              {"name": "B", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"},
                                          "futureSource": {"z": [true, null]}}},
              {"name": "C", "value": ""}],
      "nodeSelector": {"disktype": "ssd"}}},
  "status": {
    "phase": "Succeeded", "jobName": "t", "podName": "t-abc",
    "startTime": "2026-11-23T10:00:00Z", "completionTime": "2026-11-23T10:05:00Z",
    "message": "done", "outputs": ["branch: x", "pr: 1"], "results": {"branch": "x", "pr": "1"}}
})";

const char* full_workspace_json = R"({
  "apiVersion": "kelos.dev/v1alpha1", "kind": "Workspace",
  "metadata": {"name": "w"},
  "spec": {
    "repo": "https://github.com/o/r.git", "ref": "main", "secretRef": {"name": "gh"},
    "remotes": [{"name": "upstream", "url": "git@github.com:u/r.git"}],
    "files": [{"path": "a/b.md", "content": "hi"}]}
})";

const char* full_agent_config_json = R"({
  "apiVersion": "kelos.dev/v1alpha1", "kind": "AgentConfig",
  "metadata": {"name": "ac"},
  "spec": {
    "agentsMD": "# rules",
    "plugins": [{"name": "p", "skills": [{"name": "s", "content": "c"}],
                 "agents": [{"name": "a", "content": "c2"}]}],
    "mcpServers": [
      {"name": "gh", "type": "stdio", "command": "npx", "args": ["-y", "srv"],
       "env": {"TOKEN": "x"}},
      {"name": "web", "type": "http", "url": "https://x", "headers": {"Authorization": "Bearer y"}}]}
})";

time_point at(const char* text) {
  return *parse_time(text);
}

/// A Task with every field non-default, built in C++ (not from JSON).
task full_task() {
  task t;
  t.meta.name = "t";
  t.meta.namespace_ = "ns";
  auto& s = t.spec;
  s.type = "codex";
  s.prompt = "p";
  s.credentials = {"api-key", "key"};
  s.model = "m";
  s.image = "i";
  s.workspace_ref = "ws";
  s.agent_config_ref = "ac";
  s.depends_on = {"x", "y"};
  s.branch = "b";
  s.ttl_seconds_after_finished = 0;
  pod_overrides o;
  o.resources = json{{"limits", {{"cpu", "1"}}}};
  o.active_deadline_seconds = 5;
  o.env = {{"A", "1", nullptr}, {"B", std::nullopt, json{{"fieldRef", {{"fieldPath", "x"}}}}},
           {"C", "", nullptr}};
  o.node_selector = {{"k", "v"}};
  s.overrides = o;
  auto& st = t.status;
  st.phase = "Failed";
  st.job_name = "j";
  st.pod_name = "pod";
  st.start_time = at("2026-01-02T03:04:05Z");
  st.completion_time = at("2026-01-02T03:14:05Z");
  st.message = "m";
  st.outputs = {"o"};
  st.results = {{"k", "v"}};
  return t;
}

workspace full_workspace() {
  workspace w;
  w.meta.name = "w";
  w.spec = {"git@github.com:o/r.git", "v1", "tok", {{"up", "https://u"}, {"fork", "file:///f"}},
            {{"x.md", "content"}, {"empty", ""}}};
  return w;
}

agent_config full_agent_config() {
  agent_config a;
  a.meta.name = "a";
  a.spec.agents_md = "md";
  a.spec.plugins = {{"p", {{"s", "sc"}}, {{"a", "ac"}}}, {"q", {}, {}}};
  a.spec.mcp_servers = {{"m", "stdio", "cmd", {"--x"}, "", {}, {{"E", "1"}}},
                        {"n", "sse", "", {}, "https://s", {{"H", "v"}}, {}}};
  return a;
}

void expect_same_meta(const object_meta& a, const object_meta& b) {
  EXPECT_EQ(to_json(a), to_json(b));
}

// -- YAML manifests -> JSON (test-only; scalars typed by yaml-cpp's own conversions) -----

json yaml_node_json(const YAML::Node& node) {
  if (node.IsMap()) {
    json out = json::object();
    for (const auto& kv : node)
      out[kv.first.as<std::string>()] = yaml_node_json(kv.second);
    return out;
  }
  if (node.IsSequence()) {
    json out = json::array();
    for (const auto& item : node)
      out.push_back(yaml_node_json(item));
    return out;
  }
  if (!node.IsScalar())
    return nullptr;
  if (node.Tag() == "!") // quoted: always a string
    return node.Scalar();
  if (int64_t i = 0; YAML::convert<int64_t>::decode(node, i))
    return i;
  if (bool b = false; YAML::convert<bool>::decode(node, b))
    return b;
  return node.Scalar();
}

std::vector<json> example_documents(const std::string& kind) {
  std::vector<json> out;
  for (auto& entry : std::filesystem::recursive_directory_iterator(KELOS_EXAMPLES_DIR)) {
    if (entry.path().extension() != ".yaml")
      continue;
    for (const auto& doc : YAML::LoadAllFromFile(entry.path().string())) {
      auto j = yaml_node_json(doc);
      if (j.is_object() && j.value("kind", "") == kind)
        out.push_back(std::move(j));
    }
  }
  return out;
}

} // namespace

// -- examples ---------------------------------------------------------------------------

TEST(KelosTypesExamples, TasksDecodeValidateAndEncodeBackUnchanged) {
  auto docs = example_documents("Task");
  ASSERT_GE(docs.size(), 5u);
  for (auto& j : docs) {
    auto t = decode_task(j);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(validate(t->spec), std::vector<std::string>{}) << j.dump();
    EXPECT_EQ(encode(*t), j);
  }
}

TEST(KelosTypesExamples, WorkspacesDecodeValidateAndEncodeBackUnchanged) {
  auto docs = example_documents("Workspace");
  ASSERT_GE(docs.size(), 6u);
  bool saw_remote = false;
  for (auto& j : docs) {
    auto w = decode_workspace(j);
    ASSERT_TRUE(w) << w.error().message;
    saw_remote = saw_remote || !w->spec.remotes.empty();
    EXPECT_EQ(validate(w->spec), std::vector<std::string>{}) << j.dump();
    EXPECT_EQ(encode(*w), j);
  }
  EXPECT_TRUE(saw_remote);
}

TEST(KelosTypesExamples, AgentConfigsDecodeValidateAndEncodeBackUnchanged) {
  auto docs = example_documents("AgentConfig");
  ASSERT_GE(docs.size(), 1u);
  for (auto& j : docs) {
    auto a = decode_agent_config(j);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_FALSE(a->spec.plugins.empty());
    EXPECT_EQ(validate(a->spec), std::vector<std::string>{}) << j.dump();
    EXPECT_EQ(encode(*a), j);
  }
}

// -- round trips ------------------------------------------------------------------------

TEST(KelosTypesRoundTrip, TaskJsonWithEveryFieldEncodesBackUnchanged) {
  auto j = json::parse(full_task_json);
  auto t = decode_task(j);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(encode(*t), j);
  EXPECT_EQ(t->spec.workspace_ref, "ws");
  EXPECT_EQ(t->spec.overrides->env[2].value, "");
  EXPECT_EQ(t->status.start_time, at("2026-11-23T10:00:00Z"));
}

TEST(KelosTypesRoundTrip, WorkspaceJsonWithEveryFieldEncodesBackUnchanged) {
  auto j = json::parse(full_workspace_json);
  auto w = decode_workspace(j);
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(encode(*w), j);
}

TEST(KelosTypesRoundTrip, AgentConfigJsonWithEveryFieldEncodesBackUnchanged) {
  auto j = json::parse(full_agent_config_json);
  auto a = decode_agent_config(j);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(encode(*a), j);
}

TEST(KelosTypesRoundTrip, TaskStructWithEveryFieldSurvivesEncodeDecode) {
  auto t = full_task();
  auto back = decode_task(encode(t));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->spec, t.spec);
  EXPECT_EQ(back->status, t.status);
  expect_same_meta(back->meta, t.meta);
}

TEST(KelosTypesRoundTrip, WorkspaceStructWithEveryFieldSurvivesEncodeDecode) {
  auto w = full_workspace();
  auto back = decode_workspace(encode(w));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->spec, w.spec);
  expect_same_meta(back->meta, w.meta);
}

TEST(KelosTypesRoundTrip, AgentConfigStructWithEveryFieldSurvivesEncodeDecode) {
  auto a = full_agent_config();
  auto back = decode_agent_config(encode(a));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->spec, a.spec);
  expect_same_meta(back->meta, a.meta);
}

// Each Task field alone: it must reach the JSON and come back, so a field the encoder or
// the decoder dropped fails here by name.
TEST(KelosTypesRoundTrip, EachTaskFieldAloneSurvivesEncodeDecode) {
  auto full = full_task();
  std::vector<std::pair<const char*, std::function<void(task&)>>> fields = {
    {"type", [&](task& t) { t.spec.type = full.spec.type; }},
    {"prompt", [&](task& t) { t.spec.prompt = full.spec.prompt; }},
    {"credentials.type", [&](task& t) { t.spec.credentials.type = "oauth"; }},
    {"credentials.secretRef", [&](task& t) { t.spec.credentials.secret_name = "s"; }},
    {"model", [&](task& t) { t.spec.model = full.spec.model; }},
    {"image", [&](task& t) { t.spec.image = full.spec.image; }},
    {"workspaceRef", [&](task& t) { t.spec.workspace_ref = "w"; }},
    {"workspaceRef empty", [&](task& t) { t.spec.workspace_ref = ""; }},
    {"agentConfigRef", [&](task& t) { t.spec.agent_config_ref = "a"; }},
    {"dependsOn", [&](task& t) { t.spec.depends_on = full.spec.depends_on; }},
    {"branch", [&](task& t) { t.spec.branch = full.spec.branch; }},
    {"ttl 0", [&](task& t) { t.spec.ttl_seconds_after_finished = 0; }},
    {"podOverrides empty", [&](task& t) { t.spec.overrides.emplace(); }},
    {"resources", [&](task& t) { t.spec.overrides.emplace().resources = json::object(); }},
    {"activeDeadlineSeconds",
     [&](task& t) { t.spec.overrides.emplace().active_deadline_seconds = 1; }},
    {"env", [&](task& t) { t.spec.overrides.emplace().env = full.spec.overrides->env; }},
    {"nodeSelector", [&](task& t) { t.spec.overrides.emplace().node_selector = {{"a", "b"}}; }},
    {"phase", [&](task& t) { t.status.phase = "Running"; }},
    {"jobName", [&](task& t) { t.status.job_name = "j"; }},
    {"podName", [&](task& t) { t.status.pod_name = "p"; }},
    {"startTime", [&](task& t) { t.status.start_time = full.status.start_time; }},
    {"completionTime", [&](task& t) { t.status.completion_time = full.status.completion_time; }},
    {"message", [&](task& t) { t.status.message = "m"; }},
    {"outputs", [&](task& t) { t.status.outputs = {"o"}; }},
    {"results", [&](task& t) { t.status.results = {{"k", "v"}}; }},
  };
  const json empty_encoded = encode(task{});
  for (auto& [name, set] : fields) {
    SCOPED_TRACE(name);
    task t;
    set(t);
    auto j = encode(t);
    EXPECT_NE(j, empty_encoded);
    auto back = decode_task(j);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->spec, t.spec);
    EXPECT_EQ(back->status, t.status);
  }
}

TEST(KelosTypesEncode, TaskOmitsEmptyOptionalFieldsAndStatus) {
  task t;
  t.meta.name = "x";
  EXPECT_EQ(encode(t), json::parse(R"({"apiVersion": "kelos.dev/v1alpha1", "kind": "Task",
    "metadata": {"name": "x"},
    "spec": {"type": "", "prompt": "", "credentials": {"type": "", "secretRef": {"name": ""}}}})"));
}

TEST(KelosTypesEncode, WorkspaceAndAgentConfigOmitEmptyOptionalFields) {
  EXPECT_EQ(encode(workspace{}), json::parse(R"({"apiVersion": "kelos.dev/v1alpha1",
    "kind": "Workspace", "metadata": {}, "spec": {"repo": ""}})"));
  EXPECT_EQ(encode(agent_config{}), json::parse(R"({"apiVersion": "kelos.dev/v1alpha1",
    "kind": "AgentConfig", "metadata": {}, "spec": {}})"));
  EXPECT_EQ(encode(pod_overrides{}), json::object());
}

TEST(KelosTypesEncode, StatusWritesExactlyTheCrdKeys) {
  auto full = encode_status(full_task().status);
  std::vector<std::string> keys;
  for (auto& [k, v] : full.items())
    keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"completionTime", "jobName", "message", "outputs",
                                            "phase", "podName", "results", "startTime"}));
  EXPECT_EQ(full["startTime"], "2026-01-02T03:04:05Z");
  EXPECT_EQ(encode_status(task_status{}), json::object());
  task_status only_phase;
  only_phase.phase = "Pending";
  EXPECT_EQ(encode_status(only_phase), json::parse(R"({"phase": "Pending"})"));
}

TEST(KelosTypesDecode, UnknownFieldsInValueFromAndResourcesArePreserved) {
  auto t = decode_task(json::parse(full_task_json));
  ASSERT_TRUE(t);
  auto& o = *t->spec.overrides;
  EXPECT_EQ(o.resources["x-future"], json::parse(R"({"k": [1, 2]})"));
  EXPECT_EQ(o.resources["requests"]["cpu"], 1);
  EXPECT_EQ(o.env[1].value_from["futureSource"], json::parse(R"({"z": [true, null]})"));
  auto encoded = encode(o);
  EXPECT_EQ(encoded["resources"]["x-future"]["k"][1], 2);
  EXPECT_EQ(encoded["env"][1]["valueFrom"]["futureSource"]["z"][0], true);
  EXPECT_FALSE(encoded["env"][1].contains("value"));
}

// -- leniency about absence ---------------------------------------------------------------

TEST(KelosTypesDecode, AbsentAndNullFieldsStayEmpty) {
  auto t = decode_task(json::object());
  ASSERT_TRUE(t);
  EXPECT_EQ(t->spec, task_spec{});
  EXPECT_EQ(t->status, task_status{});
  EXPECT_TRUE(decode_workspace(json::object()));
  EXPECT_TRUE(decode_agent_config(json::object()));

  auto nulls = decode_task(json::parse(R"({"metadata": null, "spec": {"model": null,
    "workspaceRef": null, "dependsOn": null, "ttlSecondsAfterFinished": null,
    "podOverrides": null, "credentials": {"secretRef": null}}, "status": null})"));
  ASSERT_TRUE(nulls) << nulls.error().message;
  EXPECT_EQ(nulls->spec, task_spec{});
}

TEST(KelosTypesDecode, PresentReferenceWithoutNameIsKeptForValidation) {
  auto t = decode_task(json::parse(R"({"spec": {"workspaceRef": {}, "podOverrides": {}}})"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->spec.workspace_ref, "");
  EXPECT_FALSE(t->spec.agent_config_ref);
  EXPECT_EQ(t->spec.overrides, pod_overrides{});
  EXPECT_EQ(encode_spec(t->spec)["workspaceRef"], json::parse(R"({"name": ""})"));
  EXPECT_EQ(encode_spec(t->spec)["podOverrides"], json::object());
}

TEST(KelosTypesDecode, MetadataComesFromParseObjectMeta) {
  auto t = decode_task(json::parse(full_task_json));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->meta.name, "t");
  EXPECT_EQ(t->meta.namespace_, "ns");
  EXPECT_EQ(t->meta.labels.at("app"), "x");
}

// -- numbers ------------------------------------------------------------------------------

TEST(KelosTypesDecode, IntegersInRangeAndIntegralFloatsAreAccepted) {
  struct row {
    const char* ttl;
    int32_t want;
  };
  for (auto [text, want] : std::vector<row>{{"0", 0},
                                            {"30.0", 30},
                                            {"2147483647", 2147483647},
                                            {"-2147483648", -2147483647 - 1},
                                            {"-5", -5}}) {
    SCOPED_TRACE(text);
    json j = {{"spec", {{"ttlSecondsAfterFinished", json::parse(text)}}}};
    auto t = decode_task(j);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->spec.ttl_seconds_after_finished, want);
  }
  for (auto [text, want] : std::vector<std::pair<const char*, int64_t>>{
         {"9223372036854775807", INT64_MAX}, {"-9223372036854775808", INT64_MIN}, {"1e3", 1000}}) {
    SCOPED_TRACE(text);
    auto o = decode_pod_overrides(json{{"activeDeadlineSeconds", json::parse(text)}}, "p");
    ASSERT_TRUE(o) << o.error().message;
    EXPECT_EQ(o->active_deadline_seconds, want);
  }
}

// -- type errors: every field, each message starting with the JSON path --------------------

struct type_error_case {
  const char* kind;     // Task, Workspace or AgentConfig
  const char* pointer;  // JSON pointer into the full example of that kind
  const char* value;    // JSON text written there
  const char* message;  // the whole expected error message
};

void PrintTo(const type_error_case& c, std::ostream* os) {
  *os << c.kind << " " << c.pointer << " = " << c.value;
}

class KelosTypesTypeError : public ::testing::TestWithParam<type_error_case> {};

TEST_P(KelosTypesTypeError, NamesThePathAndTheTypes) {
  auto& c = GetParam();
  std::string kind = c.kind;
  auto j = json::parse(kind == "Task"        ? full_task_json
                       : kind == "Workspace" ? full_workspace_json
                                             : full_agent_config_json);
  j[json::json_pointer(c.pointer)] = json::parse(c.value);
  kelos::error err;
  if (kind == "Task") {
    auto r = decode_task(j);
    ASSERT_FALSE(r);
    err = r.error();
  } else if (kind == "Workspace") {
    auto r = decode_workspace(j);
    ASSERT_FALSE(r);
    err = r.error();
  } else {
    auto r = decode_agent_config(j);
    ASSERT_FALSE(r);
    err = r.error();
  }
  EXPECT_EQ(err.code, errc::invalid_spec);
  EXPECT_EQ(err.message, c.message);
}

INSTANTIATE_TEST_SUITE_P(
  Task, KelosTypesTypeError,
  ::testing::ValuesIn(std::vector<type_error_case>{
    {"Task", "/apiVersion", "\"v1\"", "apiVersion: expected kelos.dev/v1alpha1, got v1"},
    {"Task", "/apiVersion", "1", "apiVersion: expected string, got number"},
    {"Task", "/kind", "\"Workspace\"", "kind: expected Task, got Workspace"},
    {"Task", "/metadata", "[]", "metadata: expected object, got array"},
    {"Task", "/spec", "\"x\"", "spec: expected object, got string"},
    {"Task", "/spec/type", "1", "spec.type: expected string, got number"},
    {"Task", "/spec/prompt", "true", "spec.prompt: expected string, got boolean"},
    {"Task", "/spec/credentials", "\"c\"", "spec.credentials: expected object, got string"},
    {"Task", "/spec/credentials/type", "[]", "spec.credentials.type: expected string, got array"},
    {"Task", "/spec/credentials/secretRef", "\"s\"",
                    "spec.credentials.secretRef: expected object, got string"},
    {"Task", "/spec/credentials/secretRef/name", "1",
                    "spec.credentials.secretRef.name: expected string, got number"},
    {"Task", "/spec/model", "1", "spec.model: expected string, got number"},
    {"Task", "/spec/image", "{}", "spec.image: expected string, got object"},
    {"Task", "/spec/workspaceRef", "\"ws\"", "spec.workspaceRef: expected object, got string"},
    {"Task", "/spec/workspaceRef/name", "1", "spec.workspaceRef.name: expected string, got number"},
    {"Task", "/spec/agentConfigRef", "[]", "spec.agentConfigRef: expected object, got array"},
    {"Task", "/spec/agentConfigRef/name", "{}",
                    "spec.agentConfigRef.name: expected string, got object"},
    {"Task", "/spec/dependsOn", "\"a\"", "spec.dependsOn: expected array, got string"},
    {"Task", "/spec/dependsOn/1", "2", "spec.dependsOn[1]: expected string, got number"},
    {"Task", "/spec/branch", "false", "spec.branch: expected string, got boolean"},
    {"Task", "/spec/ttlSecondsAfterFinished", "\"3600\"",
                    "spec.ttlSecondsAfterFinished: expected integer, got string"},
    {"Task", "/spec/ttlSecondsAfterFinished", "1.5",
                    "spec.ttlSecondsAfterFinished: 1.5 is not an integer"},
    {"Task", "/spec/ttlSecondsAfterFinished", "2147483648",
                    "spec.ttlSecondsAfterFinished: 2147483648 is out of range for int32"},
    {"Task", "/spec/ttlSecondsAfterFinished", "-2147483649",
                    "spec.ttlSecondsAfterFinished: -2147483649 is out of range for int32"},
    {"Task", "/spec/ttlSecondsAfterFinished", "1e10",
                    "spec.ttlSecondsAfterFinished: 10000000000.0 is out of range for int32"},
    {"Task", "/spec/podOverrides", "\"x\"", "spec.podOverrides: expected object, got string"},
    {"Task", "/spec/podOverrides/resources", "\"1Gi\"",
                    "spec.podOverrides.resources: expected object, got string"},
    {"Task", "/spec/podOverrides/activeDeadlineSeconds", "\"60\"",
                    "spec.podOverrides.activeDeadlineSeconds: expected integer, got string"},
    {"Task", "/spec/podOverrides/activeDeadlineSeconds", "0.5",
                    "spec.podOverrides.activeDeadlineSeconds: 0.5 is not an integer"},
    {"Task", "/spec/podOverrides/activeDeadlineSeconds", "9223372036854775808",
                    "spec.podOverrides.activeDeadlineSeconds: 9223372036854775808 is out of range for int64"},
    {"Task", "/spec/podOverrides/activeDeadlineSeconds", "-1e19",
                    "spec.podOverrides.activeDeadlineSeconds: -1e+19 is out of range for int64"},
    {"Task", "/spec/podOverrides/env", "{}", "spec.podOverrides.env: expected array, got object"},
    {"Task", "/spec/podOverrides/env/2", "\"C=1\"",
                    "spec.podOverrides.env[2]: expected object, got string"},
    {"Task", "/spec/podOverrides/env/2/name", "7",
                    "spec.podOverrides.env[2].name: expected string, got number"},
    {"Task", "/spec/podOverrides/env/0/value", "1",
                    "spec.podOverrides.env[0].value: expected string, got number"},
    {"Task", "/spec/podOverrides/env/1/valueFrom", "\"s\"",
                    "spec.podOverrides.env[1].valueFrom: expected object, got string"},
    {"Task", "/spec/podOverrides/nodeSelector", "[]",
                    "spec.podOverrides.nodeSelector: expected object, got array"},
    {"Task", "/spec/podOverrides/nodeSelector/disktype", "1",
                    "spec.podOverrides.nodeSelector[disktype]: expected string, got number"},
    {"Task", "/status", "\"done\"", "status: expected object, got string"},
    {"Task", "/status/phase", "1", "status.phase: expected string, got number"},
    {"Task", "/status/jobName", "1", "status.jobName: expected string, got number"},
    {"Task", "/status/podName", "1", "status.podName: expected string, got number"},
    {"Task", "/status/startTime", "1", "status.startTime: expected string, got number"},
    {"Task", "/status/startTime", "\"yesterday\"",
                    "status.startTime: expected an RFC 3339 time, got \"yesterday\""},
    {"Task", "/status/completionTime", "\"2026-13-01T00:00:00Z\"",
                    "status.completionTime: expected an RFC 3339 time, got \"2026-13-01T00:00:00Z\""},
    {"Task", "/status/message", "[]", "status.message: expected string, got array"},
    {"Task", "/status/outputs", "\"o\"", "status.outputs: expected array, got string"},
    {"Task", "/status/outputs/0", "1", "status.outputs[0]: expected string, got number"},
    {"Task", "/status/results", "[]", "status.results: expected object, got array"},
    {"Task", "/status/results/branch", "1",
                    "status.results[branch]: expected string, got number"}}));

INSTANTIATE_TEST_SUITE_P(
  Workspace, KelosTypesTypeError,
  ::testing::ValuesIn(std::vector<type_error_case>{
    {"Workspace", "/kind", "\"Task\"", "kind: expected Workspace, got Task"},
    {"Workspace", "/spec", "[]", "spec: expected object, got array"},
    {"Workspace", "/spec/repo", "1", "spec.repo: expected string, got number"},
    {"Workspace", "/spec/ref", "1", "spec.ref: expected string, got number"},
    {"Workspace", "/spec/secretRef", "\"gh\"", "spec.secretRef: expected object, got string"},
    {"Workspace", "/spec/secretRef/name", "1", "spec.secretRef.name: expected string, got number"},
    {"Workspace", "/spec/remotes", "{}", "spec.remotes: expected array, got object"},
    {"Workspace", "/spec/remotes/0", "\"up\"", "spec.remotes[0]: expected object, got string"},
    {"Workspace", "/spec/remotes/0/name", "1", "spec.remotes[0].name: expected string, got number"},
    {"Workspace", "/spec/remotes/0/url", "1", "spec.remotes[0].url: expected string, got number"},
    {"Workspace", "/spec/files", "\"f\"", "spec.files: expected array, got string"},
    {"Workspace", "/spec/files/0", "1", "spec.files[0]: expected object, got number"},
    {"Workspace", "/spec/files/0/path", "1", "spec.files[0].path: expected string, got number"},
    {"Workspace", "/spec/files/0/content", "1",
     "spec.files[0].content: expected string, got number"}}));

INSTANTIATE_TEST_SUITE_P(
  AgentConfig, KelosTypesTypeError,
  ::testing::ValuesIn(std::vector<type_error_case>{
    {"AgentConfig", "/kind", "\"Task\"", "kind: expected AgentConfig, got Task"},
    {"AgentConfig", "/spec/agentsMD", "1", "spec.agentsMD: expected string, got number"},
    {"AgentConfig", "/spec/plugins", "{}", "spec.plugins: expected array, got object"},
    {"AgentConfig", "/spec/plugins/0", "[]", "spec.plugins[0]: expected object, got array"},
    {"AgentConfig", "/spec/plugins/0/name", "1", "spec.plugins[0].name: expected string, got number"},
    {"AgentConfig", "/spec/plugins/0/skills", "\"s\"",
                    "spec.plugins[0].skills: expected array, got string"},
    {"AgentConfig", "/spec/plugins/0/skills/0/name", "1",
                    "spec.plugins[0].skills[0].name: expected string, got number"},
    {"AgentConfig", "/spec/plugins/0/skills/0/content", "1",
                    "spec.plugins[0].skills[0].content: expected string, got number"},
    {"AgentConfig", "/spec/plugins/0/agents", "{}",
                    "spec.plugins[0].agents: expected array, got object"},
    {"AgentConfig", "/spec/plugins/0/agents/0/name", "1",
                    "spec.plugins[0].agents[0].name: expected string, got number"},
    {"AgentConfig", "/spec/plugins/0/agents/0/content", "[]",
                    "spec.plugins[0].agents[0].content: expected string, got array"},
    {"AgentConfig", "/spec/mcpServers", "\"m\"", "spec.mcpServers: expected array, got string"},
    {"AgentConfig", "/spec/mcpServers/0/name", "1",
                    "spec.mcpServers[0].name: expected string, got number"},
    {"AgentConfig", "/spec/mcpServers/0/type", "1",
                    "spec.mcpServers[0].type: expected string, got number"},
    {"AgentConfig", "/spec/mcpServers/0/command", "[]",
                    "spec.mcpServers[0].command: expected string, got array"},
    {"AgentConfig", "/spec/mcpServers/0/args", "\"-y\"",
                    "spec.mcpServers[0].args: expected array, got string"},
    {"AgentConfig", "/spec/mcpServers/0/args/1", "2",
                    "spec.mcpServers[0].args[1]: expected string, got number"},
    {"AgentConfig", "/spec/mcpServers/0/env", "[]",
                    "spec.mcpServers[0].env: expected object, got array"},
    {"AgentConfig", "/spec/mcpServers/0/env/TOKEN", "1",
                    "spec.mcpServers[0].env[TOKEN]: expected string, got number"},
    {"AgentConfig", "/spec/mcpServers/1/url", "1",
                    "spec.mcpServers[1].url: expected string, got number"},
    {"AgentConfig", "/spec/mcpServers/1/headers", "\"h\"",
                    "spec.mcpServers[1].headers: expected object, got string"},
    {"AgentConfig", "/spec/mcpServers/1/headers/Authorization", "true",
                    "spec.mcpServers[1].headers[Authorization]: expected string, got boolean"}}));

TEST(KelosTypesDecode, NonObjectDocumentsAreRejectedNamingTheKind) {
  auto t = decode_task(json::array());
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().message, "Task: expected object, got array");
  auto w = decode_workspace("x");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().message, "Workspace: expected object, got string");
  auto a = decode_agent_config(1);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message, "AgentConfig: expected object, got number");
}

TEST(KelosTypesDecode, PodOverridesAloneUseTheGivenPath) {
  const std::string path = "spec.taskTemplate.podOverrides";
  auto bad = decode_pod_overrides(json::parse(R"({"env": [{"name": 1}]})"), path);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::invalid_spec);
  EXPECT_EQ(bad.error().message, path + ".env[0].name: expected string, got number");
  auto not_object = decode_pod_overrides("x", path);
  ASSERT_FALSE(not_object);
  EXPECT_EQ(not_object.error().message, path + ": expected object, got string");
  auto absent = decode_pod_overrides(nullptr, path);
  ASSERT_TRUE(absent);
  EXPECT_EQ(*absent, pod_overrides{});
  auto full = json::parse(full_task_json)["spec"]["podOverrides"];
  auto good = decode_pod_overrides(full, path);
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_EQ(encode(*good), full);
}

// -- validation ---------------------------------------------------------------------------

using problems = std::vector<std::string>;

task_spec valid_task_spec() {
  auto s = full_task().spec;
  EXPECT_EQ(validate(s), problems{});
  return s;
}

TEST(KelosTypesValidate, TaskRules) {
  struct row {
    const char* name;
    std::function<void(task_spec&)> change;
    problems want;
  };
  std::vector<row> rows = {
    {"valid", [](task_spec&) {}, {}},
    {"type missing", [](task_spec& s) { s.type.clear(); }, {"spec.type: Required value"}},
    {"type unknown", [](task_spec& s) { s.type = "aider"; },
     {"spec.type: Unsupported value: \"aider\": supported values: \"claude-code\", \"codex\", "
      "\"gemini\", \"opencode\", \"cursor\""}},
    {"type cursor", [](task_spec& s) { s.type = "cursor"; }, {}},
    {"type claude-code", [](task_spec& s) { s.type = "claude-code"; }, {}},
    {"type gemini", [](task_spec& s) { s.type = "gemini"; }, {}},
    {"type opencode", [](task_spec& s) { s.type = "opencode"; }, {}},
    {"prompt missing", [](task_spec& s) { s.prompt.clear(); }, {"spec.prompt: Required value"}},
    {"credentials type missing", [](task_spec& s) { s.credentials.type.clear(); },
     {"spec.credentials.type: Required value"}},
    {"credentials type unknown", [](task_spec& s) { s.credentials.type = "none"; },
     {"spec.credentials.type: Unsupported value: \"none\": supported values: \"api-key\", "
      "\"oauth\""}},
    {"credentials oauth", [](task_spec& s) { s.credentials.type = "oauth"; }, {}},
    {"secret missing", [](task_spec& s) { s.credentials.secret_name.clear(); },
     {"spec.credentials.secretRef.name: Required value"}},
    {"workspaceRef without name", [](task_spec& s) { s.workspace_ref = ""; },
     {"spec.workspaceRef.name: Required value"}},
    {"workspaceRef absent", [](task_spec& s) { s.workspace_ref.reset(); }, {}},
    {"agentConfigRef without name", [](task_spec& s) { s.agent_config_ref = ""; },
     {"spec.agentConfigRef.name: Required value"}},
    {"ttl negative", [](task_spec& s) { s.ttl_seconds_after_finished = -1; },
     {"spec.ttlSecondsAfterFinished: Invalid value: -1: must be greater than or equal to 0"}},
    {"ttl zero", [](task_spec& s) { s.ttl_seconds_after_finished = 0; }, {}},
    {"deadline zero", [](task_spec& s) { s.overrides->active_deadline_seconds = 0; },
     {"spec.podOverrides.activeDeadlineSeconds: Invalid value: 0: must be greater than or equal "
      "to 1"}},
    {"deadline one", [](task_spec& s) { s.overrides->active_deadline_seconds = 1; }, {}},
    {"env name missing", [](task_spec& s) { s.overrides->env[1].name.clear(); },
     {"spec.podOverrides.env[1].name: Required value"}},
    {"everything missing", [](task_spec& s) { s = task_spec{}; },
     {"spec.type: Required value", "spec.prompt: Required value",
      "spec.credentials.type: Required value", "spec.credentials.secretRef.name: Required value"}},
    {"several at once",
     [](task_spec& s) {
       s.type = "x";
       s.ttl_seconds_after_finished = -5;
       s.overrides->active_deadline_seconds = -1;
       s.overrides->env[0].name.clear();
     },
     {"spec.type: Unsupported value: \"x\": supported values: \"claude-code\", \"codex\", "
      "\"gemini\", \"opencode\", \"cursor\"",
      "spec.ttlSecondsAfterFinished: Invalid value: -5: must be greater than or equal to 0",
      "spec.podOverrides.activeDeadlineSeconds: Invalid value: -1: must be greater than or "
      "equal to 1",
      "spec.podOverrides.env[0].name: Required value"}},
  };
  for (auto& r : rows) {
    SCOPED_TRACE(r.name);
    auto s = valid_task_spec();
    r.change(s);
    EXPECT_EQ(validate(s), r.want);
  }
}

TEST(KelosTypesValidate, PodOverridesAloneUseTheGivenPath) {
  pod_overrides o;
  o.active_deadline_seconds = 0;
  o.env = {{"", "v", nullptr}};
  EXPECT_EQ(validate(o, "spec.taskTemplate.podOverrides"),
            (problems{"spec.taskTemplate.podOverrides.activeDeadlineSeconds: Invalid value: 0: "
                      "must be greater than or equal to 1",
                      "spec.taskTemplate.podOverrides.env[0].name: Required value"}));
  EXPECT_EQ(validate(pod_overrides{}, "x"), problems{});
}

TEST(KelosTypesValidate, WorkspaceRules) {
  const std::string pattern = "should match '^(https?://|git://|git@|file://).*'";
  struct row {
    const char* name;
    std::function<void(workspace_spec&)> change;
    problems want;
  };
  std::vector<row> rows = {
    {"valid", [](workspace_spec&) {}, {}},
    {"repo missing", [](workspace_spec& s) { s.repo.clear(); }, {"spec.repo: Required value"}},
    {"repo http", [](workspace_spec& s) { s.repo = "http://h/r"; }, {}},
    {"repo https", [](workspace_spec& s) { s.repo = "https://h/r"; }, {}},
    {"repo git", [](workspace_spec& s) { s.repo = "git://h/r"; }, {}},
    {"repo scp", [](workspace_spec& s) { s.repo = "git@h:r"; }, {}},
    {"repo file", [](workspace_spec& s) { s.repo = "file:///srv/r"; }, {}},
    {"repo bare host", [](workspace_spec& s) { s.repo = "github.com/o/r"; },
     {"spec.repo: Invalid value: \"github.com/o/r\": " + pattern}},
    {"repo ftp", [](workspace_spec& s) { s.repo = "ftp://h/r"; },
     {"spec.repo: Invalid value: \"ftp://h/r\": " + pattern}},
    {"repo https typo", [](workspace_spec& s) { s.repo = "https:/h"; },
     {"spec.repo: Invalid value: \"https:/h\": " + pattern}},
    {"remote name missing", [](workspace_spec& s) { s.remotes[1].name.clear(); },
     {"spec.remotes[1].name: Required value"}},
    {"remote name 63", [](workspace_spec& s) { s.remotes[0].name = std::string(63, 'r'); }, {}},
    {"remote name 64", [](workspace_spec& s) { s.remotes[0].name = std::string(64, 'r'); },
     {"spec.remotes[0].name: Too long: may not be more than 63 bytes"}},
    {"remote origin", [](workspace_spec& s) { s.remotes[1].name = "origin"; },
     {"spec.remotes[1].name: Invalid value: \"origin\": remote name 'origin' is reserved for "
      "the clone source"}},
    {"remote duplicate",
     [](workspace_spec& s) { s.remotes.push_back({s.remotes[0].name, "git@h:x"}); },
     {"spec.remotes[2].name: Duplicate value: \"up\": remote names must be unique"}},
    {"remote url missing", [](workspace_spec& s) { s.remotes[0].url.clear(); },
     {"spec.remotes[0].url: Required value"}},
    {"remote url bad", [](workspace_spec& s) { s.remotes[0].url = "ssh://h/r"; },
     {"spec.remotes[0].url: Invalid value: \"ssh://h/r\": " + pattern}},
    {"32 remotes",
     [](workspace_spec& s) {
       s.remotes.clear();
       for (int i = 0; i < 32; ++i)
         s.remotes.push_back({"r" + std::to_string(i), "https://h"});
     },
     {}},
    {"33 remotes",
     [](workspace_spec& s) {
       s.remotes.clear();
       for (int i = 0; i < 33; ++i)
         s.remotes.push_back({"r" + std::to_string(i), "https://h"});
     },
     {"spec.remotes: Too many: 33: must have at most 32 items"}},
    {"file path missing", [](workspace_spec& s) { s.files[1].path.clear(); },
     {"spec.files[1].path: Required value"}},
    {"several at once",
     [](workspace_spec& s) {
       s.repo = "x";
       s.remotes[0].name = "origin";
       s.remotes[1].url = "y";
       s.files[0].path.clear();
     },
     {"spec.repo: Invalid value: \"x\": " + pattern,
      "spec.remotes[0].name: Invalid value: \"origin\": remote name 'origin' is reserved for "
      "the clone source",
      "spec.remotes[1].url: Invalid value: \"y\": " + pattern, "spec.files[0].path: Required value"}},
  };
  for (auto& r : rows) {
    SCOPED_TRACE(r.name);
    auto s = full_workspace().spec;
    r.change(s);
    EXPECT_EQ(validate(s), r.want);
  }
}

TEST(KelosTypesValidate, AgentConfigRules) {
  const std::string stdio = "Required value: command is required for stdio MCP servers";
  const std::string web = "Required value: url is required for http and sse MCP servers";
  struct row {
    const char* name;
    std::function<void(agent_config_spec&)> change;
    problems want;
  };
  std::vector<row> rows = {
    {"valid", [](agent_config_spec&) {}, {}},
    {"empty spec", [](agent_config_spec& s) { s = agent_config_spec{}; }, {}},
    {"plugin name missing", [](agent_config_spec& s) { s.plugins[1].name.clear(); },
     {"spec.plugins[1].name: Required value"}},
    {"skill name missing", [](agent_config_spec& s) { s.plugins[0].skills[0].name.clear(); },
     {"spec.plugins[0].skills[0].name: Required value"}},
    {"agent name missing", [](agent_config_spec& s) { s.plugins[0].agents[0].name.clear(); },
     {"spec.plugins[0].agents[0].name: Required value"}},
    {"mcp name missing", [](agent_config_spec& s) { s.mcp_servers[0].name.clear(); },
     {"spec.mcpServers[0].name: Required value"}},
    {"mcp type missing", [](agent_config_spec& s) { s.mcp_servers[1].type.clear(); },
     {"spec.mcpServers[1].type: Required value"}},
    {"mcp type unknown", [](agent_config_spec& s) { s.mcp_servers[1].type = "grpc"; },
     {"spec.mcpServers[1].type: Unsupported value: \"grpc\": supported values: \"stdio\", "
      "\"http\", \"sse\""}},
    {"stdio without command",
     [](agent_config_spec& s) {
       s.mcp_servers[0].command.clear();
       s.mcp_servers[0].url = "https://x"; // a url does not stand in for a command
     },
     {"spec.mcpServers[0].command: " + stdio}},
    {"sse without url", [](agent_config_spec& s) { s.mcp_servers[1].url.clear(); },
     {"spec.mcpServers[1].url: " + web}},
    {"http without url",
     [](agent_config_spec& s) {
       s.mcp_servers[1].type = "http";
       s.mcp_servers[1].url.clear();
       s.mcp_servers[1].command = "cmd";
     },
     {"spec.mcpServers[1].url: " + web}},
    {"several at once",
     [](agent_config_spec& s) {
       s.plugins[0].name.clear();
       s.plugins[0].agents[0].name.clear();
       s.mcp_servers[0].command.clear();
       s.mcp_servers[1].name.clear();
       s.mcp_servers[1].url.clear();
     },
     {"spec.plugins[0].name: Required value", "spec.plugins[0].agents[0].name: Required value",
      "spec.mcpServers[0].command: " + stdio, "spec.mcpServers[1].name: Required value",
      "spec.mcpServers[1].url: " + web}},
  };
  for (auto& r : rows) {
    SCOPED_TRACE(r.name);
    auto s = full_agent_config().spec;
    r.change(s);
    EXPECT_EQ(validate(s), r.want);
  }
}
