#pragma once

// An embedded API server with the Kelos CRDs installed, plus a real Task controller
// (KUBE actor over HTTP + task supervisor) that can be stopped and restarted. Tests
// play kubelet and kube-controller-manager: they create pods, write Job status and
// append pod logs. Every wait is bounded.

#include "actors/kube_actor.hpp"
#include "actors/task/task_supervisor.hpp"
#include "k8s/apiserver/api_server.hpp"
#include "k8s/client/http_client.hpp"
#include "runtime/metrics.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace kelos::test {

/// Polls `pred` every 20 ms until it holds or `limit` passes; returns the last result.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = std::chrono::seconds{15});

class controller_harness {
public:
  struct options {
    /// Persist the API server under a temp dir (restart tests).
    bool durable = false;
    /// Dependency missing timeout of the controller.
    std::chrono::seconds dependency_timeout{600};
    /// Output capture retry window/interval.
    std::chrono::seconds output_retry_window{30};
    std::chrono::seconds output_retry_interval{5};
    /// GitHub App token exchange endpoint and CA (a loopback server playing GitHub).
    std::string github_api_base;
    std::string github_ca_pem;
  };

  controller_harness();
  explicit controller_harness(options opts);
  ~controller_harness();

  /// Starts the API server and installs deploy/crds/*.yaml; returns false with a test failure.
  bool start_server();
  /// Starts (or restarts) the controller; waits until it reports ready.
  bool start_controller();
  /// Stops the controller (actors, KUBE actor, transport), leaving the API server running.
  void stop_controller();

  /// Synchronous API calls through a plain HTTP client (not the controller's).
  kelos::expected<k8s::json> request(const std::string& method, const std::string& path,
                                     const k8s::json& body = nullptr,
                                     const std::string& content_type = "application/json");
  /// Parses YAML (one document) and creates it in its namespace (default "default").
  kelos::expected<k8s::json> create_yaml(std::string_view yaml);
  kelos::expected<k8s::json> create(const k8s::json& object);
  /// GET a namespaced object by plural path segment, e.g. get("tasks", "default", "t").
  std::optional<k8s::json> get(const std::string& resource, const std::string& ns, const std::string& name);
  kelos::expected<k8s::json> remove(const std::string& resource, const std::string& ns, const std::string& name);

  /// Task status field, "" when absent.
  std::string task_phase(const std::string& name, const std::string& ns = "default");
  std::string task_message(const std::string& name, const std::string& ns = "default");
  bool job_exists(const std::string& name, const std::string& ns = "default");

  /// Plays the kubelet: creates a pod for the Job `job` with label kelos.dev/task.
  bool create_pod(const std::string& job, const std::string& ns = "default");
  /// Plays the Job controller: writes job status counters (and the matching condition).
  bool set_job_status(const std::string& job, int active, int succeeded, int failed,
                      const std::string& failed_reason = {}, const std::string& ns = "default");
  /// Appends to the agent container's log of the Job's pod.
  void append_log(const std::string& job, const std::string& container, const std::string& text,
                  const std::string& ns = "default");
  /// Drives a Task's Job through Running to Succeeded with an outputs block.
  bool run_to_success(const std::string& task, const std::string& container,
                      const std::vector<std::string>& output_lines, const std::string& ns = "default");

  /// Reasons of the Events recorded for an object, in creation order.
  std::vector<std::string> event_reasons(const std::string& name, const std::string& ns = "default");
  /// Rendered /metrics text of the controller's registry.
  std::string metrics_text() const;

  apiserver::api_server& server() { return *server_; }
  std::string pod_name_of(const std::string& job) const { return job + "-pod"; }

private:
  options opts_;
  std::filesystem::path dir_;
  std::unique_ptr<apiserver::api_server> server_;
  std::shared_ptr<k8s::http_client> test_client_;
  std::unique_ptr<metrics::registry> registry_;
  std::unique_ptr<caf::actor_system_config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<k8s::http_client> controller_client_;
  kube_actor kube_;
  caf::actor supervisor_;
};

} // namespace kelos::test
