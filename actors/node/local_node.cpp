#include "actors/node/local_node.hpp"

#include "actors/node/image_map.hpp"
#include "actors/node/pod_plan.hpp"
#include "actors/node/process_runner.hpp"
#include "k8s/client/request.hpp"
#include "k8s/resource_registry.hpp"
#include "k8s/time.hpp"
#include "runtime/caf_error.hpp"
#include "runtime/log.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <sys/stat.h>

namespace kelos {
namespace {

using k8s::json;
namespace fs = std::filesystem;

/// Internal messages of the node (CAF 0.17 atoms, at most 10 characters).
using proc_exit_atom = caf::atom_constant<caf::atom("nodeexit")>;
using deadline_atom = caf::atom_constant<caf::atom("nodedl")>;

const watch_spec pods_spec{"v1", "Pod", "", ""};

const k8s::resource_info& builtin(std::string_view kind) {
  static const auto reg = k8s::resource_registry::with_builtins();
  return *reg.by_kind("v1", kind);
}

std::string key_of(const std::string& ns, const std::string& name) { return ns + "/" + name; }

/// The sandbox check done once at start: can bwrap create its namespaces here?
struct sandbox_probe {
  /// Empty: bwrap works.
  std::string error;
  bool user_namespaces = true;
};

std::string how_to_fix(const std::string& bwrap) {
  return "; the local node runs every container in a bubblewrap sandbox: install it (Debian/Ubuntu: "
         "apt-get install bubblewrap; Fedora: dnf install bubblewrap) or point the node at it, and make sure "
         "unprivileged user namespaces are allowed (sysctl kernel.unprivileged_userns_clone=1). bwrap used: \"" +
         bwrap + "\"";
}

sandbox_probe probe_bwrap(const std::string& bwrap) {
  auto run = [&](bool userns) -> std::pair<int, std::string> {
    std::vector<std::string> argv{bwrap, "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts"};
    if (userns)
      argv.insert(argv.end(), {"--unshare-user", "--uid", "61100", "--gid", "0"});
    argv.insert(argv.end(), {"--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--", "true"});
    auto out = std::make_shared<std::string>();
    auto code = std::make_shared<int>(-1);
    auto start_error = std::make_shared<std::string>();
    const char* path = std::getenv("PATH");
    std::vector<std::string> env{std::string{"PATH="} + (path ? path : "/usr/bin:/bin")};
    auto p = node::process_runner::start(argv, env,
                                         {[out](std::string_view t) { *out += t; },
                                          [code, start_error](const node::process_exit& e) {
                                            *code = e.exit_code;
                                            *start_error = e.start_error;
                                          }});
    if (!p->wait_for(std::chrono::seconds{10})) {
      p->kill_now();
      p->wait_for(std::chrono::seconds{2});
      return {-1, "bwrap did not finish within 10s"};
    }
    if (!start_error->empty())
      return {*code, *start_error};
    while (!out->empty() && out->back() == '\n')
      out->pop_back();
    return {*code, *out};
  };
  sandbox_probe probe;
  auto [code, text] = run(true);
  if (code == 0)
    return probe;
  auto [code2, text2] = run(false);
  if (code2 == 0) {
    probe.user_namespaces = false;
    logging::warn({"local node", ""}, "bwrap cannot create user namespaces ({}); runAsUser is ignored", text);
    return probe;
  }
  probe.error = "bubblewrap cannot run: " + (text2.empty() ? "exit code " + std::to_string(code2) : text2) +
                how_to_fix(bwrap);
  return probe;
}

std::vector<node::host_dir> discover_host_dirs() {
  std::vector<node::host_dir> out;
  for (const char* d : {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/var",
                        "/home", "/root", "/srv", "/nix", "/run/systemd/resolve"}) {
    std::error_code ec;
    auto st = fs::symlink_status(d, ec);
    if (ec || !fs::exists(st))
      continue;
    if (fs::is_symlink(st)) {
      auto target = fs::read_symlink(d, ec);
      if (!ec)
        out.push_back({d, target.string()});
    } else if (fs::is_directory(st)) {
      out.push_back({d, {}});
    }
  }
  return out;
}

struct container_record {
  std::string name;
  std::string image;
  json state = json{{"waiting", {{"reason", "PodInitializing"}}}};
  bool ready = false;
  bool started = false;
  bool terminated = false;
  int exit_code = 0;
};

struct pod_run {
  uint64_t id = 0;
  std::string ns, name, uid;
  json pod;
  std::string pod_dir;
  node::pod_plan plan;
  enum class stage { fetching, init, main, stopping, done } st = stage::fetching;
  std::size_t next_init = 0;
  std::map<std::string, std::shared_ptr<node::process_runner>> procs;
  std::vector<container_record> init_status, main_status;
  int restarts = 0;
  std::string start_time;
  std::string phase = "Pending";
  std::string reason, message;
  std::map<std::string, std::pair<std::string, std::string>> conditions; // type -> (status, time)
  /// Set when the pod is deleted: kill, clean up, forget; no more status writes.
  bool deleting = false;
  bool delete_after = false;
  /// Set when activeDeadlineSeconds passed.
  bool deadline_exceeded = false;
  bool write_in_flight = false;
  bool write_pending = false;
};

struct node_state {
  kube_actor kube;
  local_node_config cfg;
  std::optional<node::image_map> images;
  std::string image_map_error;
  sandbox_probe sandbox;
  std::vector<node::host_dir> host_dirs;
  std::string host_path;
  std::map<std::string, pod_run> runs;
  std::set<std::string> binding;
  uint64_t next_id = 1;

  ~node_state() {
    // CAF 0.17 destroys the state before attach_functor callbacks run: stop sandboxes here.
    for (auto& [k, r] : runs)
      for (auto& [c, p] : r.procs)
        p->kill_now();
    for (auto& [k, r] : runs)
      for (auto& [c, p] : r.procs)
        p->wait_for(std::chrono::seconds{5});
  }

  static inline const char* name = "local_node";
};

using node_actor = caf::stateful_actor<node_state>;

void set_condition(pod_run& r, const std::string& type, bool value) {
  std::string v = value ? "True" : "False";
  auto it = r.conditions.find(type);
  if (it == r.conditions.end() || it->second.first != v)
    r.conditions[type] = {v, k8s::format_time(k8s::now())};
}

json container_status_json(const container_record& c, int restarts) {
  return json{{"name", c.name},       {"image", c.image},      {"imageID", ""},
              {"ready", c.ready},     {"started", c.started},  {"restartCount", restarts},
              {"state", c.state},     {"lastState", json::object()}};
}

json status_of(const pod_run& r) {
  json conditions = json::array();
  for (const char* type : {"PodScheduled", "Initialized", "ContainersReady", "Ready"}) {
    auto it = r.conditions.find(type);
    if (it == r.conditions.end())
      continue;
    json c{{"type", type}, {"status", it->second.first}, {"lastTransitionTime", it->second.second}};
    if (it->second.first == "False" && r.phase != "Pending" && r.phase != "Running" &&
        (std::string_view{type} == "Ready" || std::string_view{type} == "ContainersReady"))
      c["reason"] = "PodCompleted";
    conditions.push_back(std::move(c));
  }
  json s{{"phase", r.phase},
         {"conditions", std::move(conditions)},
         {"hostIP", "127.0.0.1"},
         {"hostIPs", json::array({{{"ip", "127.0.0.1"}}})},
         {"podIP", "127.0.0.1"},
         {"podIPs", json::array({{{"ip", "127.0.0.1"}}})},
         {"qosClass", "BestEffort"}};
  if (!r.start_time.empty())
    s["startTime"] = r.start_time;
  s["reason"] = r.reason.empty() ? json() : json(r.reason);
  s["message"] = r.message.empty() ? json() : json(r.message);
  if (!r.init_status.empty()) {
    json a = json::array();
    for (const auto& c : r.init_status)
      a.push_back(container_status_json(c, r.restarts));
    s["initContainerStatuses"] = std::move(a);
  }
  json a = json::array();
  for (const auto& c : r.main_status)
    a.push_back(container_status_json(c, r.restarts));
  s["containerStatuses"] = std::move(a);
  return s;
}

void write_status(node_actor* self, const std::string& key) {
  auto it = self->state.runs.find(key);
  if (it == self->state.runs.end() || it->second.deleting)
    return;
  auto& r = it->second;
  if (r.write_in_flight) {
    r.write_pending = true;
    return;
  }
  r.write_in_flight = true;
  r.write_pending = false;
  auto req = k8s::patch_request(builtin("Pod"), r.ns, r.name, k8s::patch_type::merge,
                                json{{"status", status_of(r)}}.dump(), {}, "status");
  if (!req)
    return;
  uint64_t id = r.id;
  self->request(self->state.kube, caf::infinite, atom::call::value, std::move(*req))
    .then(
      [=](json_doc&) {
        auto it2 = self->state.runs.find(key);
        if (it2 == self->state.runs.end() || it2->second.id != id)
          return;
        it2->second.write_in_flight = false;
        if (it2->second.write_pending)
          write_status(self, key);
      },
      [=](caf::error& err) {
        auto it2 = self->state.runs.find(key);
        if (it2 == self->state.runs.end() || it2->second.id != id)
          return;
        it2->second.write_in_flight = false;
        auto e = from_caf_error(err);
        if (e.code != errc::not_found)
          logging::warn({"local node", key}, "writing pod status: {}", e.render());
        if (it2->second.write_pending)
          write_status(self, key);
      });
}

/// Writes files and directories of a plan into a clean pod directory.
kelos::expected<void> prepare_pod_dir(const pod_run& r) {
  std::error_code ec;
  fs::remove_all(r.pod_dir, ec);
  for (const auto& d : r.plan.directories) {
    fs::create_directories(d, ec);
    if (ec)
      return make_error(errc::io_error, "creating " + d + ": " + ec.message());
  }
  // The sandbox user (runAsUser) must be able to write the pod's /tmp and emptyDirs even
  // when the node runs as another user without user namespaces.
  ::chmod((r.pod_dir + "/tmp").c_str(), 01777);
  for (const auto& f : r.plan.files) {
    std::ofstream out{f.path, std::ios::binary | std::ios::trunc};
    out << f.content;
    if (!out)
      return make_error(errc::io_error, "writing " + f.path);
    out.close();
    ::chmod(f.path.c_str(), static_cast<mode_t>(f.mode));
  }
  return {};
}

void remove_pod_dir(const pod_run& r) {
  std::error_code ec;
  if (!r.pod_dir.empty())
    fs::remove_all(r.pod_dir, ec);
}

void finish_if_stopped(node_actor* self, const std::string& key);
void on_pod(node_actor* self, const json& pod);

void start_container(node_actor* self, pod_run& r, const node::container_step& step, container_record& rec) {
  auto& cfg = self->state.cfg;
  auto ns = r.ns, pod = r.name, container = step.name;
  auto log_append = cfg.log_append;
  auto log_finish = cfg.log_finish;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  uint64_t id = r.id;
  rec.state = json{{"running", {{"startedAt", k8s::format_time(k8s::now())}}}};
  rec.started = true;
  r.procs[container] = node::process_runner::start(
    step.argv, step.env,
    {[=](std::string_view text) {
       if (log_append)
         log_append(ns, pod, container, text);
     },
     [=](const node::process_exit& e) {
       if (!e.start_error.empty() && log_append)
         log_append(ns, pod, container, e.start_error + "\n");
       if (log_finish)
         log_finish(ns, pod, container);
       caf::anon_send(me, proc_exit_atom::value, id, container, static_cast<int32_t>(e.exit_code),
                      static_cast<int32_t>(e.signal), e.start_error);
     }});
}

void start_main(node_actor* self, pod_run& r) {
  r.st = pod_run::stage::main;
  set_condition(r, "Initialized", true);
  r.phase = "Running";
  for (std::size_t i = 0; i < r.plan.containers.size(); ++i) {
    start_container(self, r, r.plan.containers[i], r.main_status[i]);
    r.main_status[i].ready = true;
  }
  set_condition(r, "ContainersReady", true);
  set_condition(r, "Ready", true);
}

void advance(node_actor* self, const std::string& key) {
  auto& r = self->state.runs.at(key);
  if (r.st == pod_run::stage::init) {
    if (r.next_init < r.plan.init_containers.size()) {
      auto i = r.next_init++;
      start_container(self, r, r.plan.init_containers[i], r.init_status[i]);
    } else {
      start_main(self, r);
    }
  }
  write_status(self, key);
}

void fail_before_start(node_actor* self, const std::string& key, const std::string& reason, const std::string& message,
                       const std::string& container) {
  auto& r = self->state.runs.at(key);
  r.st = pod_run::stage::done;
  r.phase = "Failed";
  r.reason = reason;
  r.message = message;
  set_condition(r, "Ready", false);
  set_condition(r, "ContainersReady", false);
  for (auto* list : {&r.init_status, &r.main_status})
    for (auto& c : *list)
      if (c.name == container || container.empty())
        c.state = json{{"waiting", {{"reason", reason}, {"message", message}}}};
  logging::warn({"local node", key}, "pod failed: {}: {}", reason, message);
  write_status(self, key);
}

/// Builds the plan once the referenced Secrets and ConfigMaps are known, and starts.
void plan_and_start(node_actor* self, const std::string& key, node::pod_refs refs) {
  auto it = self->state.runs.find(key);
  if (it == self->state.runs.end())
    return;
  auto& r = it->second;
  auto& st = self->state;
  // Container records first, so failures can name containers.
  const json& spec = r.pod["spec"];
  for (const char* list : {"initContainers", "containers"}) {
    if (!spec.contains(list) || !spec[list].is_array())
      continue;
    for (const auto& c : spec[list]) {
      container_record rec{k8s::get_string(c, "name"), k8s::get_string(c, "image")};
      (std::string_view{list} == "initContainers" ? r.init_status : r.main_status).push_back(rec);
    }
  }
  if (r.deleting)
    return finish_if_stopped(self, key);
  if (!st.images)
    return fail_before_start(self, key, "ImageMapInvalid", st.image_map_error, {});
  if (!st.sandbox.error.empty())
    return fail_before_start(self, key, "SandboxUnavailable", st.sandbox.error, {});
  node::host_facts host;
  host.node_name = st.cfg.node_name;
  host.pod_dir = r.pod_dir;
  host.host_dirs = st.host_dirs;
  for (const auto& w : st.cfg.writable_paths)
    host.writable_paths.push_back(w.string());
  host.bwrap = st.cfg.bwrap;
  host.path_env = st.host_path;
  host.user_namespaces = st.sandbox.user_namespaces;
  host.file_exists = [](const std::string& p) {
    std::error_code ec;
    return fs::exists(p, ec);
  };
  auto path = st.host_path;
  host.command_exists = [path](const std::string& c) { return !node::find_executable(c, path).empty(); };
  auto result = node::plan_pod(r.pod, refs, *st.images, host);
  if (auto* err = std::get_if<node::plan_error>(&result))
    return fail_before_start(self, key, err->reason, err->message, err->container);
  r.plan = std::move(std::get<node::pod_plan>(result));
  if (auto ok = prepare_pod_dir(r); !ok)
    return fail_before_start(self, key, "PodDirectoryError", ok.error().render(), {});
  if (r.start_time.empty())
    r.start_time = k8s::format_time(k8s::now());
  set_condition(r, "Initialized", r.plan.init_containers.empty());
  set_condition(r, "ContainersReady", false);
  set_condition(r, "Ready", false);
  r.st = pod_run::stage::init;
  if (r.plan.active_deadline_seconds) {
    auto started = k8s::parse_time(r.start_time);
    auto deadline = (started ? *started : k8s::now()) + std::chrono::seconds{*r.plan.active_deadline_seconds};
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - k8s::now());
    self->delayed_send(self, std::max(remaining, std::chrono::milliseconds{0}), deadline_atom::value, r.id);
  }
  advance(self, key);
}

/// Fetches the Secrets and ConfigMaps the pod references (fresh, at start), then plans.
void fetch_refs(node_actor* self, const std::string& key) {
  auto& r = self->state.runs.at(key);
  auto wanted = node::references_of(r.pod);
  auto refs = std::make_shared<node::pod_refs>();
  auto left = std::make_shared<std::size_t>(wanted.secrets.size() + wanted.config_maps.size());
  if (*left == 0)
    return plan_and_start(self, key, {});
  auto id = r.id;
  auto ns = r.ns;
  auto done = [=] {
    if (--*left != 0)
      return;
    auto it = self->state.runs.find(key);
    if (it != self->state.runs.end() && it->second.id == id)
      plan_and_start(self, key, std::move(*refs));
  };
  auto fetch = [&](const char* kind, const std::string& name, bool secret) {
    self->request(self->state.kube, caf::infinite, atom::call::value, k8s::get_request(builtin(kind), ns, name))
      .then(
        [=](json_doc& doc) {
          (secret ? refs->secrets : refs->config_maps)[name] = std::move(doc.value);
          done();
        },
        [=](caf::error& err) {
          auto e = from_caf_error(err);
          if (e.code != errc::not_found)
            logging::warn({"local node", key}, "reading {} {}/{} for the pod: {}", kind, ns, name, e.render());
          done();
        });
  };
  for (const auto& s : wanted.secrets)
    fetch("Secret", s, true);
  for (const auto& c : wanted.config_maps)
    fetch("ConfigMap", c, false);
}

/// Stops every process of a run (SIGTERM, SIGKILL after the grace period).
void stop_processes(pod_run& r, std::chrono::milliseconds grace) {
  for (auto& [c, p] : r.procs)
    p->terminate(grace);
}

/// A deleted pod whose processes are gone: remove its directory and forget it.
void finish_if_stopped(node_actor* self, const std::string& key) {
  auto it = self->state.runs.find(key);
  if (it == self->state.runs.end() || !it->second.deleting || !it->second.procs.empty())
    return;
  auto& r = it->second;
  remove_pod_dir(r);
  if (r.delete_after) {
    k8s::delete_options opts;
    opts.grace_period_seconds = 0;
    opts.precondition_uid = r.uid;
    self->request(self->state.kube, caf::infinite, atom::call::value,
                  k8s::delete_request(builtin("Pod"), r.ns, r.name, opts))
      .then([](json_doc&) {}, [](caf::error&) {});
  }
  logging::info({"local node", key}, "pod stopped and cleaned up");
  k8s::object_ref ref{"Pod", r.ns, r.name};
  self->state.runs.erase(it);
  // A new pod of the same name may have been waiting for this one to stop.
  self->request(self->state.kube, caf::infinite, atom::get::value, pods_spec, ref)
    .then(
      [=](json_doc& doc) {
        if (doc.value.is_object())
          on_pod(self, doc.value);
      },
      [](caf::error&) {});
}

void begin_delete(node_actor* self, const std::string& key, bool delete_after) {
  auto it = self->state.runs.find(key);
  if (it == self->state.runs.end())
    return;
  auto& r = it->second;
  if (!r.deleting) {
    logging::info({"local node", key}, "pod deleted; stopping {} container(s)", r.procs.size());
    r.deleting = true;
    r.delete_after = delete_after;
    auto grace = r.plan.grace_seconds;
    if (auto g = r.pod["metadata"].find("deletionGracePeriodSeconds");
        g != r.pod["metadata"].end() && g->is_number_integer() && g->get<int64_t>() > 0)
      grace = g->get<int64_t>();
    stop_processes(r, std::chrono::seconds{grace});
  }
  finish_if_stopped(self, key);
}

void on_exit(node_actor* self, uint64_t id, const std::string& container, int32_t code, int32_t signal,
             const std::string& start_error) {
  std::string key;
  for (auto& [k, r] : self->state.runs)
    if (r.id == id)
      key = k;
  if (key.empty())
    return;
  auto& r = self->state.runs.at(key);
  r.procs.erase(container);
  if (r.deleting)
    return finish_if_stopped(self, key);
  auto* list = r.st == pod_run::stage::init ? &r.init_status : &r.main_status;
  auto rec = std::find_if(list->begin(), list->end(), [&](const auto& c) { return c.name == container; });
  if (rec == list->end())
    return;
  json terminated{{"exitCode", code},
                  {"reason", code == 0 ? "Completed" : "Error"},
                  {"startedAt", rec->state.value("running", json::object()).value("startedAt", "")},
                  {"finishedAt", k8s::format_time(k8s::now())}};
  if (signal != 0)
    terminated["signal"] = signal;
  if (!start_error.empty()) {
    terminated["reason"] = "StartError";
    terminated["message"] = start_error;
  }
  rec->state = json{{"terminated", std::move(terminated)}};
  rec->terminated = true;
  rec->ready = false;
  rec->exit_code = code;

  auto fail = [&](std::string reason, std::string message) {
    r.st = pod_run::stage::done;
    r.phase = "Failed";
    r.reason = std::move(reason);
    r.message = std::move(message);
    set_condition(r, "ContainersReady", false);
    set_condition(r, "Ready", false);
    stop_processes(r, std::chrono::seconds{r.plan.grace_seconds});
  };
  if (r.deadline_exceeded) {
    if (r.procs.empty()) {
      fail("DeadlineExceeded", "Pod was active on the node longer than the specified deadline");
      logging::info({"local node", key}, "pod exceeded its activeDeadlineSeconds");
    }
  } else if (r.st == pod_run::stage::init) {
    if (code != 0) {
      fail({}, {});
      logging::info({"local node", key}, "init container {} failed with exit code {}", container, code);
    } else {
      return advance(self, key);
    }
  } else if (r.st == pod_run::stage::main && r.procs.empty()) {
    bool ok = std::all_of(r.main_status.begin(), r.main_status.end(), [](const auto& c) { return c.exit_code == 0; });
    r.st = pod_run::stage::done;
    r.phase = ok ? "Succeeded" : "Failed";
    set_condition(r, "ContainersReady", false);
    set_condition(r, "Ready", false);
    logging::info({"local node", key}, "pod {}", r.phase);
  } else if (r.st == pod_run::stage::main) {
    set_condition(r, "ContainersReady", false);
    set_condition(r, "Ready", false);
  }
  write_status(self, key);
}

void on_deadline(node_actor* self, uint64_t id) {
  for (auto& [key, r] : self->state.runs) {
    if (r.id != id || r.deleting || r.st == pod_run::stage::done)
      continue;
    r.deadline_exceeded = true;
    if (r.procs.empty()) {
      r.st = pod_run::stage::done;
      r.phase = "Failed";
      r.reason = "DeadlineExceeded";
      r.message = "Pod was active on the node longer than the specified deadline";
      write_status(self, key);
    } else {
      stop_processes(r, std::chrono::seconds{r.plan.grace_seconds});
    }
    return;
  }
}

void on_pod(node_actor* self, const json& pod) {
  auto& st = self->state;
  const json& meta = pod["metadata"];
  auto ns = k8s::get_string(meta, "namespace", "default");
  auto name = k8s::get_string(meta, "name");
  auto uid = k8s::get_string(meta, "uid");
  auto key = key_of(ns, name);
  auto node_name = k8s::get_string(pod.value("spec", json::object()), "nodeName");

  if (auto it = st.runs.find(key); it != st.runs.end() && it->second.uid != uid)
    begin_delete(self, key, false); // the name now belongs to a new pod
  if (!node_name.empty() && node_name != st.cfg.node_name)
    return;
  bool deleting = meta.contains("deletionTimestamp") && !meta["deletionTimestamp"].is_null();
  bool no_finalizers = !meta.contains("finalizers") || meta["finalizers"].empty();
  if (auto it = st.runs.find(key); it != st.runs.end() && it->second.uid == uid) {
    it->second.pod = pod;
    if (deleting)
      begin_delete(self, key, no_finalizers);
    return;
  }
  if (st.runs.count(key) != 0)
    return; // the old pod of this name is still stopping; finish_if_stopped looks again
  auto phase = k8s::get_string(pod.value("status", json::object()), "phase");
  if (phase == "Succeeded" || phase == "Failed")
    return;
  if (deleting) {
    if (node_name == st.cfg.node_name && no_finalizers) {
      k8s::delete_options opts;
      opts.grace_period_seconds = 0;
      opts.precondition_uid = uid;
      self->request(st.kube, caf::infinite, atom::call::value, k8s::delete_request(builtin("Pod"), ns, name, opts))
        .then([](json_doc&) {}, [](caf::error&) {});
    }
    return;
  }
  if (node_name.empty()) {
    // Scheduling: the API server has no pods/binding, so bind with a merge patch of
    // spec.nodeName (what the binding subresource would write).
    if (!st.binding.insert(key).second)
      return;
    json patch{{"spec", {{"nodeName", st.cfg.node_name}}}};
    auto req = k8s::patch_request(builtin("Pod"), ns, name, k8s::patch_type::merge, patch.dump());
    if (!req)
      return;
    self->request(st.kube, caf::infinite, atom::call::value, std::move(*req))
      .then([=](json_doc&) { self->state.binding.erase(key); },
            [=](caf::error& err) {
              self->state.binding.erase(key);
              logging::warn({"local node", key}, "binding the pod: {}", from_caf_error(err).render());
            });
    return;
  }

  pod_run r;
  r.id = st.next_id++;
  r.ns = ns;
  r.name = name;
  r.uid = uid;
  r.pod = pod;
  r.pod_dir = (st.cfg.pods_dir / (ns + "_" + name + "_" + uid)).string();
  const json status = pod.value("status", json::object());
  r.start_time = k8s::get_string(status, "startTime");
  if (!r.start_time.empty()) {
    int previous = 0;
    for (const char* list : {"initContainerStatuses", "containerStatuses"})
      if (status.contains(list) && status[list].is_array())
        for (const auto& c : status[list])
          previous = std::max(previous, static_cast<int>(k8s::get_int(c, "restartCount")));
    r.restarts = previous + 1;
    logging::warn({"local node", key}, "pod was {} when the node stopped; running it again from scratch (restart {})",
                  phase.empty() ? "Pending" : phase, r.restarts);
  }
  set_condition(r, "PodScheduled", true);
  st.runs.emplace(key, std::move(r));
  fetch_refs(self, key);
}

/// Removes pod directories of pods that no longer exist (deleted while the node was down).
void sweep_pod_dirs(node_actor* self, const std::vector<json>& pods) {
  std::set<std::string> keep;
  for (const auto& p : pods) {
    const json& m = p["metadata"];
    keep.insert(k8s::get_string(m, "namespace") + "_" + k8s::get_string(m, "name") + "_" + k8s::get_string(m, "uid"));
  }
  for (const auto& [k, r] : self->state.runs)
    keep.insert(fs::path{r.pod_dir}.filename().string());
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(self->state.cfg.pods_dir, ec)) {
    auto n = e.path().filename().string();
    if (std::count(n.begin(), n.end(), '_') == 2 && keep.count(n) == 0)
      fs::remove_all(e.path(), ec);
  }
}

caf::behavior node_behavior(node_actor* self, kube_actor kube, local_node_config cfg) {
  auto& st = self->state;
  st.kube = kube;
  st.cfg = std::move(cfg);
  const char* path = std::getenv("PATH");
  st.host_path = path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  st.host_dirs = discover_host_dirs();
  std::error_code ec;
  fs::create_directories(st.cfg.pods_dir, ec);
  node::image_map_vars vars{st.cfg.agents_dir.string(), st.cfg.capture_binary.string()};
  if (st.cfg.image_map_path.empty()) {
    auto m = node::parse_image_map(node::builtin_image_map_text(), std::string{node::builtin_image_map_source}, vars);
    if (m)
      st.images = std::move(*m);
    else
      st.image_map_error = m.error().message;
  } else {
    std::ifstream in{st.cfg.image_map_path};
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      st.image_map_error = "image map " + st.cfg.image_map_path.string() + ": cannot be read";
    } else {
      auto m = node::parse_image_map(text.str(), st.cfg.image_map_path.string(), vars);
      if (m)
        st.images = std::move(*m);
      else
        st.image_map_error = m.error().message;
    }
  }
  if (!st.images)
    logging::error({"local node", ""}, "{}", st.image_map_error);
  st.sandbox = probe_bwrap(st.cfg.bwrap);
  if (!st.sandbox.error.empty())
    logging::error({"local node", ""}, "{}", st.sandbox.error);

  self->request(kube, caf::infinite, atom::subscribe::value, pods_spec, caf::actor_cast<caf::actor>(self))
    .then([](atom::ok) {},
          [](caf::error& err) { logging::error({"local node", "pods"}, "subscribing: {}", from_caf_error(err).render()); });

  return {
    [=](atom::apply, const watch_spec&, const k8s::object_ref& ref) {
      self->request(self->state.kube, caf::infinite, atom::get::value, pods_spec, ref)
        .then([=](json_doc& doc) {
          if (doc.value.is_object())
            on_pod(self, doc.value);
        },
              [](caf::error&) {});
    },
    [=](atom::remove, const watch_spec&, const k8s::object_ref& ref) {
      begin_delete(self, key_of(ref.namespace_.empty() ? "default" : ref.namespace_, ref.name), false);
    },
    [=](atom::synced, const watch_spec&) {
      self->request(self->state.kube, caf::infinite, atom::list::value, pods_spec, std::string{})
        .then([=](object_list& l) { sweep_pod_dirs(self, l.items); }, [](caf::error&) {});
    },
    [=](proc_exit_atom, uint64_t id, const std::string& container, int32_t code, int32_t signal,
        const std::string& start_error) { on_exit(self, id, container, code, signal, start_error); },
    [=](deadline_atom, uint64_t id) { on_deadline(self, id); },
  };
}

} // namespace

caf::actor spawn_local_node(caf::actor_system& sys, kube_actor kube, local_node_config cfg) {
  return sys.spawn(node_behavior, std::move(kube), std::move(cfg));
}

} // namespace kelos
