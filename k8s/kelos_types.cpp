#include "k8s/kelos_types.hpp"

#include <array>
#include <cmath>
#include <limits>
#include <set>
#include <type_traits>

namespace kelos::k8s {

namespace {

// -- paths ------------------------------------------------------------------------------

std::string field_path(const std::string& parent, std::string_view key) {
  if (parent.empty())
    return std::string{key};
  return parent + "." + std::string{key};
}

std::string index_path(const std::string& parent, size_t i) {
  return parent + "[" + std::to_string(i) + "]";
}

std::string key_path(const std::string& parent, const std::string& key) {
  return parent + "[" + key + "]";
}

// -- decoding ---------------------------------------------------------------------------

/// Reads typed fields out of JSON objects and keeps the first type error. After an error
/// every read is a no-op, so callers check `ok()` only where they must stop early.
class decoder {
public:
  bool ok() const { return !error_; }

  kelos::error take_error() && { return std::move(*error_); }

  void fail(const std::string& path, const std::string& what) {
    if (!error_)
      error_ = make_error(errc::invalid_spec, path + ": " + what);
  }

  /// Fails unless `matches`; the message names the wanted and the actual JSON type.
  bool want(bool matches, const json& v, const char* wanted, const std::string& path) {
    if (!matches && ok())
      fail(path, std::string("expected ") + wanted + ", got " + v.type_name());
    return matches && ok();
  }

  /// `obj[key]`, or nullptr when absent or null (absence is never an error).
  static const json* member(const json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
      return nullptr;
    return &*it;
  }

  const json* object(const json& obj, const char* key, const std::string& parent) {
    auto* v = member(obj, key);
    return v && want(v->is_object(), *v, "object", field_path(parent, key)) ? v : nullptr;
  }

  const json* array(const json& obj, const char* key, const std::string& parent) {
    auto* v = member(obj, key);
    return v && want(v->is_array(), *v, "array", field_path(parent, key)) ? v : nullptr;
  }

  void string(const json& obj, const char* key, const std::string& parent, std::string& out) {
    auto* v = member(obj, key);
    if (v && want(v->is_string(), *v, "string", field_path(parent, key)))
      out = v->get<std::string>();
  }

  void string(const json& obj, const char* key, const std::string& parent,
              std::optional<std::string>& out) {
    auto* v = member(obj, key);
    if (v && want(v->is_string(), *v, "string", field_path(parent, key)))
      out = v->get<std::string>();
  }

  void strings(const json& obj, const char* key, const std::string& parent,
               std::vector<std::string>& out) {
    auto* arr = array(obj, key, parent);
    if (!arr)
      return;
    auto path = field_path(parent, key);
    for (size_t i = 0; i < arr->size(); ++i) {
      auto& v = (*arr)[i];
      if (!want(v.is_string(), v, "string", index_path(path, i)))
        return;
      out.push_back(v.get<std::string>());
    }
  }

  void string_map(const json& obj, const char* key, const std::string& parent,
                  std::map<std::string, std::string>& out) {
    auto* m = object(obj, key, parent);
    if (!m)
      return;
    auto path = field_path(parent, key);
    for (auto& [k, v] : m->items()) {
      if (!want(v.is_string(), v, "string", key_path(path, k)))
        return;
      out.emplace(k, v.get<std::string>());
    }
  }

  /// A JSON object kept verbatim (fields the CRD schema preserves as unknown).
  void verbatim_object(const json& obj, const char* key, const std::string& parent, json& out) {
    if (auto* v = object(obj, key, parent))
      out = *v;
  }

  /// `{name: ...}` references: the name when the reference is present (empty when the
  /// name is missing, so validation can report it), nullopt when absent.
  std::optional<std::string> reference(const json& obj, const char* key,
                                       const std::string& parent) {
    auto* ref = object(obj, key, parent);
    if (!ref)
      return std::nullopt;
    std::string name;
    string(*ref, "name", field_path(parent, key), name);
    return name;
  }

  /// An integer of type `Int`: integral floats are accepted (YAML and JSON writers may
  /// produce `30.0`), fractional ones and values outside `Int` fail naming the field.
  template <class Int>
  void integer(const json& obj, const char* key, const std::string& parent,
               std::optional<Int>& out) {
    static_assert(std::is_signed_v<Int>);
    auto* v = member(obj, key);
    auto path = field_path(parent, key);
    if (!v || !want(v->is_number(), *v, "integer", path))
      return;
    constexpr auto lo = std::numeric_limits<Int>::min();
    constexpr auto hi = std::numeric_limits<Int>::max();
    const char* range = sizeof(Int) == 4 ? "int32" : "int64";
    auto out_of_range = [&] { fail(path, v->dump() + " is out of range for " + range); };
    if (v->is_number_unsigned()) {
      auto x = v->get<uint64_t>();
      if (x > static_cast<uint64_t>(hi))
        return out_of_range();
      out = static_cast<Int>(x);
    } else if (v->is_number_integer()) {
      auto x = v->get<int64_t>();
      if (x < lo || x > hi)
        return out_of_range();
      out = static_cast<Int>(x);
    } else {
      auto x = v->get<double>();
      if (!std::isfinite(x) || x != std::trunc(x))
        return fail(path, v->dump() + " is not an integer");
      // -lo is 2^31 or 2^63, exactly representable as a double, unlike hi.
      if (x < static_cast<double>(lo) || x >= -static_cast<double>(lo))
        return out_of_range();
      out = static_cast<Int>(x);
    }
  }

  /// Every element of `obj[key]` must be an object; `decode_item(item, path, out)` fills one.
  template <class T, class F>
  void list(const json& obj, const char* key, const std::string& parent, std::vector<T>& out,
            F decode_item) {
    auto* arr = array(obj, key, parent);
    if (!arr)
      return;
    auto path = field_path(parent, key);
    for (size_t i = 0; i < arr->size() && ok(); ++i) {
      auto& item = (*arr)[i];
      auto item_path = index_path(path, i);
      if (!want(item.is_object(), item, "object", item_path))
        return;
      T value;
      decode_item(item, item_path, value);
      out.push_back(std::move(value));
    }
  }

  void time(const json& obj, const char* key, const std::string& parent,
            std::optional<time_point>& out) {
    std::optional<std::string> text;
    string(obj, key, parent, text);
    if (!text)
      return;
    out = parse_time(*text);
    if (!out)
      fail(field_path(parent, key), "expected an RFC 3339 time, got \"" + *text + "\"");
  }

  /// The top level: an object whose `apiVersion` and `kind`, when present, are ours and
  /// `kind`, and whose `metadata`, when present, is an object.
  bool check_object(const json& object, std::string_view kind) {
    if (!object.is_object()) {
      fail(std::string{kind}, std::string("expected object, got ") + object.type_name());
      return false;
    }
    expect_value(object, "apiVersion", kelos_api_version);
    expect_value(object, "kind", kind);
    this->object(object, "metadata", "");
    return ok();
  }

private:
  void expect_value(const json& object, const char* key, std::string_view wanted) {
    std::optional<std::string> value;
    string(object, key, "", value);
    if (value && *value != wanted)
      fail(key, "expected " + std::string{wanted} + ", got " + *value);
  }

  std::optional<kelos::error> error_;
};

void decode_env_var(decoder& d, const json& j, const std::string& path, env_var& e) {
  d.string(j, "name", path, e.name);
  d.string(j, "value", path, e.value);
  d.verbatim_object(j, "valueFrom", path, e.value_from);
}

void decode_overrides(decoder& d, const json& j, const std::string& path, pod_overrides& o) {
  d.verbatim_object(j, "resources", path, o.resources);
  d.integer(j, "activeDeadlineSeconds", path, o.active_deadline_seconds);
  d.list(j, "env", path, o.env,
         [&](auto& item, auto& p, env_var& e) { decode_env_var(d, item, p, e); });
  d.string_map(j, "nodeSelector", path, o.node_selector);
}

void decode_task_spec(decoder& d, const json& j, const std::string& path, task_spec& s) {
  d.string(j, "type", path, s.type);
  d.string(j, "prompt", path, s.prompt);
  if (auto* c = d.object(j, "credentials", path)) {
    auto cpath = field_path(path, "credentials");
    d.string(*c, "type", cpath, s.credentials.type);
    s.credentials.secret_name = d.reference(*c, "secretRef", cpath).value_or("");
  }
  d.string(j, "model", path, s.model);
  d.string(j, "image", path, s.image);
  s.workspace_ref = d.reference(j, "workspaceRef", path);
  s.agent_config_ref = d.reference(j, "agentConfigRef", path);
  d.strings(j, "dependsOn", path, s.depends_on);
  d.string(j, "branch", path, s.branch);
  d.integer(j, "ttlSecondsAfterFinished", path, s.ttl_seconds_after_finished);
  if (auto* o = d.object(j, "podOverrides", path))
    decode_overrides(d, *o, field_path(path, "podOverrides"), s.overrides.emplace());
}

void decode_task_status(decoder& d, const json& j, const std::string& path, task_status& s) {
  d.string(j, "phase", path, s.phase);
  d.string(j, "jobName", path, s.job_name);
  d.string(j, "podName", path, s.pod_name);
  d.time(j, "startTime", path, s.start_time);
  d.time(j, "completionTime", path, s.completion_time);
  d.string(j, "message", path, s.message);
  d.strings(j, "outputs", path, s.outputs);
  d.string_map(j, "results", path, s.results);
}

void decode_workspace_spec(decoder& d, const json& j, const std::string& path,
                           workspace_spec& s) {
  d.string(j, "repo", path, s.repo);
  d.string(j, "ref", path, s.ref);
  s.secret_name = d.reference(j, "secretRef", path).value_or("");
  d.list(j, "remotes", path, s.remotes, [&](auto& item, auto& p, git_remote& r) {
    d.string(item, "name", p, r.name);
    d.string(item, "url", p, r.url);
  });
  d.list(j, "files", path, s.files, [&](auto& item, auto& p, workspace_file& f) {
    d.string(item, "path", p, f.path);
    d.string(item, "content", p, f.content);
  });
}

void decode_named_contents(decoder& d, const json& j, const char* key, const std::string& path,
                           std::vector<named_content>& out) {
  d.list(j, key, path, out, [&](auto& item, auto& p, named_content& n) {
    d.string(item, "name", p, n.name);
    d.string(item, "content", p, n.content);
  });
}

void decode_mcp_server(decoder& d, const json& j, const std::string& path, mcp_server_spec& m) {
  d.string(j, "name", path, m.name);
  d.string(j, "type", path, m.type);
  d.string(j, "command", path, m.command);
  d.strings(j, "args", path, m.args);
  d.string(j, "url", path, m.url);
  d.string_map(j, "headers", path, m.headers);
  d.string_map(j, "env", path, m.env);
}

void decode_agent_config_spec(decoder& d, const json& j, const std::string& path,
                              agent_config_spec& s) {
  d.string(j, "agentsMD", path, s.agents_md);
  d.list(j, "plugins", path, s.plugins, [&](auto& item, auto& p, plugin_spec& plugin) {
    d.string(item, "name", p, plugin.name);
    decode_named_contents(d, item, "skills", p, plugin.skills);
    decode_named_contents(d, item, "agents", p, plugin.agents);
  });
  d.list(j, "mcpServers", path, s.mcp_servers,
         [&](auto& item, auto& p, mcp_server_spec& m) { decode_mcp_server(d, item, p, m); });
}

/// Decodes `{apiVersion, kind, metadata, spec}`; `decode_rest(d, object, out)` reads
/// anything beyond spec.
template <class Object, class DecodeSpec, class DecodeRest>
kelos::expected<Object> decode_object(const json& object, std::string_view kind,
                                      DecodeSpec decode_spec, DecodeRest decode_rest) {
  decoder d;
  Object out;
  if (d.check_object(object, kind)) {
    out.meta = parse_object_meta(object);
    if (auto* spec = d.object(object, "spec", ""))
      decode_spec(d, *spec, "spec", out.spec);
    decode_rest(d, object, out);
  }
  if (!d.ok())
    return std::move(d).take_error();
  return out;
}

// -- encoding ---------------------------------------------------------------------------

void put(json& j, const char* key, const std::string& v) {
  if (!v.empty())
    j[key] = v;
}

void put(json& j, const char* key, const std::vector<std::string>& v) {
  if (!v.empty())
    j[key] = v;
}

void put(json& j, const char* key, const std::map<std::string, std::string>& v) {
  if (!v.empty())
    j[key] = v;
}

void put(json& j, const char* key, const std::optional<time_point>& t) {
  if (t)
    j[key] = format_time(*t);
}

json reference(const std::string& name) {
  return json{{"name", name}};
}

template <class T, class F>
void put_list(json& j, const char* key, const std::vector<T>& items, F encode_item) {
  if (items.empty())
    return;
  json arr = json::array();
  for (auto& item : items)
    arr.push_back(encode_item(item));
  j[key] = std::move(arr);
}

json encode_named_content(const named_content& n) {
  return json{{"name", n.name}, {"content", n.content}};
}

json encode_mcp_server(const mcp_server_spec& m) {
  json j = {{"name", m.name}, {"type", m.type}};
  put(j, "command", m.command);
  put(j, "args", m.args);
  put(j, "url", m.url);
  put(j, "headers", m.headers);
  put(j, "env", m.env);
  return j;
}

json envelope(std::string_view kind, const object_meta& meta, json spec) {
  return json{{"apiVersion", std::string{kelos_api_version}},
              {"kind", std::string{kind}},
              {"metadata", to_json(meta)},
              {"spec", std::move(spec)}};
}

// -- validation -------------------------------------------------------------------------

constexpr std::string_view required = "Required value";

class problems {
public:
  void add(const std::string& path, std::string_view what) {
    out_.push_back(path + ": " + std::string{what});
  }

  /// `value` must be non-empty and one of `allowed`.
  template <size_t N>
  void one_of(const std::string& path, const std::string& value,
              const std::array<std::string_view, N>& allowed) {
    if (value.empty())
      return add(path, required);
    for (auto a : allowed)
      if (value == a)
        return;
    std::string list;
    for (auto a : allowed)
      list += (list.empty() ? "\"" : ", \"") + std::string{a} + "\"";
    add(path, "Unsupported value: \"" + value + "\": supported values: " + list);
  }

  void not_empty(const std::string& path, const std::string& value) {
    if (value.empty())
      add(path, required);
  }

  void at_least(const std::string& path, int64_t value, int64_t minimum) {
    if (value < minimum)
      add(path, "Invalid value: " + std::to_string(value) + ": must be greater than or equal to "
                    + std::to_string(minimum));
  }

  /// `^(https?://|git://|git@|file://).*`: a prefix check (no std::regex, see
  /// docs/development.md).
  void git_url(const std::string& path, const std::string& url) {
    if (url.empty())
      return add(path, required);
    for (std::string_view prefix : {"http://", "https://", "git://", "git@", "file://"})
      if (url.starts_with(prefix))
        return;
    add(path, "Invalid value: \"" + url + "\": should match '^(https?://|git://|git@|file://).*'");
  }

  std::vector<std::string> take() && { return std::move(out_); }

private:
  std::vector<std::string> out_;
};

constexpr std::array<std::string_view, 5> agent_types = {"claude-code", "codex", "gemini",
                                                         "opencode", "cursor"};
constexpr std::array<std::string_view, 2> credential_types = {"api-key", "oauth"};
constexpr std::array<std::string_view, 3> mcp_types = {"stdio", "http", "sse"};
constexpr size_t max_remotes = 32;
constexpr size_t max_remote_name = 63;

void validate_overrides(problems& p, const pod_overrides& o, const std::string& path) {
  if (o.active_deadline_seconds)
    p.at_least(field_path(path, "activeDeadlineSeconds"), *o.active_deadline_seconds, 1);
  for (size_t i = 0; i < o.env.size(); ++i)
    p.not_empty(field_path(index_path(field_path(path, "env"), i), "name"), o.env[i].name);
}

void validate_named_contents(problems& p, const std::vector<named_content>& items,
                             const std::string& path) {
  for (size_t i = 0; i < items.size(); ++i)
    p.not_empty(field_path(index_path(path, i), "name"), items[i].name);
}

} // namespace

// -- public -------------------------------------------------------------------------------

kelos::expected<task> decode_task(const json& object) {
  return decode_object<task>(object, "Task", decode_task_spec,
                             [](decoder& d, const json& j, task& t) {
                               if (auto* status = d.object(j, "status", ""))
                                 decode_task_status(d, *status, "status", t.status);
                             });
}

kelos::expected<workspace> decode_workspace(const json& object) {
  return decode_object<workspace>(object, "Workspace", decode_workspace_spec,
                                  [](decoder&, const json&, workspace&) {});
}

kelos::expected<agent_config> decode_agent_config(const json& object) {
  return decode_object<agent_config>(object, "AgentConfig", decode_agent_config_spec,
                                     [](decoder&, const json&, agent_config&) {});
}

kelos::expected<pod_overrides> decode_pod_overrides(const json& j, std::string_view path) {
  decoder d;
  pod_overrides out;
  std::string p{path};
  if (!j.is_null() && d.want(j.is_object(), j, "object", p))
    decode_overrides(d, j, p, out);
  if (!d.ok())
    return std::move(d).take_error();
  return out;
}

json encode(const pod_overrides& o) {
  json j = json::object();
  if (!o.resources.is_null())
    j["resources"] = o.resources;
  if (o.active_deadline_seconds)
    j["activeDeadlineSeconds"] = *o.active_deadline_seconds;
  put_list(j, "env", o.env, [](const env_var& e) {
    json v = {{"name", e.name}};
    if (e.value)
      v["value"] = *e.value;
    if (!e.value_from.is_null())
      v["valueFrom"] = e.value_from;
    return v;
  });
  put(j, "nodeSelector", o.node_selector);
  return j;
}

json encode_spec(const task_spec& s) {
  json j = {{"type", s.type},
            {"prompt", s.prompt},
            {"credentials",
             {{"type", s.credentials.type}, {"secretRef", reference(s.credentials.secret_name)}}}};
  put(j, "model", s.model);
  put(j, "image", s.image);
  if (s.workspace_ref)
    j["workspaceRef"] = reference(*s.workspace_ref);
  if (s.agent_config_ref)
    j["agentConfigRef"] = reference(*s.agent_config_ref);
  put(j, "dependsOn", s.depends_on);
  put(j, "branch", s.branch);
  if (s.ttl_seconds_after_finished)
    j["ttlSecondsAfterFinished"] = *s.ttl_seconds_after_finished;
  if (s.overrides)
    j["podOverrides"] = encode(*s.overrides);
  return j;
}

json encode_status(const task_status& s) {
  json j = json::object();
  put(j, "phase", s.phase);
  put(j, "jobName", s.job_name);
  put(j, "podName", s.pod_name);
  put(j, "startTime", s.start_time);
  put(j, "completionTime", s.completion_time);
  put(j, "message", s.message);
  put(j, "outputs", s.outputs);
  put(j, "results", s.results);
  return j;
}

json encode(const task& t) {
  json j = envelope("Task", t.meta, encode_spec(t.spec));
  if (t.status != task_status{})
    j["status"] = encode_status(t.status);
  return j;
}

json encode(const workspace& w) {
  const auto& s = w.spec;
  json spec = {{"repo", s.repo}};
  put(spec, "ref", s.ref);
  if (!s.secret_name.empty())
    spec["secretRef"] = reference(s.secret_name);
  put_list(spec, "remotes", s.remotes,
           [](const git_remote& r) { return json{{"name", r.name}, {"url", r.url}}; });
  put_list(spec, "files", s.files,
           [](const workspace_file& f) { return json{{"path", f.path}, {"content", f.content}}; });
  return envelope("Workspace", w.meta, std::move(spec));
}

json encode(const agent_config& a) {
  const auto& s = a.spec;
  json spec = json::object();
  put(spec, "agentsMD", s.agents_md);
  put_list(spec, "plugins", s.plugins, [](const plugin_spec& p) {
    json j = {{"name", p.name}};
    put_list(j, "skills", p.skills, encode_named_content);
    put_list(j, "agents", p.agents, encode_named_content);
    return j;
  });
  put_list(spec, "mcpServers", s.mcp_servers, encode_mcp_server);
  return envelope("AgentConfig", a.meta, std::move(spec));
}

std::vector<std::string> validate(const pod_overrides& o, std::string_view path) {
  problems p;
  validate_overrides(p, o, std::string{path});
  return std::move(p).take();
}

std::vector<std::string> validate(const task_spec& s) {
  problems p;
  p.one_of("spec.type", s.type, agent_types);
  p.not_empty("spec.prompt", s.prompt);
  p.one_of("spec.credentials.type", s.credentials.type, credential_types);
  p.not_empty("spec.credentials.secretRef.name", s.credentials.secret_name);
  if (s.workspace_ref)
    p.not_empty("spec.workspaceRef.name", *s.workspace_ref);
  if (s.agent_config_ref)
    p.not_empty("spec.agentConfigRef.name", *s.agent_config_ref);
  if (s.ttl_seconds_after_finished)
    p.at_least("spec.ttlSecondsAfterFinished", *s.ttl_seconds_after_finished, 0);
  if (s.overrides)
    validate_overrides(p, *s.overrides, "spec.podOverrides");
  return std::move(p).take();
}

std::vector<std::string> validate(const workspace_spec& s) {
  problems p;
  p.git_url("spec.repo", s.repo);
  if (s.remotes.size() > max_remotes)
    p.add("spec.remotes", "Too many: " + std::to_string(s.remotes.size())
                              + ": must have at most " + std::to_string(max_remotes) + " items");
  std::set<std::string> seen;
  for (size_t i = 0; i < s.remotes.size(); ++i) {
    auto& r = s.remotes[i];
    auto path = index_path("spec.remotes", i);
    auto name_path = field_path(path, "name");
    if (r.name.empty())
      p.add(name_path, required);
    else if (r.name.size() > max_remote_name)
      p.add(name_path,
            "Too long: may not be more than " + std::to_string(max_remote_name) + " bytes");
    else if (r.name == "origin")
      p.add(name_path, "Invalid value: \"origin\": remote name 'origin' is reserved for the "
                       "clone source");
    else if (!seen.insert(r.name).second)
      p.add(name_path, "Duplicate value: \"" + r.name + "\": remote names must be unique");
    p.git_url(field_path(path, "url"), r.url);
  }
  for (size_t i = 0; i < s.files.size(); ++i)
    p.not_empty(field_path(index_path("spec.files", i), "path"), s.files[i].path);
  return std::move(p).take();
}

std::vector<std::string> validate(const agent_config_spec& s) {
  problems p;
  for (size_t i = 0; i < s.plugins.size(); ++i) {
    auto path = index_path("spec.plugins", i);
    p.not_empty(field_path(path, "name"), s.plugins[i].name);
    validate_named_contents(p, s.plugins[i].skills, field_path(path, "skills"));
    validate_named_contents(p, s.plugins[i].agents, field_path(path, "agents"));
  }
  for (size_t i = 0; i < s.mcp_servers.size(); ++i) {
    auto& m = s.mcp_servers[i];
    auto path = index_path("spec.mcpServers", i);
    p.not_empty(field_path(path, "name"), m.name);
    p.one_of(field_path(path, "type"), m.type, mcp_types);
    if (m.type == "stdio" && m.command.empty())
      p.add(field_path(path, "command"),
            "Required value: command is required for stdio MCP servers");
    if ((m.type == "http" || m.type == "sse") && m.url.empty())
      p.add(field_path(path, "url"),
            "Required value: url is required for http and sse MCP servers");
  }
  return std::move(p).take();
}

} // namespace kelos::k8s
