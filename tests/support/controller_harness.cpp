#include "tests/support/controller_harness.hpp"

#include "actors/kube_transport.hpp"
#include "k8s/apiserver/content.hpp"
#include "k8s/apiserver/pod_logs.hpp"
#include "k8s/client/rest_config.hpp"
#include "runtime/caf_error.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

#ifndef KELOS_SOURCE_DIR
#error "KELOS_SOURCE_DIR must point at the repository root"
#endif

namespace kelos::test {
namespace {

using k8s::json;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in{p};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The collection path of a resource (plural, Kind or short name) in `ns`, from the
/// client's resource registry.
std::string collection(std::string_view resource, const std::string& ns) {
  static const auto reg = k8s::resource_registry::with_builtins();
  const auto* info = reg.lookup(resource);
  return info ? info->collection_path(ns) : "/unknown-resource/" + std::string{resource};
}

/// An HTTP client built from a kubeconfig the way kelos-controller builds its own; null
/// (with a test failure) when that fails.
std::shared_ptr<k8s::http_client> client_from(const std::string& kubeconfig) {
  k8s::client::load_options lo;
  lo.kubeconfig_path = kubeconfig;
  auto rc = k8s::client::load_rest_config(lo);
  if (!rc) {
    ADD_FAILURE() << rc.error().render();
    return nullptr;
  }
  auto c = k8s::http_client::make(transport_config_from(*rc));
  if (!c) {
    ADD_FAILURE() << c.error().render();
    return nullptr;
  }
  return std::shared_ptr<k8s::http_client>(std::move(*c));
}

} // namespace

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return pred();
}

controller_harness::controller_harness() : controller_harness(options{}) {}

controller_harness::controller_harness(options opts) : opts_(opts) {
  static int counter = 0;
  dir_ = std::filesystem::temp_directory_path() /
         ("kelos-controller-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(dir_);
}

controller_harness::~controller_harness() {
  stop_controller();
  test_client_.reset();
  if (server_)
    server_->stop();
  server_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

bool controller_harness::start_server() {
  apiserver::api_server_config sc;
  if (opts_.durable)
    sc.data_dir = (dir_ / "data").string();
  sc.fsync = false;
  auto s = apiserver::api_server::start(sc);
  if (!s) {
    ADD_FAILURE() << s.error().render();
    return false;
  }
  server_ = std::move(*s);
  auto kubeconfig = (dir_ / "kubeconfig").string();
  if (auto w = server_->write_kubeconfig(kubeconfig); !w) {
    ADD_FAILURE() << w.error().render();
    return false;
  }
  test_client_ = client_from(kubeconfig);
  if (!test_client_)
    return false;
  for (const char* crd : {"tasks", "workspaces", "agentconfigs", "taskspawners"}) {
    auto path = std::filesystem::path{KELOS_SOURCE_DIR} / "deploy/crds" / (std::string{crd} + ".kelos.dev.yaml");
    auto doc = apiserver::yaml_to_json(read_file(path));
    if (!doc) {
      ADD_FAILURE() << path << ": " << doc.error().render();
      return false;
    }
    auto r = request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", *doc);
    if (!r) {
      ADD_FAILURE() << "installing " << crd << ": " << r.error().render();
      return false;
    }
  }
  // The CRDs are served once Established.
  return eventually([&] { return request("GET", "/apis/kelos.dev/v1alpha1/namespaces/default/taskspawners").has_value(); });
}

bool controller_harness::start_controller() {
  stop_controller();
  cfg_ = std::make_unique<caf::actor_system_config>();
  cfg_->set("scheduler.max-threads", 2);
  cfg_->set("logger.console", caf::atom("none"));
  register_error_category(*cfg_);
  sys_ = std::make_unique<caf::actor_system>(*cfg_);
  controller_client_ = client_from((dir_ / "kubeconfig").string());
  if (!controller_client_)
    return false;
  kube_config kc;
  kc.watch.backoff.initial = std::chrono::milliseconds{100};
  kc.watch.backoff.max = std::chrono::milliseconds{500};
  kc.projection = task::project_cached;
  kc.decode_filter = task::decode_filter_cached;
  kc.cache_view = std::make_shared<kube_cache_view>();
  kube_ = spawn_kube(*sys_, make_http_transport(controller_client_), kc);
  registry_ = std::make_unique<metrics::registry>();
  auto tm = metrics::task_metrics::register_in(*registry_);
  if (!tm) {
    ADD_FAILURE() << tm.error().render();
    return false;
  }
  auto ctx = std::make_shared<task::controller_context>();
  ctx->caches = kc.cache_view;
  ctx->metrics = std::make_shared<metrics::task_metrics>(*tm);
  ctx->dependency_missing_timeout = opts_.dependency_timeout;
  ctx->reconcile.output_retry_window = opts_.output_retry_window;
  ctx->reconcile.output_retry_interval = opts_.output_retry_interval;
  ctx->github_api_base = opts_.github_api_base;
  ctx->github_ca_pem = opts_.github_ca_pem;
  ctx->retry_base = std::chrono::milliseconds{100};
  ctx->retry_max = std::chrono::milliseconds{1000};
  auto ready = std::make_shared<std::atomic<bool>>(false);
  supervisor_ = task::spawn_task_supervisor(*sys_, kube_, ctx, ready);
  if (!eventually([&] { return ready->load(); })) {
    ADD_FAILURE() << "controller did not become ready";
    return false;
  }
  return true;
}

void controller_harness::stop_controller() {
  if (!sys_)
    return;
  {
    caf::scoped_actor self{*sys_};
    for (auto a : {supervisor_, caf::actor_cast<caf::actor>(kube_)}) {
      if (!a)
        continue;
      self->monitor(a);
      self->send_exit(a, caf::exit_reason::user_shutdown);
      self->receive([](caf::down_msg&) {},
                    caf::after(std::chrono::seconds{5}) >> [] { ADD_FAILURE() << "actor did not stop"; });
    }
  }
  supervisor_ = nullptr;
  kube_ = nullptr;
  controller_client_.reset();
  sys_.reset();
  cfg_.reset();
}

kelos::expected<json> controller_harness::request(const std::string& method, const std::string& path,
                                                  const json& body, const std::string& content_type) {
  k8s::http_request req;
  req.method = method;
  auto q = path.find('?');
  req.path = path.substr(0, q);
  if (q != std::string::npos) {
    std::string query = path.substr(q + 1);
    size_t start = 0;
    while (start <= query.size()) {
      auto amp = query.find('&', start);
      auto part = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      auto eq = part.find('=');
      req.query.emplace_back(part.substr(0, eq), eq == std::string::npos ? "" : part.substr(eq + 1));
      if (amp == std::string::npos)
        break;
      start = amp + 1;
    }
  }
  if (!body.is_null()) {
    req.body = body.dump();
    req.headers.emplace_back("Content-Type", content_type);
  }
  auto resp = test_client_->send_sync(std::move(req), std::chrono::seconds{10});
  if (!resp)
    return resp.error();
  json parsed = json::parse(resp->body, nullptr, false);
  if (resp->status / 100 != 2) {
    std::string message = parsed.is_object() ? k8s::get_string(parsed, "message") : resp->body;
    errc code = resp->status == 404   ? errc::not_found
                : resp->status == 409 ? errc::conflict
                : resp->status == 422 || resp->status == 400 ? errc::bad_request
                                                             : errc::http_error;
    return kelos::error{code, "HTTP " + std::to_string(resp->status) + ": " + message};
  }
  return parsed.is_discarded() ? json{resp->body} : parsed;
}

kelos::expected<json> controller_harness::create(const json& object) {
  auto kind = k8s::get_string(object, "kind");
  auto ns = k8s::get_string(object.value("metadata", json::object()), "namespace", "default");
  return request("POST", collection(kind, ns), object);
}

kelos::expected<json> controller_harness::create_yaml(std::string_view yaml) {
  auto doc = apiserver::yaml_to_json(yaml);
  if (!doc)
    return doc.error();
  return create(*doc);
}

std::optional<json> controller_harness::get(const std::string& resource, const std::string& ns,
                                            const std::string& name) {
  auto r = request("GET", collection(resource, ns) + "/" + name);
  if (!r)
    return std::nullopt;
  return *r;
}

kelos::expected<json> controller_harness::remove(const std::string& resource, const std::string& ns,
                                                 const std::string& name) {
  return request("DELETE", collection(resource, ns) + "/" + name);
}

std::string controller_harness::task_phase(const std::string& name, const std::string& ns) {
  auto t = get("tasks", ns, name);
  if (!t)
    return {};
  const json* p = k8s::find_path(*t, "status.phase");
  return p && p->is_string() ? p->get<std::string>() : std::string{};
}

std::string controller_harness::task_message(const std::string& name, const std::string& ns) {
  auto t = get("tasks", ns, name);
  if (!t)
    return {};
  const json* p = k8s::find_path(*t, "status.message");
  return p && p->is_string() ? p->get<std::string>() : std::string{};
}

bool controller_harness::job_exists(const std::string& name, const std::string& ns) {
  return get("jobs", ns, name).has_value();
}

bool controller_harness::create_pod(const std::string& job, const std::string& ns) {
  auto j = get("jobs", ns, job);
  if (!j)
    return false;
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", pod_name_of(job)},
                {"namespace", ns},
                {"labels", (*j)["spec"]["template"]["metadata"]["labels"]},
                {"ownerReferences",
                 json::array({{{"apiVersion", "batch/v1"},
                               {"kind", "Job"},
                               {"name", job},
                               {"uid", (*j)["metadata"]["uid"]},
                               {"controller", true}}})}}},
              {"spec", (*j)["spec"]["template"]["spec"]}};
  auto r = create(pod);
  if (!r)
    ADD_FAILURE() << "creating pod: " << r.error().render();
  return r.has_value();
}

bool controller_harness::set_job_status(const std::string& job, int active, int succeeded, int failed,
                                        const std::string& failed_reason, const std::string& ns) {
  auto now = k8s::format_time(k8s::now());
  json status = {{"active", active}, {"succeeded", succeeded}, {"failed", failed}, {"startTime", now}};
  json conditions = json::array();
  if (succeeded > 0) {
    conditions.push_back({{"type", "Complete"}, {"status", "True"}, {"lastTransitionTime", now}});
    status["completionTime"] = now;
  }
  if (failed > 0)
    conditions.push_back({{"type", "Failed"},
                          {"status", "True"},
                          {"reason", failed_reason.empty() ? "BackoffLimitExceeded" : failed_reason},
                          {"message", failed_reason == "DeadlineExceeded" ? "Job was active longer than specified deadline"
                                                                          : "Job has reached the specified backoff limit"},
                          {"lastTransitionTime", now}});
  if (!conditions.empty())
    status["conditions"] = conditions;
  auto r = request("PATCH", collection("jobs", ns) + "/" + job + "/status", json{{"status", status}},
                   "application/merge-patch+json");
  if (!r)
    ADD_FAILURE() << "job status: " << r.error().render();
  return r.has_value();
}

void controller_harness::append_log(const std::string& job, const std::string& container, const std::string& text,
                                    const std::string& ns) {
  server_->logs().append(ns, pod_name_of(job), container, text);
}

bool controller_harness::run_to_success(const std::string& task, const std::string& container,
                                        const std::vector<std::string>& output_lines, const std::string& ns) {
  if (!eventually([&] { return job_exists(task, ns); }))
    return false;
  if (!create_pod(task, ns) || !set_job_status(task, 1, 0, 0, {}, ns))
    return false;
  if (!eventually([&] { return task_phase(task, ns) == "Running"; }))
    return false;
  std::string log = "agent says hello\n---KELOS_OUTPUTS_START---\n";
  for (const auto& l : output_lines)
    log += l + "\n";
  log += "---KELOS_OUTPUTS_END---\n";
  append_log(task, container, log, ns);
  if (!set_job_status(task, 0, 1, 0, {}, ns))
    return false;
  return eventually([&] { return task_phase(task, ns) == "Succeeded"; });
}

std::vector<std::string> controller_harness::event_reasons(const std::string& name, const std::string& ns) {
  std::vector<std::string> out;
  auto list = request("GET", "/api/v1/namespaces/" + ns + "/events");
  if (!list)
    return out;
  std::vector<std::pair<std::string, std::string>> items;
  for (const auto& e : (*list)["items"]) {
    if (k8s::get_string(e.value("involvedObject", json::object()), "name") != name)
      continue;
    items.emplace_back(k8s::get_string(e["metadata"], "resourceVersion"), k8s::get_string(e, "reason"));
  }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return a.first.size() != b.first.size() ? a.first.size() < b.first.size() : a.first < b.first;
  });
  for (auto& [rv, reason] : items)
    out.push_back(reason);
  return out;
}

std::string controller_harness::metrics_text() const { return registry_ ? registry_->render() : std::string{}; }

} // namespace kelos::test
