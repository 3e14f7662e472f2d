#include "cli/cli_output.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace kelos::cli {
namespace {

std::string str_at(const json& obj, std::initializer_list<const char*> path) {
  const json* cur = &obj;
  for (const char* key : path) {
    if (!cur->is_object())
      return {};
    auto it = cur->find(key);
    if (it == cur->end())
      return {};
    cur = &*it;
  }
  if (cur->is_string())
    return cur->get<std::string>();
  if (cur->is_number() || cur->is_boolean())
    return cur->dump();
  return {};
}

const json& at(const json& obj, std::initializer_list<const char*> path) {
  static const json null_value;
  const json* cur = &obj;
  for (const char* key : path) {
    if (!cur->is_object())
      return null_value;
    auto it = cur->find(key);
    if (it == cur->end())
      return null_value;
    cur = &*it;
  }
  return *cur;
}

std::string or_dash(std::string s) {
  return s.empty() ? "-" : s;
}

std::string age(const json& obj, k8s::time_point now) {
  auto created = k8s::parse_time(str_at(obj, {"metadata", "creationTimestamp"}));
  if (!created)
    return "<unknown>";
  return human_duration(std::chrono::duration_cast<std::chrono::seconds>(now - *created));
}

std::string task_duration(const json& task, k8s::time_point now) {
  auto start = k8s::parse_time(str_at(task, {"status", "startTime"}));
  if (!start)
    return "-";
  auto end = k8s::parse_time(str_at(task, {"status", "completionTime"})).value_or(now);
  return human_duration(std::chrono::duration_cast<std::chrono::seconds>(end - *start));
}

std::string join(const json& arr, const char* sep = ", ") {
  std::string out;
  if (!arr.is_array())
    return out;
  for (const auto& v : arr) {
    if (!out.empty())
      out += sep;
    out += v.is_string() ? v.get<std::string>() : v.dump();
  }
  return out;
}

std::size_t count(const json& arr) {
  return arr.is_array() ? arr.size() : 0;
}

struct detail_writer {
  std::string text;
  void line(const std::string& label, const std::string& value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%-20s", label.empty() ? "" : (label + ":").c_str());
    text += buf;
    text += value;
    text += '\n';
  }
  void opt(const std::string& label, const std::string& value) {
    if (!value.empty())
      line(label, value);
  }
};

bool needs_quotes(const std::string& s) {
  if (s.empty())
    return true;
  std::string lower;
  for (char c : s)
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const char* words[] = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".inf", "-.inf",
                                ".nan", "<<"};
  for (const char* w : words)
    if (lower == w)
      return true;
  // Anything a YAML 1.1 resolver could read as a number.
  bool numeric = true;
  for (char c : s)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' || c == 'e' ||
          c == 'E' || c == '_' || c == ':' || c == 'x' || c == 'o'))
      numeric = false;
  if (numeric && std::any_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return true;
  if (std::string_view{"-?:,[]{}#&*!|>'\"%@` \t"}.find(s.front()) != std::string_view::npos)
    return true;
  if (s.back() == ' ' || s.back() == ':' || s.back() == '\t')
    return true;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos)
    return true;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f)
      return true;
  return false;
}

std::string quote(const std::string& s) {
  return json(s).dump();
}

std::string scalar(const json& v) {
  if (v.is_null())
    return "null";
  if (v.is_string()) {
    auto s = v.get<std::string>();
    return needs_quotes(s) ? quote(s) : s;
  }
  return v.dump();
}

/// A multi-line string YAML can carry as a literal block (`|` or `|-`).
bool block_friendly(const std::string& s) {
  if (s.find('\n') == std::string::npos || s.front() == ' ' || s.front() == '\t' || s.front() == '\n')
    return false;
  if (s.size() >= 2 && s.ends_with("\n\n"))
    return false;
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n') || c == 0x7f)
      return false;
  // Trailing spaces on a line survive a block, but go-yaml avoids them; keep it simple.
  return s.find(" \n") == std::string::npos;
}

void emit(const json& v, int indent, std::string& out);

/// Writes the value after "key:" or "- " (the cursor is right after the colon/dash).
void emit_after(const json& v, int indent, std::string& out, bool in_sequence) {
  if (v.is_object() && !v.empty()) {
    if (in_sequence) {
      std::string nested;
      emit(v, indent + 2, nested);
      out += " " + nested.substr(static_cast<std::size_t>(indent + 2));
    } else {
      out += "\n";
      emit(v, indent + 2, out);
    }
  } else if (v.is_array() && !v.empty()) {
    if (in_sequence) {
      std::string nested;
      emit(v, indent + 2, nested);
      out += " " + nested.substr(static_cast<std::size_t>(indent + 2));
    } else {
      out += "\n";
      emit(v, indent, out);
    }
  } else if (v.is_object()) {
    out += " {}\n";
  } else if (v.is_array()) {
    out += " []\n";
  } else if (v.is_string() && block_friendly(v.get<std::string>())) {
    auto s = v.get<std::string>();
    bool keep = s.back() == '\n';
    out += keep ? " |\n" : " |-\n";
    if (keep)
      s.pop_back();
    std::size_t pos = 0;
    while (true) {
      auto nl = s.find('\n', pos);
      auto piece = s.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      if (!piece.empty())
        out += std::string(static_cast<std::size_t>(indent + 2), ' ') + piece;
      out += "\n";
      if (nl == std::string::npos)
        break;
      pos = nl + 1;
    }
  } else {
    out += " " + scalar(v) + "\n";
  }
}

void emit(const json& v, int indent, std::string& out) {
  std::string pad(static_cast<std::size_t>(indent), ' ');
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      out += pad + (needs_quotes(it.key()) ? quote(it.key()) : it.key()) + ":";
      emit_after(it.value(), indent, out, false);
    }
  } else if (v.is_array()) {
    for (const auto& item : v) {
      out += pad + "-";
      emit_after(item, indent, out, true);
    }
  } else {
    out += pad + scalar(v) + "\n";
  }
}

} // namespace

const std::vector<kind_info>& all_kinds() {
  static const std::vector<kind_info> kinds{
    {kind::task, "task", "tasks", {"task", "tasks"}, "Task"},
    {kind::taskspawner, "taskspawner", "taskspawners", {"taskspawner", "taskspawners", "ts"}, "TaskSpawner"},
    {kind::workspace, "workspace", "workspaces", {"workspace", "workspaces", "ws"}, "Workspace"},
    {kind::agentconfig, "agentconfig", "agentconfigs", {"agentconfig", "agentconfigs", "ac"}, "AgentConfig"},
  };
  return kinds;
}

const kind_info* find_kind(std::string_view word) {
  for (const auto& k : all_kinds())
    for (const auto& a : k.aliases)
      if (a == word)
        return &k;
  return nullptr;
}

std::string format_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i)
        widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(widths[i] - row[i].size() + 3, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string human_duration(std::chrono::seconds d) {
  auto seconds = d.count();
  char buf[64];
  if (seconds < -1)
    return "<invalid>";
  if (seconds < 0)
    return "0s";
  if (seconds < 60 * 2) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(seconds));
    return buf;
  }
  long long minutes = seconds / 60;
  if (minutes < 10) {
    long long s = seconds % 60;
    if (s == 0)
      std::snprintf(buf, sizeof buf, "%lldm", minutes);
    else
      std::snprintf(buf, sizeof buf, "%lldm%llds", minutes, s);
    return buf;
  }
  if (minutes < 60 * 3) {
    std::snprintf(buf, sizeof buf, "%lldm", minutes);
    return buf;
  }
  long long hours = seconds / 3600;
  if (hours < 8) {
    long long m = minutes % 60;
    if (m == 0)
      std::snprintf(buf, sizeof buf, "%lldh", hours);
    else
      std::snprintf(buf, sizeof buf, "%lldh%lldm", hours, m);
  } else if (hours < 48) {
    std::snprintf(buf, sizeof buf, "%lldh", hours);
  } else if (hours < 24 * 8) {
    long long h = hours % 24;
    if (h == 0)
      std::snprintf(buf, sizeof buf, "%lldd", hours / 24);
    else
      std::snprintf(buf, sizeof buf, "%lldd%lldh", hours / 24, h);
  } else if (hours < 24 * 365 * 2) {
    std::snprintf(buf, sizeof buf, "%lldd", hours / 24);
  } else if (hours < 24 * 365 * 8) {
    long long dy = (hours / 24) % 365;
    if (dy == 0)
      std::snprintf(buf, sizeof buf, "%lldy", hours / 24 / 365);
    else
      std::snprintf(buf, sizeof buf, "%lldy%lldd", hours / 24 / 365, dy);
  } else {
    std::snprintf(buf, sizeof buf, "%lldy", hours / 24 / 365);
  }
  return buf;
}

std::string source_summary(const json& spawner) {
  const auto& when = at(spawner, {"spec", "when"});
  if (!when.is_object() || when.empty())
    return "-";
  std::string workspace = str_at(spawner, {"spec", "taskTemplate", "workspaceRef", "name"});
  auto github = [&](const json& src, std::string label) {
    std::string target = str_at(src, {"repo"});
    if (target.empty())
      target = workspace;
    return target.empty() ? label : label + ": " + target;
  };
  if (when.contains("githubIssues")) {
    const auto& src = when["githubIssues"];
    const auto& types = at(src, {"types"});
    bool issues = !types.is_array() || types.empty(), pulls = false;
    if (types.is_array())
      for (const auto& t : types) {
        issues = issues || t == "issues";
        pulls = pulls || t == "pulls";
      }
    return github(src, issues && pulls ? "GitHub Issues+PRs" : pulls ? "GitHub PRs" : "GitHub Issues");
  }
  if (when.contains("githubPullRequests"))
    return github(when["githubPullRequests"], "GitHub PRs");
  if (when.contains("jira")) {
    auto project = str_at(when["jira"], {"project"});
    return project.empty() ? "Jira" : "Jira: " + project;
  }
  if (when.contains("cron"))
    return "cron: " + str_at(when["cron"], {"schedule"});
  // A source this CLI does not know yet still gets its name rather than an empty cell.
  return when.begin().key();
}

std::vector<std::vector<std::string>> table_rows(kind k, const std::vector<json>& items, k8s::time_point now,
                                                 bool with_namespace, bool header) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head;
  switch (k) {
  case kind::task:
    head = {"NAME", "TYPE", "PHASE", "BRANCH", "WORKSPACE", "AGENT CONFIG", "DURATION", "AGE"};
    break;
  case kind::taskspawner:
    head = {"NAME", "SOURCE", "PHASE", "DISCOVERED", "TASKS", "AGE"};
    break;
  case kind::workspace:
    head = {"NAME", "REPO", "REF", "AGE"};
    break;
  case kind::agentconfig:
    head = {"NAME", "PLUGINS", "MCP SERVERS", "AGE"};
    break;
  }
  if (with_namespace)
    head.insert(head.begin(), "NAMESPACE");
  if (header)
    rows.push_back(head);
  for (const auto& o : items) {
    std::vector<std::string> row;
    if (with_namespace)
      row.push_back(str_at(o, {"metadata", "namespace"}));
    row.push_back(str_at(o, {"metadata", "name"}));
    switch (k) {
    case kind::task:
      row.push_back(or_dash(str_at(o, {"spec", "type"})));
      row.push_back(or_dash(str_at(o, {"status", "phase"})));
      row.push_back(or_dash(str_at(o, {"spec", "branch"})));
      row.push_back(or_dash(str_at(o, {"spec", "workspaceRef", "name"})));
      row.push_back(or_dash(str_at(o, {"spec", "agentConfigRef", "name"})));
      row.push_back(task_duration(o, now));
      break;
    case kind::taskspawner:
      row.push_back(source_summary(o));
      row.push_back(or_dash(str_at(o, {"status", "phase"})));
      row.push_back(std::to_string(at(o, {"status", "totalDiscovered"}).is_number()
                                     ? at(o, {"status", "totalDiscovered"}).get<int64_t>() : 0));
      row.push_back(std::to_string(at(o, {"status", "totalTasksCreated"}).is_number()
                                     ? at(o, {"status", "totalTasksCreated"}).get<int64_t>() : 0));
      break;
    case kind::workspace:
      row.push_back(or_dash(str_at(o, {"spec", "repo"})));
      row.push_back(or_dash(str_at(o, {"spec", "ref"})));
      break;
    case kind::agentconfig:
      row.push_back(std::to_string(count(at(o, {"spec", "plugins"}))));
      row.push_back(std::to_string(count(at(o, {"spec", "mcpServers"}))));
      break;
    }
    row.push_back(age(o, now));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::string> waiting_reasons(const json& task, const std::vector<json>& tasks) {
  std::vector<std::string> reasons;
  auto phase = str_at(task, {"status", "phase"});
  if (phase == "Running" || phase == "Succeeded" || phase == "Failed")
    return reasons;
  auto find = [&](const std::string& name) -> const json* {
    for (const auto& t : tasks)
      if (str_at(t, {"metadata", "name"}) == name)
        return &t;
    return nullptr;
  };
  const auto& deps = at(task, {"spec", "dependsOn"});
  if (deps.is_array())
    for (const auto& d : deps) {
      if (!d.is_string())
        continue;
      auto name = d.get<std::string>();
      const json* dep = find(name);
      if (!dep) {
        reasons.push_back("dependency \"" + name + "\" does not exist");
        continue;
      }
      auto dep_phase = str_at(*dep, {"status", "phase"});
      if (dep_phase != "Succeeded")
        reasons.push_back("dependency \"" + name + "\" is " + (dep_phase.empty() ? "not started" : dep_phase));
    }
  auto branch = str_at(task, {"spec", "branch"});
  if (!branch.empty()) {
    auto workspace = str_at(task, {"spec", "workspaceRef", "name"});
    auto self = str_at(task, {"metadata", "name"});
    for (const auto& t : tasks) {
      auto other = str_at(t, {"metadata", "name"});
      auto other_phase = str_at(t, {"status", "phase"});
      if (other == self || str_at(t, {"spec", "branch"}) != branch ||
          str_at(t, {"spec", "workspaceRef", "name"}) != workspace)
        continue;
      if (other_phase == "Running" || (other_phase == "Pending" && !str_at(t, {"status", "jobName"}).empty()))
        reasons.push_back("branch \"" + branch + "\" is held by task \"" + other + "\" (" + other_phase + ")");
    }
  }
  return reasons;
}

std::string detail_view(kind k, const json& o, k8s::time_point now, const std::vector<json>& tasks) {
  detail_writer w;
  w.line("Name", str_at(o, {"metadata", "name"}));
  w.line("Namespace", str_at(o, {"metadata", "namespace"}));
  switch (k) {
  case kind::task: {
    w.line("Type", str_at(o, {"spec", "type"}));
    w.line("Phase", str_at(o, {"status", "phase"}));
    w.line("Prompt", str_at(o, {"spec", "prompt"}));
    w.line("Secret", str_at(o, {"spec", "credentials", "secretRef", "name"}));
    w.line("Credential Type", str_at(o, {"spec", "credentials", "type"}));
    w.opt("Model", str_at(o, {"spec", "model"}));
    w.opt("Image", str_at(o, {"spec", "image"}));
    w.opt("Branch", str_at(o, {"spec", "branch"}));
    w.opt("Depends On", join(at(o, {"spec", "dependsOn"})));
    w.opt("Workspace", str_at(o, {"spec", "workspaceRef", "name"}));
    w.opt("Agent Config", str_at(o, {"spec", "agentConfigRef", "name"}));
    if (auto ttl = str_at(o, {"spec", "ttlSecondsAfterFinished"}); !ttl.empty())
      w.line("TTL", ttl + "s");
    if (auto t = str_at(o, {"spec", "podOverrides", "activeDeadlineSeconds"}); !t.empty())
      w.line("Timeout", t + "s");
    w.opt("Job", str_at(o, {"status", "jobName"}));
    w.opt("Pod", str_at(o, {"status", "podName"}));
    w.opt("Start Time", str_at(o, {"status", "startTime"}));
    w.opt("Completion Time", str_at(o, {"status", "completionTime"}));
    if (auto d = task_duration(o, now); d != "-")
      w.line("Duration", d);
    w.opt("Message", str_at(o, {"status", "message"}));
    auto reasons = waiting_reasons(o, tasks);
    for (std::size_t i = 0; i < reasons.size(); ++i)
      w.line(i == 0 ? "Waiting For" : "", reasons[i]);
    const auto& outputs = at(o, {"status", "outputs"});
    if (outputs.is_array() && !outputs.empty()) {
      w.text += "Outputs:\n";
      for (const auto& line : outputs)
        w.text += "  " + (line.is_string() ? line.get<std::string>() : line.dump()) + "\n";
    }
    const auto& results = at(o, {"status", "results"});
    if (results.is_object() && !results.empty()) {
      w.text += "Results:\n";
      for (auto it = results.begin(); it != results.end(); ++it)
        w.text += "  " + it.key() + "=" + (it->is_string() ? it->get<std::string>() : it->dump()) + "\n";
    }
    break;
  }
  case kind::taskspawner: {
    w.line("Phase", str_at(o, {"status", "phase"}));
    if (at(o, {"spec", "suspend"}) == true)
      w.line("Suspended", "true");
    w.opt("Workspace", str_at(o, {"spec", "taskTemplate", "workspaceRef", "name"}));
    w.line("Source", source_summary(o));
    const auto& when = at(o, {"spec", "when"});
    if (when.contains("githubIssues")) {
      const auto& g = when["githubIssues"];
      w.opt("  Types", join(at(g, {"types"})));
      w.opt("  State", str_at(g, {"state"}));
      w.opt("  Labels", join(at(g, {"labels"})));
    } else if (when.contains("jira")) {
      w.opt("  Base URL", str_at(when["jira"], {"baseUrl"}));
      w.opt("  JQL", str_at(when["jira"], {"jql"}));
    } else if (when.contains("cron")) {
      w.opt("  Schedule", str_at(when["cron"], {"schedule"}));
    }
    w.opt("Task Type", str_at(o, {"spec", "taskTemplate", "type"}));
    w.opt("Model", str_at(o, {"spec", "taskTemplate", "model"}));
    w.opt("Poll Interval", str_at(o, {"spec", "pollInterval"}));
    w.opt("Max Concurrency", str_at(o, {"spec", "maxConcurrency"}));
    w.opt("Deployment", str_at(o, {"status", "deploymentName"}));
    w.opt("CronJob", str_at(o, {"status", "cronJobName"}));
    w.opt("Discovered", str_at(o, {"status", "totalDiscovered"}));
    w.opt("Tasks Created", str_at(o, {"status", "totalTasksCreated"}));
    w.opt("Active Tasks", str_at(o, {"status", "activeTasks"}));
    w.opt("Last Discovery", str_at(o, {"status", "lastDiscoveryTime"}));
    w.opt("Message", str_at(o, {"status", "message"}));
    break;
  }
  case kind::workspace:
    w.line("Repo", str_at(o, {"spec", "repo"}));
    w.opt("Ref", str_at(o, {"spec", "ref"}));
    w.opt("Secret", str_at(o, {"spec", "secretRef", "name"}));
    break;
  case kind::agentconfig: {
    auto md = str_at(o, {"spec", "agentsMD"});
    if (!md.empty()) {
      if (md.size() > 80)
        md = md.substr(0, 80) + "...";
      w.line("Agents MD", md);
    }
    const auto& plugins = at(o, {"spec", "plugins"});
    if (plugins.is_array() && !plugins.empty()) {
      w.text += "Plugins:\n";
      for (const auto& p : plugins) {
        std::string skills, agents;
        for (const auto& s : at(p, {"skills"}).is_array() ? p["skills"] : json::array())
          skills += (skills.empty() ? "" : ", ") + str_at(s, {"name"});
        for (const auto& a : at(p, {"agents"}).is_array() ? p["agents"] : json::array())
          agents += (agents.empty() ? "" : ", ") + str_at(a, {"name"});
        w.text += "  " + str_at(p, {"name"}) + " (skills=[" + skills + "], agents=[" + agents + "])\n";
      }
    }
    const auto& mcp = at(o, {"spec", "mcpServers"});
    if (mcp.is_array() && !mcp.empty()) {
      w.text += "MCP Servers:\n";
      for (const auto& m : mcp)
        w.text += "  " + str_at(m, {"name"}) + " (" + str_at(m, {"type"}) + ")\n";
    }
    break;
  }
  }
  return w.text;
}

std::string to_yaml(const json& value) {
  std::string out;
  if (value.is_object() && value.empty())
    return "{}\n";
  emit(value, 0, out);
  return out;
}

std::string to_json_text(const json& value) {
  return value.dump(2) + "\n";
}

} // namespace kelos::cli
