#include "tests/integration/task_controller_support.hpp"

#include <sstream>

namespace kelos::test::tc {
namespace {

json meta(const std::string& name) { return json{{"name", name}, {"namespace", "default"}}; }

json kelos_object(const std::string& kind, const std::string& name, const json& spec) {
  return json{{"apiVersion", "kelos.dev/v1alpha1"}, {"kind", kind}, {"metadata", meta(name)}, {"spec", spec}};
}

std::string string_at(const json& j, const char* path) {
  const json* p = k8s::find_path(j, path);
  return p && p->is_string() ? p->get<std::string>() : std::string{};
}

std::vector<json> task_events(controller_harness& h, const std::string& name, const std::string& reason) {
  std::vector<json> out;
  auto list = h.request("GET", "/api/v1/namespaces/default/events");
  if (!list)
    return out;
  for (const auto& e : (*list)["items"])
    if (string_at(e, "involvedObject.kind") == "Task" && string_at(e, "involvedObject.name") == name &&
        k8s::get_string(e, "reason") == reason)
      out.push_back(e);
  return out;
}

} // namespace

json task(const std::string& name, const json& spec, const std::map<std::string, std::string>& labels) {
  json s = {{"type", "claude-code"},
            {"prompt", "Do it"},
            {"credentials", {{"type", "api-key"}, {"secretRef", {{"name", credentials}}}}}};
  for (const auto& [k, v] : spec.items()) {
    if (v.is_null())
      s.erase(k);
    else
      s[k] = v;
  }
  json t = kelos_object("Task", name, s);
  if (!labels.empty())
    t["metadata"]["labels"] = labels;
  return t;
}

json workspace(const std::string& name, const json& spec) { return kelos_object("Workspace", name, spec); }

json agent_config(const std::string& name, const json& spec) { return kelos_object("AgentConfig", name, spec); }

json secret(const std::string& name, const std::map<std::string, std::string>& data) {
  return json{{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", meta(name)}, {"stringData", data}};
}

bool create(controller_harness& h, const json& obj) {
  auto r = h.create(obj);
  if (!r)
    ADD_FAILURE() << "creating " << k8s::get_string(obj, "kind") << " " << string_at(obj, "metadata.name") << ": "
                  << r.error().render();
  return r.has_value();
}

std::optional<json> task_of(controller_harness& h, const std::string& name) { return h.get("tasks", "default", name); }

json status_of(controller_harness& h, const std::string& name) {
  auto t = task_of(h, name);
  return t && t->contains("status") ? (*t)["status"] : json::object();
}

std::optional<json> job_of(controller_harness& h, const std::string& name) { return h.get("jobs", "default", name); }

json agent_container(const json& job) {
  const json* c = k8s::find_path(job, "spec.template.spec.containers");
  return c && c->is_array() && !c->empty() ? c->at(0) : json{};
}

json init_container(const json& job, const std::string& name) {
  const json* list = k8s::find_path(job, "spec.template.spec.initContainers");
  if (list && list->is_array())
    for (const auto& c : *list)
      if (k8s::get_string(c, "name") == name)
        return c;
  return json{};
}

std::vector<std::string> init_container_names(const json& job) {
  std::vector<std::string> out;
  const json* list = k8s::find_path(job, "spec.template.spec.initContainers");
  if (list && list->is_array())
    for (const auto& c : *list)
      out.push_back(k8s::get_string(c, "name"));
  return out;
}

json env_of(const json& container, const std::string& name) {
  if (container.is_object() && container.contains("env"))
    for (const auto& e : container["env"])
      if (k8s::get_string(e, "name") == name)
        return e;
  return json{};
}

std::string env_value(const json& container, const std::string& name) {
  auto e = env_of(container, name);
  return e.is_null() ? std::string{} : k8s::get_string(e, "value");
}

std::string env_secret(const json& container, const std::string& name) {
  auto e = env_of(container, name);
  if (e.is_null())
    return {};
  return string_at(e, "valueFrom.secretKeyRef.name") + "/" + string_at(e, "valueFrom.secretKeyRef.key");
}

int event_count(controller_harness& h, const std::string& name, const std::string& reason) {
  int n = 0;
  for (const auto& e : task_events(h, name, reason))
    n += e.contains("count") && e["count"].is_number_integer() ? e["count"].get<int>() : 1;
  return n;
}

::testing::AssertionResult has_events(controller_harness& h, const std::string& name, const std::string& reason,
                                      int n) {
  if (eventually([&] { return event_count(h, name, reason) == n; }))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "Task " << name << " has " << event_count(h, name, reason) << " "
                                       << reason << " events, expected " << n;
}

std::string event_message(controller_harness& h, const std::string& name, const std::string& reason) {
  auto events = task_events(h, name, reason);
  return events.empty() ? std::string{} : k8s::get_string(events.front(), "message");
}

double metric(const controller_harness& h, const std::string& series) {
  std::istringstream in{h.metrics_text()};
  std::string line;
  while (std::getline(in, line))
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  return 0;
}

double created_metric(const controller_harness& h, const std::string& type) {
  return metric(h, R"(kelos_task_created_total{namespace="default",type=")" + type + "\"}");
}

double completed_metric(const controller_harness& h, const std::string& type, const std::string& phase) {
  return metric(h, R"(kelos_task_completed_total{namespace="default",phase=")" + phase + R"(",type=")" + type + "\"}");
}

::testing::AssertionResult reaches_phase(controller_harness& h, const std::string& name, const std::string& phase) {
  if (eventually([&] { return h.task_phase(name) == phase; }))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "Task " << name << " never reached phase " << phase << "; status is "
                                       << status_of(h, name).dump();
}

::testing::AssertionResult reaches(controller_harness& h, const std::string& name, const std::string& phase,
                                   const std::string& message) {
  if (eventually([&] { return h.task_phase(name) == phase && h.task_message(name) == message; }))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "Task " << name << " never reached " << phase << " with message \""
                                       << message << "\"; status is " << status_of(h, name).dump();
}

::testing::AssertionResult gets_job(controller_harness& h, const std::string& name) {
  if (eventually([&] { return h.job_exists(name); }))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no Job for Task " << name << "; status is " << status_of(h, name).dump();
}

::testing::AssertionResult disappears(controller_harness& h, const std::string& name) {
  if (eventually([&] { return !task_of(h, name).has_value(); }))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "Task " << name << " still exists: " << task_of(h, name)->dump();
}

::testing::AssertionResult held_back_until_success(controller_harness& h, const std::string& waiter,
                                                   const std::string& message, const std::string& blocker) {
  if (auto r = reaches(h, waiter, "Waiting", message); !r)
    return r;
  if (h.job_exists(waiter))
    return ::testing::AssertionFailure() << waiter << " got a Job while " << blocker << " had not finished";
  if (!h.run_to_success(blocker, "claude-code", {"done: yes"}))
    return ::testing::AssertionFailure() << blocker << " did not run to success";
  if (auto r = gets_job(h, waiter); !r)
    return r;
  return reaches(h, waiter, "Pending", "");
}

bool touch(controller_harness& h, const std::string& name) {
  static int n = 0;
  json patch = {{"metadata", {{"labels", {{"touched", std::to_string(++n)}}}}}};
  auto r = h.request("PATCH", "/apis/kelos.dev/v1alpha1/namespaces/default/tasks/" + name, patch,
                     "application/merge-patch+json");
  if (!r)
    ADD_FAILURE() << "touching " << name << ": " << r.error().render();
  return r.has_value();
}

bool start_running(controller_harness& h, const std::string& name) {
  if (!gets_job(h, name))
    return false;
  return h.create_pod(name) && h.set_job_status(name, 1, 0, 0) && reaches_phase(h, name, "Running");
}

bool fail_job(controller_harness& h, const std::string& name, const std::string& reason) {
  return h.set_job_status(name, 0, 0, 1, reason);
}

bool start(controller_harness& h) {
  if (!h.start_server() || !h.start_controller())
    return false;
  return create(h, secret(credentials, {{"ANTHROPIC_API_KEY", "sk-test"},
                                        {"CLAUDE_CODE_OAUTH_TOKEN", "oauth-test"},
                                        {"CODEX_API_KEY", "codex-test"},
                                        {"CODEX_AUTH_JSON", "{}"},
                                        {"OPENCODE_API_KEY", "opencode-test"}}));
}

} // namespace kelos::test::tc
