#include "k8s/apiserver/table.hpp"

#include <algorithm>
#include <cctype>

#include "k8s/apiserver/accept.hpp"
#include "k8s/apiserver/jsonpath.hpp"

namespace kelos::apiserver {

namespace {

using k8s::json;
using std::chrono::microseconds;

const char* const name_description =
  "Name must be unique within a namespace. Is required when creating resources, although some "
  "resources may allow a client to request the generation of an appropriate name "
  "automatically. Name is primarily intended for creation idempotence and configuration "
  "definition. Cannot be updated. More info: "
  "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const char* const age_description =
  "CreationTimestamp is a timestamp representing the server time when this object was created.";

printer_column col(std::string name, std::string type, std::string description = {},
                   int priority = 0, std::string format = {}) {
  printer_column c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.description = std::move(description);
  c.priority = priority;
  c.format = std::move(format);
  return c;
}

printer_column name_column() { return col("Name", "string", name_description, 0, "name"); }

bool is(const served_resource& r, std::string_view group, std::string_view kind) {
  return !r.from_crd && r.info.group == group && r.info.kind == kind;
}

const json& field(const json& j, const char* key) {
  static const json null_value;
  if (!j.is_object())
    return null_value;
  auto it = j.find(key);
  return it == j.end() ? null_value : *it;
}

std::string str(const json& j, const char* key) { return k8s::get_string(j, key); }

// "5m" since `text` (an RFC 3339 time); "<unknown>" when absent or unparsable.
std::string age_since(const std::string& text, k8s::time_point now) {
  if (text.empty())
    return "<unknown>";
  auto t = k8s::parse_time(text);
  if (!t)
    return "<unknown>";
  return human_duration(now - *t);
}

std::string creation_age(const json& obj, k8s::time_point now) {
  return age_since(str(field(obj, "metadata"), "creationTimestamp"), now);
}

bool has_true_condition(const json& status, std::string_view type) {
  const json& conds = field(status, "conditions");
  if (!conds.is_array())
    return false;
  for (auto& c : conds)
    if (str(c, "type") == type && str(c, "status") == "True")
      return true;
  return false;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (auto& p : parts) {
    if (!out.empty())
      out += sep;
    out += p;
  }
  return out;
}

int64_t count_keys(const json& j) { return j.is_object() ? static_cast<int64_t>(j.size()) : 0; }

// ---- pods -------------------------------------------------------------------

struct pod_summary {
  std::string reason;
  int ready = 0;
  int total = 0;
  int64_t restarts = 0;
  std::string last_restart;  // finishedAt of the most recent lastState.terminated
};

pod_summary summarize_pod(const json& pod) {
  pod_summary s;
  const json& spec = field(pod, "spec");
  const json& status = field(pod, "status");
  const json& containers = field(spec, "containers");
  s.total = containers.is_array() ? static_cast<int>(containers.size()) : 0;
  std::string phase = str(status, "phase");
  s.reason = phase;
  if (!str(status, "reason").empty())
    s.reason = str(status, "reason");

  auto note_restart = [&](const json& cs) {
    s.restarts += k8s::get_int(cs, "restartCount", 0);
    auto finished = str(field(field(cs, "lastState"), "terminated"), "finishedAt");
    if (!finished.empty() && finished > s.last_restart)
      s.last_restart = finished;
  };

  bool initializing = false;
  const json& init_statuses = field(status, "initContainerStatuses");
  const json& init_specs = field(spec, "initContainers");
  if (init_statuses.is_array()) {
    std::size_t n_init = init_specs.is_array() ? init_specs.size() : init_statuses.size();
    for (std::size_t i = 0; i < init_statuses.size(); ++i) {
      const json& cs = init_statuses[i];
      note_restart(cs);
      const json& state = field(cs, "state");
      const json& term = field(state, "terminated");
      const json& wait = field(state, "waiting");
      if (term.is_object() && k8s::get_int(term, "exitCode", 0) == 0)
        continue;
      if (k8s::get_bool(cs, "started", false) && init_specs.is_array() && i < init_specs.size()
          && str(init_specs[i], "restartPolicy") == "Always")
        continue;  // a running sidecar
      if (term.is_object()) {
        if (!str(term, "reason").empty())
          s.reason = "Init:" + str(term, "reason");
        else if (k8s::get_int(term, "signal", 0) != 0)
          s.reason = "Init:Signal:" + std::to_string(k8s::get_int(term, "signal", 0));
        else
          s.reason = "Init:ExitCode:" + std::to_string(k8s::get_int(term, "exitCode", 0));
      } else if (wait.is_object() && !str(wait, "reason").empty()
                 && str(wait, "reason") != "PodInitializing") {
        s.reason = "Init:" + str(wait, "reason");
      } else {
        s.reason = "Init:" + std::to_string(i) + "/" + std::to_string(n_init);
      }
      initializing = true;
      break;
    }
  }

  if (!initializing || has_true_condition(status, "Initialized")) {
    s.restarts = 0;
    s.last_restart.clear();
    bool has_running = false;
    const json& statuses = field(status, "containerStatuses");
    if (statuses.is_array()) {
      for (std::size_t k = statuses.size(); k-- > 0;) {
        const json& cs = statuses[k];
        note_restart(cs);
        const json& state = field(cs, "state");
        const json& wait = field(state, "waiting");
        const json& term = field(state, "terminated");
        if (wait.is_object() && !str(wait, "reason").empty()) {
          s.reason = str(wait, "reason");
        } else if (term.is_object() && !str(term, "reason").empty()) {
          s.reason = str(term, "reason");
        } else if (term.is_object()) {
          if (k8s::get_int(term, "signal", 0) != 0)
            s.reason = "Signal:" + std::to_string(k8s::get_int(term, "signal", 0));
          else
            s.reason = "ExitCode:" + std::to_string(k8s::get_int(term, "exitCode", 0));
        } else if (k8s::get_bool(cs, "ready", false) && field(state, "running").is_object()) {
          has_running = true;
          ++s.ready;
        }
      }
    }
    if (s.reason == "Completed" && has_running)
      s.reason = has_true_condition(status, "Ready") ? "Running" : "NotReady";
  }

  bool deleting = !str(field(pod, "metadata"), "deletionTimestamp").empty();
  if (deleting && str(status, "reason") == "NodeLost")
    s.reason = "Unknown";
  else if (deleting && phase != "Succeeded" && phase != "Failed")
    s.reason = "Terminating";
  return s;
}

// ---- events -----------------------------------------------------------------

// Normalises core/v1 and events.k8s.io/v1 events to the core field names.
struct event_fields {
  std::string type, reason, object, subobject, source, message, first_seen, last_seen;
  int64_t count = 0;
};

event_fields read_event(const json& ev, bool events_api, k8s::time_point now) {
  event_fields f;
  const json& involved = field(ev, events_api ? "regarding" : "involvedObject");
  std::string kind = str(involved, "kind");
  for (auto& c : kind)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  f.object = kind + "/" + str(involved, "name");
  f.subobject = str(involved, "fieldPath");
  f.type = str(ev, "type");
  f.reason = str(ev, "reason");
  f.message = str(ev, events_api ? "note" : "message");
  if (events_api) {
    f.source = str(ev, "reportingController");
  } else {
    const json& src = field(ev, "source");
    f.source = str(src, "component");
    if (!str(src, "host").empty())
      f.source += ", " + str(src, "host");
  }
  std::string first = str(ev, events_api ? "deprecatedFirstTimestamp" : "firstTimestamp");
  std::string last = str(ev, events_api ? "deprecatedLastTimestamp" : "lastTimestamp");
  f.count = k8s::get_int(ev, events_api ? "deprecatedCount" : "count", 0);
  f.first_seen = first.empty() ? age_since(str(ev, "eventTime"), now) : age_since(first, now);
  f.last_seen = last.empty() ? f.first_seen : age_since(last, now);
  const json& series = field(ev, "series");
  if (series.is_object()) {
    f.last_seen = age_since(str(series, "lastObservedTime"), now);
    f.count = k8s::get_int(series, "count", f.count);
  }
  return f;
}

// ---- CRD columns ------------------------------------------------------------

json crd_cell(const printer_column& c, const json& obj, k8s::time_point now) {
  auto values = jsonpath_eval(obj, c.json_path);
  if (!values || values->empty())
    return nullptr;
  const json& v = values->front();
  if (v.is_null())
    return nullptr;
  if (c.type == "string")
    return jsonpath_render(v);
  if (c.type == "integer") {
    if (v.is_number_integer())
      return v;
    if (v.is_number_float())
      return static_cast<int64_t>(v.get<double>());
    return nullptr;
  }
  if (c.type == "number")
    return v.is_number() ? v : json(nullptr);
  if (c.type == "boolean")
    return v.is_boolean() ? v : json(nullptr);
  if (c.type == "date") {
    if (!v.is_string())
      return nullptr;
    auto t = k8s::parse_time(v.get<std::string>());
    if (!t)
      return "<invalid>";
    return human_duration(now - *t);
  }
  return jsonpath_render(v);
}

bool defines_age(const std::vector<printer_column>& cols) {
  return std::any_of(cols.begin(), cols.end(), [](const printer_column& c) {
    return c.name == "Age" || c.json_path == ".metadata.creationTimestamp";
  });
}

} // namespace

include_object parse_include_object(std::string_view value) {
  std::string v{value};
  for (auto& c : v)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "none")
    return include_object::none;
  if (v == "object")
    return include_object::object;
  return include_object::metadata;
}

table_choice negotiate_table(std::string_view accept) {
  for (auto& m : parse_accept(accept)) {
    if (m.param("as") == "Table") {
      auto v = m.param("v");
      if (m.type == "application" && m.subtype == "json" && m.param("g") == "meta.k8s.io"
          && (v == "v1" || v == "v1beta1"))
        return {true, v, "application/json;as=Table;v=" + v + ";g=meta.k8s.io"};
      continue;
    }
    if (m.accepts_json() && m.params.count("as") == 0)
      break;
  }
  return {};
}

std::string human_duration(microseconds d) {
  using namespace std::chrono;
  auto seconds = duration_cast<std::chrono::seconds>(d).count();
  if (seconds < -1)
    return "<invalid>";
  if (seconds < 0)
    return "0s";
  if (seconds < 60 * 2)
    return std::to_string(seconds) + "s";
  auto minutes = seconds / 60;
  if (minutes < 10) {
    auto s = seconds % 60;
    return s == 0 ? std::to_string(minutes) + "m"
                  : std::to_string(minutes) + "m" + std::to_string(s) + "s";
  }
  if (minutes < 60 * 3)
    return std::to_string(minutes) + "m";
  auto hours = minutes / 60;
  if (hours < 8) {
    auto m = minutes % 60;
    return m == 0 ? std::to_string(hours) + "h"
                  : std::to_string(hours) + "h" + std::to_string(m) + "m";
  }
  if (hours < 48)
    return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    auto h = hours % 24;
    return h == 0 ? std::to_string(hours / 24) + "d"
                  : std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2)
    return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    auto dy = (hours / 24) % 365;
    return dy == 0 ? std::to_string(hours / 24 / 365) + "y"
                   : std::to_string(hours / 24 / 365) + "y" + std::to_string(dy) + "d";
  }
  return std::to_string(hours / 24 / 365) + "y";
}

std::string pod_status_reason(const k8s::json& pod) { return summarize_pod(pod).reason; }

std::string pod_ready(const k8s::json& pod) {
  auto s = summarize_pod(pod);
  return std::to_string(s.ready) + "/" + std::to_string(s.total);
}

int64_t pod_restarts(const k8s::json& pod) { return summarize_pod(pod).restarts; }

namespace {

// The wide cells of a pod-template owner (Job, Deployment): Containers, Images, Selector.
void append_template_cells(std::vector<k8s::json>& cells, const k8s::json& spec) {
  std::vector<std::string> names, images;
  const json& containers = field(field(field(spec, "template"), "spec"), "containers");
  if (containers.is_array())
    for (auto& c : containers) {
      names.push_back(str(c, "name"));
      images.push_back(str(c, "image"));
    }
  std::vector<std::string> selector;
  const json& labels = field(field(spec, "selector"), "matchLabels");
  if (labels.is_object())
    for (auto& [k, v] : labels.items())
      selector.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
  cells.insert(cells.end(), {join(names, ","), join(images, ","),
                             selector.empty() ? "<none>" : join(selector, ",")});
}

} // namespace

std::vector<printer_column> table_columns(const served_resource& r) {
  std::vector<printer_column> cols;
  if (r.from_crd) {
    cols.push_back(name_column());
    for (auto& c : r.printer_columns)
      if (c.name != "Name")
        cols.push_back(c);
    if (!defines_age(r.printer_columns)) {
      auto age = col("Age", "date", age_description);
      age.json_path = ".metadata.creationTimestamp";
      cols.push_back(std::move(age));
    }
    return cols;
  }
  if (is(r, "", "Event") || is(r, "events.k8s.io", "Event")) {
    return {col("Last Seen", "string"),
            col("Type", "string", "Type of this event (Normal, Warning)."),
            col("Reason", "string", "Reason why the action was taken."),
            col("Object", "string", "The object this event is about."),
            col("Subobject", "string", "", 1),
            col("Source", "string", "", 1),
            col("Message", "string", "A human-readable description of the status."),
            col("First Seen", "string", "", 1),
            col("Count", "string", "", 1),
            col("Name", "string", name_description, 1, "name")};
  }
  cols.push_back(name_column());
  if (is(r, "", "Pod")) {
    cols.push_back(col("Ready", "string", "The aggregate readiness state of this pod."));
    cols.push_back(col("Status", "string", "The aggregate status of the containers in this pod."));
    cols.push_back(col("Restarts", "string", "The number of times the containers restarted."));
    cols.push_back(col("Age", "string", age_description));
    cols.push_back(col("IP", "string", "IP address allocated to the pod.", 1));
    cols.push_back(col("Node", "string", "Name of the node the pod is assigned to.", 1));
  } else if (is(r, "batch", "Job")) {
    cols.push_back(col("Status", "string", "Status of the job."));
    cols.push_back(col("Completions", "string", "The desired number of successfully finished pods the job should be run with."));
    cols.push_back(col("Duration", "string", "Time required to complete the job."));
    cols.push_back(col("Age", "string", age_description));
    cols.push_back(col("Containers", "string", "Names of each container in the template.", 1));
    cols.push_back(col("Images", "string", "Images referenced by each container in the template.", 1));
    cols.push_back(col("Selector", "string", "A label query over pods that should match the pod count.", 1));
  } else if (is(r, "apps", "Deployment")) {
    cols.push_back(col("Ready", "string", "Number of the pod with ready state"));
    cols.push_back(col("Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."));
    cols.push_back(col("Available", "string", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."));
    cols.push_back(col("Age", "string", age_description));
    cols.push_back(col("Containers", "string", "Names of each container in the template.", 1));
    cols.push_back(col("Images", "string", "Images referenced by each container in the template.", 1));
    cols.push_back(col("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", 1));
  } else if (is(r, "rbac.authorization.k8s.io", "Role")
             || is(r, "rbac.authorization.k8s.io", "ClusterRole")) {
    cols.push_back(col("Created At", "date", age_description));
  } else if (is(r, "rbac.authorization.k8s.io", "RoleBinding")
             || is(r, "rbac.authorization.k8s.io", "ClusterRoleBinding")) {
    cols.push_back(col("Role", "string", "RoleRef is the reference to the role this binding refers to."));
    cols.push_back(col("Age", "string", age_description));
    cols.push_back(col("Users", "string", "Users in the binding", 1));
    cols.push_back(col("Groups", "string", "Groups in the binding", 1));
    cols.push_back(col("ServiceAccounts", "string", "ServiceAccounts in the binding", 1));
  } else if (is(r, "", "Namespace")) {
    cols.push_back(col("Status", "string", "The status of the namespace"));
    cols.push_back(col("Age", "string", age_description));
  } else if (is(r, "apiextensions.k8s.io", "CustomResourceDefinition")) {
    cols.push_back(col("Created At", "date", age_description));
  } else if (is(r, "coordination.k8s.io", "Lease")) {
    cols.push_back(col("Holder", "string", "The holder of the lease."));
    cols.push_back(col("Age", "string", age_description));
  } else if (is(r, "", "Secret")) {
    cols.push_back(col("Type", "string", "The type of the secret"));
    cols.push_back(col("Data", "string", "The number of entries in the secret"));
    cols.push_back(col("Age", "string", age_description));
  } else if (is(r, "", "ConfigMap")) {
    cols.push_back(col("Data", "string", "Number of data in configmap"));
    cols.push_back(col("Age", "string", age_description));
  } else if (is(r, "", "ServiceAccount")) {
    cols.push_back(col("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."));
    cols.push_back(col("Age", "string", age_description));
  } else {
    cols.push_back(col("Age", "string", age_description));
  }
  return cols;
}

std::vector<k8s::json> table_cells(const served_resource& r, const k8s::json& obj,
                                   k8s::time_point now) {
  const json& meta = field(obj, "metadata");
  std::string name = str(meta, "name");
  std::vector<json> cells;
  if (r.from_crd) {
    for (auto& c : table_columns(r)) {
      if (c.json_path.empty())
        cells.push_back(name);  // the Name column
      else
        cells.push_back(crd_cell(c, obj, now));
    }
    return cells;
  }
  const json& spec = field(obj, "spec");
  const json& status = field(obj, "status");
  bool events_api = is(r, "events.k8s.io", "Event");
  if (events_api || is(r, "", "Event")) {
    auto e = read_event(obj, events_api, now);
    return {e.last_seen, e.type,       e.reason, e.object, e.subobject,
            e.source,    e.message,    e.first_seen, e.count, name};
  }
  cells.push_back(name);
  if (is(r, "", "Pod")) {
    auto s = summarize_pod(obj);
    std::string restarts = std::to_string(s.restarts);
    if (s.restarts != 0 && !s.last_restart.empty())
      restarts += " (" + age_since(s.last_restart, now) + " ago)";
    auto ip = str(status, "podIP");
    auto node = str(spec, "nodeName");
    cells.insert(cells.end(), {std::to_string(s.ready) + "/" + std::to_string(s.total), s.reason,
                               restarts, creation_age(obj, now), ip.empty() ? "<none>" : ip,
                               node.empty() ? "<none>" : node});
  } else if (is(r, "batch", "Job")) {
    std::string state;
    if (has_true_condition(status, "Complete"))
      state = "Complete";
    else if (has_true_condition(status, "Failed"))
      state = "Failed";
    else if (!str(meta, "deletionTimestamp").empty())
      state = "Terminating";
    else if (has_true_condition(status, "Suspended"))
      state = "Suspended";
    else if (has_true_condition(status, "FailureTarget"))
      state = "FailureTarget";
    else if (has_true_condition(status, "SuccessCriteriaMet"))
      state = "SuccessCriteriaMet";
    else
      state = "Running";
    auto succeeded = std::to_string(k8s::get_int(status, "succeeded", 0));
    std::string completions;
    if (spec.contains("completions") && spec["completions"].is_number())
      completions = succeeded + "/" + std::to_string(k8s::get_int(spec, "completions", 0));
    else if (auto p = k8s::get_int(spec, "parallelism", 0); p > 1)
      completions = succeeded + "/1 of " + std::to_string(p);
    else
      completions = succeeded + "/1";
    std::string duration;
    auto start = k8s::parse_time(str(status, "startTime"));
    if (start) {
      auto end = k8s::parse_time(str(status, "completionTime"));
      duration = human_duration((end ? *end : now) - *start);
    }
    cells.insert(cells.end(), {state, completions, duration, creation_age(obj, now)});
    append_template_cells(cells, spec);
  } else if (is(r, "apps", "Deployment")) {
    auto count = [&](const char* key) { return k8s::get_int(status, key, 0); };
    auto desired = spec.contains("replicas") ? k8s::get_int(spec, "replicas", 0) : 1;
    cells.insert(cells.end(),
                 {std::to_string(count("readyReplicas")) + "/" + std::to_string(desired),
                  json(count("updatedReplicas")), json(count("availableReplicas")),
                  creation_age(obj, now)});
    append_template_cells(cells, spec);
  } else if (is(r, "rbac.authorization.k8s.io", "Role")
             || is(r, "rbac.authorization.k8s.io", "ClusterRole")) {
    cells.push_back(str(meta, "creationTimestamp"));
  } else if (is(r, "rbac.authorization.k8s.io", "RoleBinding")
             || is(r, "rbac.authorization.k8s.io", "ClusterRoleBinding")) {
    const json& role_ref = field(obj, "roleRef");
    std::vector<std::string> users, groups, accounts;
    const json& subjects = field(obj, "subjects");
    if (subjects.is_array())
      for (auto& s : subjects) {
        auto kind = str(s, "kind");
        if (kind == "User")
          users.push_back(str(s, "name"));
        else if (kind == "Group")
          groups.push_back(str(s, "name"));
        else if (kind == "ServiceAccount")
          accounts.push_back(str(s, "namespace") + "/" + str(s, "name"));
      }
    cells.insert(cells.end(), {str(role_ref, "kind") + "/" + str(role_ref, "name"),
                               creation_age(obj, now), join(users, ", "), join(groups, ", "),
                               join(accounts, ", ")});
  } else if (is(r, "", "Namespace")) {
    auto phase = str(status, "phase");
    cells.insert(cells.end(), {phase.empty() ? "Active" : phase, creation_age(obj, now)});
  } else if (is(r, "apiextensions.k8s.io", "CustomResourceDefinition")) {
    cells.push_back(str(meta, "creationTimestamp"));
  } else if (is(r, "coordination.k8s.io", "Lease")) {
    cells.insert(cells.end(), {str(spec, "holderIdentity"), creation_age(obj, now)});
  } else if (is(r, "", "Secret")) {
    auto type = str(obj, "type");
    cells.insert(cells.end(), {type.empty() ? "Opaque" : type,
                               json(count_keys(field(obj, "data"))), creation_age(obj, now)});
  } else if (is(r, "", "ConfigMap")) {
    cells.insert(cells.end(),
                 {json(count_keys(field(obj, "data")) + count_keys(field(obj, "binaryData"))),
                  creation_age(obj, now)});
  } else if (is(r, "", "ServiceAccount")) {
    const json& secrets = field(obj, "secrets");
    cells.insert(cells.end(),
                 {json(secrets.is_array() ? static_cast<int64_t>(secrets.size()) : 0),
                  creation_age(obj, now)});
  } else {
    cells.push_back(creation_age(obj, now));
  }
  return cells;
}

k8s::json to_table(const served_resource& r, const std::vector<k8s::json>& objects,
                   const k8s::json& list_meta, const table_options& options) {
  json metadata = json::object();
  if (list_meta.is_object())
    for (const char* key : {"resourceVersion", "continue", "remainingItemCount", "selfLink"})
      if (auto it = list_meta.find(key); it != list_meta.end() && !it->is_null())
        metadata[key] = *it;
  json columns = json::array();
  if (options.with_column_definitions)
    for (auto& c : table_columns(r))
      columns.push_back(json{{"name", c.name},
                             {"type", c.type},
                             {"format", c.format},
                             {"description", c.description},
                             {"priority", c.priority}});
  std::string meta_api = "meta.k8s.io/" + (options.version.empty() ? "v1" : options.version);
  json rows = json::array();
  for (auto& obj : objects) {
    json row{{"cells", table_cells(r, obj, options.now)}};
    switch (options.include) {
    case include_object::none:
      break;
    case include_object::metadata:
      row["object"] = json{{"kind", "PartialObjectMetadata"},
                           {"apiVersion", meta_api},
                           {"metadata", field(obj, "metadata").is_object() ? obj["metadata"]
                                                                           : json::object()}};
      break;
    case include_object::object:
      row["object"] = obj;
      break;
    }
    rows.push_back(std::move(row));
  }
  return json{{"kind", "Table"},
              {"apiVersion", meta_api},
              {"metadata", metadata},
              {"columnDefinitions", columns},
              {"rows", rows}};
}

} // namespace kelos::apiserver
