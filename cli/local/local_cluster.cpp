#include "cli/local/local_cluster.hpp"

#include "actors/jobs/job_controller.hpp"
#include "actors/kube_actor.hpp"
#include "actors/node/image_map.hpp"
#include "actors/node/local_node.hpp"
#include "cli/controller_runtime.hpp"
#include "cli/local/crd_bundle.hpp"
#include "cli/rest.hpp"
#include "k8s/apiserver/api_server.hpp"
#include "k8s/apiserver/content.hpp"
#include "k8s/apiserver/pod_logs.hpp"
#include "k8s/client/request.hpp"
#include "runtime/actor_system_setup.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace kelos::local {
namespace {

constexpr const char* node_name = "kelos-local";

bool is_file(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec);
}

kelos::expected<void> make_private_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return kelos::error{errc::io_error, "cannot create " + dir.string() + ": " + ec.message()};
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
  return {};
}

} // namespace

kelos::expected<local_assets> find_local_assets(const up_options& opts, const std::filesystem::path& self_exe) {
  local_assets assets;
  auto exe_dir = self_exe.parent_path();
  std::vector<std::filesystem::path> agent_candidates;
  if (!opts.agents_dir.empty())
    agent_candidates.push_back(opts.agents_dir);
  else {
    if (const char* env = std::getenv("KELOS_AGENTS_DIR"); env && *env)
      agent_candidates.emplace_back(env);
    agent_candidates.push_back(exe_dir.parent_path() / "share/kelos/agents");
    agent_candidates.push_back(std::filesystem::path{KELOS_SOURCE_DIR} / "deploy/agents");
  }
  for (const auto& dir : agent_candidates)
    if (is_file(dir / "demo/kelos_entrypoint.sh")) {
      assets.agents_dir = dir;
      break;
    }
  if (assets.agents_dir.empty())
    return kelos::error{errc::invalid_config, "agent entrypoints not found (looked for demo/kelos_entrypoint.sh in " +
                                                  agent_candidates.front().string() +
                                                  " and the install and source trees); set --agents-dir"};
  std::vector<std::filesystem::path> capture_candidates;
  if (!opts.capture_binary.empty())
    capture_candidates.push_back(opts.capture_binary);
  else {
    capture_candidates.push_back(exe_dir / "kelos-capture");
    capture_candidates.push_back(exe_dir.parent_path() / "libexec/kelos/kelos-capture");
  }
  for (const auto& file : capture_candidates)
    if (is_file(file) && ::access(file.c_str(), X_OK) == 0) {
      assets.capture_binary = file;
      break;
    }
  if (assets.capture_binary.empty())
    return kelos::error{errc::invalid_config, "kelos-capture not found at " + capture_candidates.front().string() +
                                                  "; build it (target kelos-capture) or set --capture-binary"};
  return assets;
}

kelos::expected<void> install_crds(const std::filesystem::path& kubeconfig, std::chrono::seconds wait) {
  auto http = cli::client_for_kubeconfig(kubeconfig.string());
  if (!http)
    return http.error();
  auto registry = k8s::resource_registry::with_builtins();
  const auto* crds = registry.by_kind("apiextensions.k8s.io/v1", "CustomResourceDefinition");
  for (const auto& [file, text] : kelos_crd_manifests()) {
    auto doc = apiserver::yaml_to_json(text);
    if (!doc)
      return kelos::error{errc::invalid_config, std::string{file} + ": " + doc.error().message};
    auto applied = cli::create_or_update(**http, *crds, *doc);
    if (!applied)
      return kelos::error{applied.error().code, "installing " + std::string{file} + ": " + applied.error().message};
  }
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (const auto& kind : {"Task", "Workspace", "AgentConfig", "TaskSpawner"}) {
    const auto* res = registry.by_kind("kelos.dev/v1alpha1", kind);
    while (true) {
      auto served = cli::rest_call(**http, k8s::list_request(*res, "default", {}), std::chrono::seconds{5});
      if (served)
        break;
      if (std::chrono::steady_clock::now() > deadline)
        return kelos::error{errc::timeout, std::string{"the "} + kind + " CRD is not served: " + served.error().message};
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
    }
  }
  return {};
}

struct local_cluster::impl {
  up_options opts;
  std::unique_ptr<apiserver::api_server> server;
  std::shared_ptr<k8s::http_client> controller_http;
  std::shared_ptr<k8s::http_client> local_http;
  std::unique_ptr<caf::actor_system_config> cfg;
  std::unique_ptr<caf::actor_system> sys;
  cli::running_controller controller;
  kube_actor local_kube;
  caf::actor jobs;
  caf::actor node;
  bool stopped = false;

  ~impl() { stop(); }

  void stop() {
    if (stopped)
      return;
    stopped = true;
    if (sys) {
      cli::stop_controller(*sys, controller, std::chrono::seconds{10});
      caf::scoped_actor self{*sys};
      for (auto* a : {&node, &jobs})
        if (*a) {
          self->monitor(*a);
          self->send_exit(*a, caf::exit_reason::user_shutdown);
          self->receive([](const caf::down_msg&) {}, caf::after(std::chrono::seconds{40}) >> [] {
            spdlog::warn("kelos up: a local actor did not stop within 40 s");
          });
        }
      if (local_kube)
        self->send_exit(local_kube, caf::exit_reason::user_shutdown);
    }
    sys.reset();
    controller_http.reset();
    local_http.reset();
    if (server)
      server->stop();
  }
};

local_cluster::local_cluster(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

local_cluster::~local_cluster() {
  stop();
}

void local_cluster::stop() {
  if (impl_)
    impl_->stop();
}

std::string local_cluster::url() const {
  return impl_->server->url();
}

std::filesystem::path local_cluster::kubeconfig() const {
  return impl_->opts.paths.kubeconfig();
}

kelos::expected<std::unique_ptr<local_cluster>> local_cluster::start(const up_options& opts, const local_assets& assets,
                                                                     const progress_fn& progress) {
  // A broken image map would fail every pod; refuse it before anything starts.
  if (!opts.image_map.empty()) {
    std::ifstream in{opts.image_map};
    if (!in)
      return kelos::error{errc::invalid_config, "--image-map: cannot read " + opts.image_map};
    std::stringstream text;
    text << in.rdbuf();
    auto map = node::parse_image_map(text.str(), opts.image_map,
                                     {assets.agents_dir.string(), assets.capture_binary.string()});
    if (!map)
      return map.error();
  }
  auto p = std::make_unique<impl>();
  p->opts = opts;
  const auto& paths = opts.paths;
  for (const auto& dir : {paths.root, paths.data(), paths.pods(), paths.repos()})
    if (auto r = make_private_dir(dir); !r)
      return r.error();

  apiserver::api_server_config scfg;
  scfg.port = opts.port;
  scfg.tls = opts.tls;
  scfg.data_dir = paths.data().string();
  auto server = apiserver::api_server::start(scfg);
  if (!server)
    return kelos::error{server.error().code, "API server: " + server.error().message};
  p->server = std::move(*server);
  progress("API server serving on " + p->server->url() + " (data in " + paths.data().string() + ")");
  if (auto w = p->server->write_kubeconfig(paths.kubeconfig().string(), node_name); !w)
    return w.error();

  if (auto crds = install_crds(paths.kubeconfig(), std::chrono::seconds{30}); !crds)
    return crds.error();
  progress("Kelos CRDs installed");

  auto controller_http = cli::client_for_kubeconfig(paths.kubeconfig().string());
  if (!controller_http)
    return controller_http.error();
  p->controller_http = *controller_http;
  auto local_http = cli::client_for_kubeconfig(paths.kubeconfig().string());
  if (!local_http)
    return local_http.error();
  p->local_http = *local_http;

  p->cfg = std::make_unique<caf::actor_system_config>();
  configure_actor_system(*p->cfg);
  p->sys = std::make_unique<caf::actor_system>(*p->cfg);

  // The Job controller and the node read whole pods (specs included), so they share a
  // KUBE actor without the Task controller's cache projection.
  kube_config kc;
  kc.qps = 200;
  kc.burst = 400;
  p->local_kube = spawn_kube(*p->sys, make_http_transport(p->local_http), kc);
  jobs::job_controller_config jcfg;
  jcfg.node_name = node_name;
  p->jobs = jobs::spawn_job_controller(*p->sys, p->local_kube, jcfg);

  local_node_config ncfg;
  ncfg.node_name = node_name;
  ncfg.pods_dir = paths.pods();
  if (!opts.image_map.empty())
    ncfg.image_map_path = opts.image_map;
  ncfg.agents_dir = assets.agents_dir;
  ncfg.capture_binary = assets.capture_binary;
  ncfg.writable_paths.push_back(paths.repos());
  for (const auto& w : opts.writable_paths)
    ncfg.writable_paths.emplace_back(w);
  auto* logs = &p->server->logs();
  ncfg.log_append = [logs](std::string_view ns, std::string_view pod, std::string_view container, std::string_view text) {
    logs->append(ns, pod, container, text);
  };
  ncfg.log_finish = [logs](std::string_view ns, std::string_view pod, std::string_view container) {
    logs->finish(ns, pod, container);
  };
  p->node = spawn_local_node(*p->sys, p->local_kube, ncfg);
  progress("Job controller and local node '" + std::string{node_name} + "' running (pods in " +
           paths.pods().string() + ")");

  cli::controller_options copts;
  auto ready = std::make_shared<std::atomic<bool>>(false);
  p->controller = cli::start_controller(*p->sys, p->controller_http, copts, node_name, nullptr, ready);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{60};
  while (!ready->load()) {
    if (std::chrono::steady_clock::now() > deadline)
      return kelos::error{errc::timeout, "the Kelos controller's caches did not sync within 60 s"};
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  progress("Kelos controller running");
  return std::unique_ptr<local_cluster>{new local_cluster{std::move(p)}};
}

} // namespace kelos::local
