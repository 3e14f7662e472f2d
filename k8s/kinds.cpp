#include "k8s/kinds.hpp"

#include <algorithm>
#include <array>

namespace kelos::k8s {

namespace {

const json& field(const json& j, const char* key) {
  static const json null_json;
  if (!j.is_object())
    return null_json;
  auto it = j.find(key);
  return it == j.end() ? null_json : *it;
}

std::optional<time_point> time_of(const json& j, const char* key) {
  auto s = get_string(j, key);
  if (s.empty())
    return std::nullopt;
  return parse_time(s);
}

std::optional<int64_t> opt_int(const json& j, const char* key) {
  auto& v = field(j, key);
  if (!v.is_number_integer())
    return std::nullopt;
  return v.get<int64_t>();
}

std::vector<std::string> string_list(const json& j) {
  std::vector<std::string> out;
  if (j.is_array())
    for (auto& v : j)
      if (v.is_string())
        out.push_back(v.get<std::string>());
  return out;
}

std::vector<container_status> parse_container_statuses(const json& arr) {
  std::vector<container_status> out;
  if (!arr.is_array())
    return out;
  for (auto& c : arr) {
    container_status cs;
    cs.name = get_string(c, "name");
    cs.ready = get_bool(c, "ready");
    cs.restart_count = get_int(c, "restartCount");
    auto& state = field(c, "state");
    for (const char* s : {"terminated", "running", "waiting"}) {
      auto& st = field(state, s);
      if (st.is_object()) {
        cs.state = s;
        cs.reason = get_string(st, "reason");
        if (auto code = opt_int(st, "exitCode"))
          cs.exit_code = static_cast<int>(*code);
        break;
      }
    }
    out.push_back(std::move(cs));
  }
  return out;
}

std::vector<std::string> container_names(const json& arr) {
  std::vector<std::string> out;
  if (arr.is_array())
    for (auto& c : arr)
      out.push_back(get_string(c, "name"));
  return out;
}

} // namespace

std::vector<condition> parse_conditions(const json& status) {
  std::vector<condition> out;
  auto& arr = field(status, "conditions");
  if (!arr.is_array())
    return out;
  for (auto& c : arr) {
    condition cond;
    cond.type = get_string(c, "type");
    cond.status = get_string(c, "status");
    cond.reason = get_string(c, "reason");
    cond.message = get_string(c, "message");
    cond.last_transition_time = time_of(c, "lastTransitionTime");
    out.push_back(std::move(cond));
  }
  return out;
}

const condition* find_condition(const std::vector<condition>& cs, std::string_view type) {
  for (auto& c : cs)
    if (c.type == type)
      return &c;
  return nullptr;
}

bool job_view::is_complete() const {
  auto c = find_condition(conditions, "Complete");
  return c && c->status == "True";
}

bool job_view::is_failed() const {
  auto c = find_condition(conditions, "Failed");
  return c && c->status == "True";
}

job_view parse_job(const json& object) {
  job_view j;
  j.meta = parse_object_meta(object);
  auto& spec = field(object, "spec");
  j.active_deadline_seconds = opt_int(spec, "activeDeadlineSeconds");
  j.backoff_limit = opt_int(spec, "backoffLimit");
  auto& status = field(object, "status");
  j.active = get_int(status, "active");
  j.succeeded = get_int(status, "succeeded");
  j.failed = get_int(status, "failed");
  j.start_time = time_of(status, "startTime");
  j.completion_time = time_of(status, "completionTime");
  j.conditions = parse_conditions(status);
  return j;
}

pod_view parse_pod(const json& object) {
  pod_view p;
  p.meta = parse_object_meta(object);
  auto& spec = field(object, "spec");
  p.node_name = get_string(spec, "nodeName");
  p.container_names = container_names(field(spec, "containers"));
  p.init_container_names = container_names(field(spec, "initContainers"));
  auto& status = field(object, "status");
  p.phase = get_string(status, "phase");
  p.reason = get_string(status, "reason");
  p.message = get_string(status, "message");
  p.start_time = time_of(status, "startTime");
  p.container_statuses = parse_container_statuses(field(status, "containerStatuses"));
  p.init_container_statuses = parse_container_statuses(field(status, "initContainerStatuses"));
  return p;
}

std::string base64_encode(std::string_view in) {
  static constexpr char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = uint8_t(in[i]) << 16;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z')
      return c - 'A';
    if (c >= 'a' && c <= 'z')
      return c - 'a' + 26;
    if (c >= '0' && c <= '9')
      return c - '0' + 52;
    if (c == '+')
      return 62;
    if (c == '/')
      return 63;
    return -1;
  };
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  size_t padding = 0, symbols = 0;
  for (char c : in) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
      continue;
    if (c == '=') {
      ++padding;
      ++symbols;
      continue;
    }
    if (padding > 0)
      return std::nullopt; // data after padding
    int v = value(c);
    if (v < 0)
      return std::nullopt;
    ++symbols;
    buf = (buf << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  if (symbols % 4 != 0 || padding > 2)
    return std::nullopt;
  return out;
}

kelos::expected<secret_view> parse_secret(const json& object) {
  secret_view s;
  s.meta = parse_object_meta(object);
  s.type = get_string(object, "type", "Opaque");
  auto& data = field(object, "data");
  if (data.is_object()) {
    for (auto& [k, v] : data.items()) {
      if (!v.is_string())
        return make_error(errc::invalid_spec, "secret " + s.meta.name + ": data." + k
                                                + " is not a string");
      auto decoded = base64_decode(v.get<std::string>());
      if (!decoded)
        return make_error(errc::invalid_spec,
                          "secret " + s.meta.name + ": data." + k + " is not valid base64");
      s.data[k] = std::move(*decoded);
    }
  }
  auto& string_data = field(object, "stringData");
  if (string_data.is_object())
    for (auto& [k, v] : string_data.items())
      if (v.is_string())
        s.data[k] = v.get<std::string>();
  return s;
}

event_view parse_event(const json& object) {
  event_view e;
  e.meta = parse_object_meta(object);
  // core/v1 uses involvedObject; events.k8s.io/v1 uses regarding and note.
  auto& involved = object.contains("involvedObject") ? field(object, "involvedObject")
                                                     : field(object, "regarding");
  e.involved.kind = get_string(involved, "kind");
  e.involved.namespace_ = get_string(involved, "namespace");
  e.involved.name = get_string(involved, "name");
  e.reason = get_string(object, "reason");
  e.message = get_string(object, "message", get_string(object, "note"));
  e.type = get_string(object, "type");
  e.count = get_int(object, "count");
  return e;
}

lease_view parse_lease(const json& object) {
  lease_view l;
  l.meta = parse_object_meta(object);
  auto& spec = field(object, "spec");
  l.holder_identity = get_string(spec, "holderIdentity");
  l.lease_duration_seconds = get_int(spec, "leaseDurationSeconds");
  l.acquire_time = time_of(spec, "acquireTime");
  l.renew_time = time_of(spec, "renewTime");
  l.lease_transitions = get_int(spec, "leaseTransitions");
  return l;
}

json lease_spec_to_json(const lease_view& l) {
  json spec = json::object();
  if (!l.holder_identity.empty())
    spec["holderIdentity"] = l.holder_identity;
  if (l.lease_duration_seconds > 0)
    spec["leaseDurationSeconds"] = l.lease_duration_seconds;
  if (l.acquire_time)
    spec["acquireTime"] = format_micro_time(*l.acquire_time);
  if (l.renew_time)
    spec["renewTime"] = format_micro_time(*l.renew_time);
  spec["leaseTransitions"] = l.lease_transitions;
  return spec;
}

task_view parse_task(const json& object) {
  task_view t;
  t.meta = parse_object_meta(object);
  auto& spec = field(object, "spec");
  t.type = get_string(spec, "type");
  t.workspace = get_string(field(spec, "workspaceRef"), "name");
  t.agent_config = get_string(field(spec, "agentConfigRef"), "name");
  t.branch = get_string(spec, "branch");
  t.depends_on = string_list(field(spec, "dependsOn"));
  t.ttl_seconds_after_finished = opt_int(spec, "ttlSecondsAfterFinished");
  auto& status = field(object, "status");
  t.phase = get_string(status, "phase");
  t.job_name = get_string(status, "jobName");
  t.pod_name = get_string(status, "podName");
  if (auto& r = field(status, "results"); r.is_object())
    for (auto& [k, v] : r.items())
      if (v.is_string())
        t.results[k] = v.get<std::string>();
  return t;
}

workspace_view parse_workspace(const json& object) {
  workspace_view w;
  w.meta = parse_object_meta(object);
  auto& spec = field(object, "spec");
  w.repo = get_string(spec, "repo");
  w.ref = get_string(spec, "ref");
  w.secret = get_string(field(spec, "secretRef"), "name");
  return w;
}

agent_config_view parse_agent_config(const json& object) {
  agent_config_view a;
  a.meta = parse_object_meta(object);
  auto& spec = field(object, "spec");
  a.agents_md = get_string(spec, "agentsMD");
  if (auto& p = field(spec, "plugins"); p.is_array())
    a.plugin_count = p.size();
  if (auto& m = field(spec, "mcpServers"); m.is_array())
    a.mcp_server_count = m.size();
  return a;
}

task_spawner_view parse_task_spawner(const json& object) {
  task_spawner_view s;
  s.meta = parse_object_meta(object);
  auto& spec = field(object, "spec");
  auto& when = field(spec, "when");
  for (const char* kind : {"githubIssues", "githubPullRequests", "jira", "cron"}) {
    if (field(when, kind).is_object()) {
      s.source_kind = kind;
      break;
    }
  }
  s.suspend = get_bool(spec, "suspend");
  s.max_concurrency = get_int(spec, "maxConcurrency");
  s.max_total_tasks = get_int(spec, "maxTotalTasks");
  s.poll_interval = get_string(spec, "pollInterval", "5m");
  auto& status = field(object, "status");
  s.phase = get_string(status, "phase");
  s.total_tasks_created = get_int(status, "totalTasksCreated");
  s.active_tasks = get_int(status, "activeTasks");
  return s;
}

} // namespace kelos::k8s
