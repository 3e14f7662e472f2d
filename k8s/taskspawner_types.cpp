#include "k8s/taskspawner_types.hpp"

#include <cmath>
#include <limits>

namespace kelos::k8s {
namespace {

std::string at(const std::string& parent, std::string_view key) { return parent + "." + std::string{key}; }

/// A small strict reader for the TaskSpawner-only fields (the Task-shaped template goes
/// through decode_task). Keeps the first error; reads after an error are no-ops.
class reader {
public:
  bool ok() const { return !error_; }
  kelos::error take() && { return std::move(*error_); }

  void fail(const std::string& path, const std::string& what) {
    if (!error_)
      error_ = make_error(errc::invalid_spec, path + ": " + what);
  }

  const json* member(const json& obj, const char* key) const {
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
  }

  bool want(const json& v, bool matches, const char* type, const std::string& path) {
    if (!matches && ok())
      fail(path, std::string("expected ") + type + ", got " + v.type_name());
    return matches && ok();
  }

  const json* object(const json& obj, const char* key, const std::string& parent) {
    auto* v = member(obj, key);
    return v && want(*v, v->is_object(), "object", at(parent, key)) ? v : nullptr;
  }

  void string(const json& obj, const char* key, const std::string& parent, std::string& out) {
    auto* v = member(obj, key);
    if (v && want(*v, v->is_string(), "string", at(parent, key)))
      out = v->get<std::string>();
  }

  void strings(const json& obj, const char* key, const std::string& parent, std::vector<std::string>& out) {
    auto* v = member(obj, key);
    auto path = at(parent, key);
    if (!v || !want(*v, v->is_array(), "array", path))
      return;
    for (size_t i = 0; i < v->size(); ++i) {
      auto& s = (*v)[i];
      if (!want(s, s.is_string(), "string", path + "[" + std::to_string(i) + "]"))
        return;
      out.push_back(s.get<std::string>());
    }
  }

  void boolean(const json& obj, const char* key, const std::string& parent, bool& out) {
    auto* v = member(obj, key);
    if (v && want(*v, v->is_boolean(), "boolean", at(parent, key)))
      out = v->get<bool>();
  }

  template <class Int>
  void integer(const json& obj, const char* key, const std::string& parent, Int& out) {
    auto* v = member(obj, key);
    auto path = at(parent, key);
    if (!v || !want(*v, v->is_number(), "integer", path))
      return;
    double d = v->get<double>();
    if (v->is_number_float() && std::floor(d) != d) {
      fail(path, v->dump() + " is not an integer");
      return;
    }
    if (v->is_number_unsigned() ? v->get<uint64_t>() > uint64_t(std::numeric_limits<Int>::max())
                                : (d < double(std::numeric_limits<Int>::min()) || d > double(std::numeric_limits<Int>::max()))) {
      fail(path, v->dump() + " is out of range");
      return;
    }
    out = v->is_number_integer() ? Int(v->get<int64_t>()) : Int(d);
  }

  void int32(const json& obj, const char* key, const std::string& parent, std::optional<int32_t>& out) {
    if (!member(obj, key))
      return;
    int32_t v = 0;
    integer(obj, key, parent, v);
    if (ok())
      out = v;
  }

  void time(const json& obj, const char* key, const std::string& parent, std::optional<time_point>& out) {
    std::string text;
    string(obj, key, parent, text);
    if (text.empty() || !ok())
      return;
    out = parse_time(text);
    if (!out)
      fail(at(parent, key), "expected an RFC 3339 time, got \"" + text + "\"");
  }

private:
  std::optional<kelos::error> error_;
};

/// Rewrites a Task decoder/validator path ("spec.x") to the template's ("spec.taskTemplate.x").
std::string template_path(const std::string& message) {
  static const std::string prefix = "spec.";
  if (message.rfind(prefix, 0) == 0)
    return "spec.taskTemplate." + message.substr(prefix.size());
  return message;
}

void decode_when(reader& r, const json& when, task_spawner_spec& s) {
  const std::string path = "spec.when";
  if (auto* g = r.object(when, "githubIssues", path)) {
    auto gp = at(path, "githubIssues");
    auto& o = s.github_issues.emplace();
    r.string(*g, "repo", gp, o.repo);
    r.strings(*g, "types", gp, o.types);
    r.strings(*g, "labels", gp, o.labels);
    r.strings(*g, "excludeLabels", gp, o.exclude_labels);
    r.string(*g, "state", gp, o.state);
    r.string(*g, "triggerComment", gp, o.trigger_comment);
    r.strings(*g, "excludeComments", gp, o.exclude_comments);
    r.string(*g, "assignee", gp, o.assignee);
    r.string(*g, "author", gp, o.author);
    r.strings(*g, "priorityLabels", gp, o.priority_labels);
  }
  if (auto* c = r.object(when, "cron", path))
    r.string(*c, "schedule", at(path, "cron"), s.cron.emplace().schedule);
  if (auto* j = r.object(when, "jira", path)) {
    auto jp = at(path, "jira");
    auto& o = s.jira.emplace();
    r.string(*j, "baseUrl", jp, o.base_url);
    r.string(*j, "project", jp, o.project);
    r.string(*j, "jql", jp, o.jql);
    if (auto* ref = r.object(*j, "secretRef", jp))
      r.string(*ref, "name", at(jp, "secretRef"), o.secret_name);
  }
}

kelos::expected<void> decode_template(const json& tmpl, task_template_spec& out) {
  json as_task = {{"apiVersion", std::string{kelos_api_version}}, {"kind", "Task"}, {"spec", tmpl}};
  if (as_task["spec"].is_object()) {
    as_task["spec"].erase("promptTemplate");
    as_task["spec"].erase("prompt");
  }
  auto t = decode_task(as_task);
  if (!t)
    return kelos::error{t.error().code, template_path(t.error().message)};
  out.spec = std::move(t->spec);
  if (auto it = tmpl.find("promptTemplate"); it != tmpl.end() && !it->is_null()) {
    if (!it->is_string())
      return kelos::error{errc::invalid_spec,
                          std::string("spec.taskTemplate.promptTemplate: expected string, got ") + it->type_name()};
    out.prompt_template = it->get<std::string>();
  }
  return {};
}

void decode_status(reader& r, const json& j, task_spawner_status& s) {
  const std::string path = "status";
  r.string(j, "phase", path, s.phase);
  r.string(j, "deploymentName", path, s.deployment_name);
  r.string(j, "cronJobName", path, s.cron_job_name);
  r.integer(j, "totalDiscovered", path, s.total_discovered);
  r.integer(j, "totalTasksCreated", path, s.total_tasks_created);
  r.integer(j, "activeTasks", path, s.active_tasks);
  r.time(j, "lastDiscoveryTime", path, s.last_discovery_time);
  r.string(j, "message", path, s.message);
  auto* conds = r.member(j, "conditions");
  if (!conds || !r.want(*conds, conds->is_array(), "array", "status.conditions"))
    return;
  for (size_t i = 0; i < conds->size() && r.ok(); ++i) {
    auto& c = (*conds)[i];
    auto cp = "status.conditions[" + std::to_string(i) + "]";
    if (!r.want(c, c.is_object(), "object", cp))
      return;
    spawner_condition out;
    r.string(c, "type", cp, out.type);
    r.string(c, "status", cp, out.status);
    r.string(c, "reason", cp, out.reason);
    r.string(c, "message", cp, out.message);
    r.integer(c, "observedGeneration", cp, out.observed_generation);
    r.time(c, "lastTransitionTime", cp, out.last_transition_time);
    s.conditions.push_back(std::move(out));
  }
}

void put(json& j, const char* key, const std::string& v) {
  if (!v.empty())
    j[key] = v;
}

void put(json& j, const char* key, const std::vector<std::string>& v) {
  if (!v.empty())
    j[key] = v;
}

bool one_of(std::string_view v, std::initializer_list<std::string_view> allowed) {
  for (auto a : allowed)
    if (v == a)
      return true;
  return false;
}

} // namespace

std::string task_spawner_spec::source_kind() const {
  if (github_issues)
    return "githubIssues";
  if (jira)
    return "jira";
  if (cron)
    return "cron";
  return "";
}

const spawner_condition* task_spawner_status::condition(std::string_view type) const {
  for (const auto& c : conditions)
    if (c.type == type)
      return &c;
  return nullptr;
}

kelos::expected<task_spawner> decode_task_spawner(const json& object) {
  reader r;
  task_spawner out;
  if (!object.is_object())
    return kelos::error{errc::invalid_spec, std::string("TaskSpawner: expected object, got ") + object.type_name()};
  if (auto k = object.find("kind"); k != object.end() && !k->is_null() && *k != "TaskSpawner")
    return kelos::error{errc::invalid_spec, "kind: expected \"TaskSpawner\", got " + k->dump()};
  if (auto m = object.find("metadata"); m != object.end() && !m->is_null() && !m->is_object())
    return kelos::error{errc::invalid_spec, std::string("metadata: expected object, got ") + m->type_name()};
  out.meta = parse_object_meta(object);
  if (auto* spec = r.object(object, "spec", "")) {
    if (auto* when = r.object(*spec, "when", "spec"))
      decode_when(r, *when, out.spec);
    if (auto* tmpl = r.object(*spec, "taskTemplate", "spec"); tmpl && r.ok())
      if (auto decoded = decode_template(*tmpl, out.spec.task_template); !decoded)
        return decoded.error();
    r.string(*spec, "pollInterval", "spec", out.spec.poll_interval);
    r.int32(*spec, "maxConcurrency", "spec", out.spec.max_concurrency);
    r.boolean(*spec, "suspend", "spec", out.spec.suspend);
    r.int32(*spec, "maxTotalTasks", "spec", out.spec.max_total_tasks);
  }
  if (auto* status = r.object(object, "status", ""))
    decode_status(r, *status, out.status);
  if (!r.ok())
    return std::move(r).take();
  return out;
}

json encode(const task_template_spec& t) {
  json j = encode_spec(t.spec);
  j.erase("prompt");
  put(j, "promptTemplate", t.prompt_template);
  return j;
}

json encode_spec(const task_spawner_spec& s) {
  json spec = json::object();
  json when = json::object();
  if (s.github_issues) {
    auto& g = *s.github_issues;
    json o = json::object();
    put(o, "repo", g.repo);
    put(o, "types", g.types);
    put(o, "labels", g.labels);
    put(o, "excludeLabels", g.exclude_labels);
    put(o, "state", g.state);
    put(o, "triggerComment", g.trigger_comment);
    put(o, "excludeComments", g.exclude_comments);
    put(o, "assignee", g.assignee);
    put(o, "author", g.author);
    put(o, "priorityLabels", g.priority_labels);
    when["githubIssues"] = std::move(o);
  }
  if (s.cron)
    when["cron"] = {{"schedule", s.cron->schedule}};
  if (s.jira) {
    json o = {{"baseUrl", s.jira->base_url}, {"project", s.jira->project},
              {"secretRef", {{"name", s.jira->secret_name}}}};
    put(o, "jql", s.jira->jql);
    when["jira"] = std::move(o);
  }
  spec["when"] = std::move(when);
  spec["taskTemplate"] = encode(s.task_template);
  put(spec, "pollInterval", s.poll_interval);
  if (s.max_concurrency)
    spec["maxConcurrency"] = *s.max_concurrency;
  if (s.suspend)
    spec["suspend"] = true;
  if (s.max_total_tasks)
    spec["maxTotalTasks"] = *s.max_total_tasks;
  return spec;
}

json encode_status(const task_spawner_status& s) {
  json j = json::object();
  put(j, "phase", s.phase);
  put(j, "deploymentName", s.deployment_name);
  put(j, "cronJobName", s.cron_job_name);
  if (s.total_discovered)
    j["totalDiscovered"] = s.total_discovered;
  if (s.total_tasks_created)
    j["totalTasksCreated"] = s.total_tasks_created;
  if (s.active_tasks)
    j["activeTasks"] = s.active_tasks;
  if (s.last_discovery_time)
    j["lastDiscoveryTime"] = format_time(*s.last_discovery_time);
  put(j, "message", s.message);
  if (!s.conditions.empty()) {
    json conds = json::array();
    for (const auto& c : s.conditions) {
      json o = {{"type", c.type}, {"status", c.status}, {"reason", c.reason}, {"message", c.message}};
      if (c.observed_generation)
        o["observedGeneration"] = c.observed_generation;
      if (c.last_transition_time)
        o["lastTransitionTime"] = format_time(*c.last_transition_time);
      conds.push_back(std::move(o));
    }
    j["conditions"] = std::move(conds);
  }
  return j;
}

json encode(const task_spawner& s) {
  json j = {{"apiVersion", std::string{kelos_api_version}}, {"kind", "TaskSpawner"}};
  j["metadata"] = to_json(s.meta);
  j["spec"] = encode_spec(s.spec);
  if (auto status = encode_status(s.status); !status.empty())
    j["status"] = std::move(status);
  return j;
}

std::vector<std::string> validate(const task_spawner_spec& s) {
  std::vector<std::string> problems;
  int sources = int(s.github_issues.has_value()) + int(s.cron.has_value()) + int(s.jira.has_value());
  if (sources != 1)
    problems.push_back("spec.when: Invalid value: exactly one of githubIssues, cron or jira must be set");
  if (s.github_issues) {
    auto& g = *s.github_issues;
    if (!s.task_template.spec.workspace_ref)
      problems.push_back("spec: Invalid value: taskTemplate.workspaceRef is required when using githubIssues source");
    if (!g.state.empty() && !one_of(g.state, {"open", "closed", "all"}))
      problems.push_back("spec.when.githubIssues.state: Unsupported value: \"" + g.state
                         + "\": supported values: \"open\", \"closed\", \"all\"");
    for (size_t i = 0; i < g.types.size(); ++i)
      if (!one_of(g.types[i], {"issues", "pulls"}))
        problems.push_back("spec.when.githubIssues.types[" + std::to_string(i) + "]: Unsupported value: \""
                           + g.types[i] + "\": supported values: \"issues\", \"pulls\"");
  }
  if (s.cron && s.cron->schedule.empty())
    problems.push_back("spec.when.cron.schedule: Required value");
  if (s.jira) {
    auto& j = *s.jira;
    if (j.base_url.rfind("http://", 0) != 0 && j.base_url.rfind("https://", 0) != 0)
      problems.push_back("spec.when.jira.baseUrl: Invalid value: \"" + j.base_url + "\": must start with http:// or https://");
    if (j.project.empty())
      problems.push_back("spec.when.jira.project: Required value");
    if (j.secret_name.empty())
      problems.push_back("spec.when.jira.secretRef.name: Required value");
  }
  task_spec probe = s.task_template.spec;
  probe.prompt = "x"; // rendered per item; not part of the template
  for (auto& p : validate(probe))
    problems.push_back(template_path(p));
  if (s.max_concurrency && *s.max_concurrency < 0)
    problems.push_back("spec.maxConcurrency: Invalid value: " + std::to_string(*s.max_concurrency)
                       + ": should be greater than or equal to 0");
  if (s.max_total_tasks && *s.max_total_tasks < 0)
    problems.push_back("spec.maxTotalTasks: Invalid value: " + std::to_string(*s.max_total_tasks)
                       + ": should be greater than or equal to 0");
  return problems;
}

void set_condition(std::vector<spawner_condition>& conditions, spawner_condition c, time_point now) {
  for (auto& existing : conditions) {
    if (existing.type != c.type)
      continue;
    if (existing.status == c.status && existing.last_transition_time)
      c.last_transition_time = existing.last_transition_time;
    else
      c.last_transition_time = std::chrono::floor<std::chrono::seconds>(now);
    existing = std::move(c);
    return;
  }
  c.last_transition_time = std::chrono::floor<std::chrono::seconds>(now);
  conditions.push_back(std::move(c));
}

} // namespace kelos::k8s
