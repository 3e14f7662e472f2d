#pragma once

// Messages and shared settings of the TaskSpawner actors (CAF 0.17 spelling).
//
//   KUBE ──(apply/remove/synced)──▶ SPAWNER SUPERVISOR ──(init, task, task_gone)──▶ SPAWNER (one per TaskSpawner)
//                                        │                                          │  ▲ (discovered)
//                                        └─(forget ns secret)─▶ CREDENTIALS ◀─(get)── POLLER (one per source)
//
// - SPAWNER handles `(atom::init, json_doc spawner)` (the TaskSpawner object changed),
//   `(atom::apply, json_doc task)` / `(atom::remove, std::string task)` (one of its Tasks
//   changed / is gone), `(atom::wake, std::string kind, std::string name)` (a Workspace or
//   Secret of its namespace changed) and `(atom::response, discovery_outcome)` from its poller.
// - POLLER handles `(atom::init, json_doc spawner)` (new spec: poll at once) and
//   `(atom::wake)` (poll at once); it sends `(atom::response, discovery_outcome)` to its
//   spawner after every discovery.
// - CREDENTIALS handles `(atom::get, ns, secret, api_base)` replying `source_credentials`,
//   and `(atom::remove, ns, secret)` (the Secret changed: forget cached tokens).

#include "actors/actors.hpp"
#include "runtime/waiting_counts.hpp"
#include "sources/github/app_auth.hpp"
#include "sources/github/issues_source.hpp"
#include "sources/work_item.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kelos::k8s {
struct task_spawner;
}

namespace kelos::spawner {

/// A token (and user, Jira Cloud) for a source. Never logged.
struct source_credentials {
  std::string token;
  std::string user;
};

/// What a poller hands its spawner after a discovery.
struct discovery_outcome {
  std::vector<sources::work_item> items;
  std::optional<kelos::error> error;
  k8s::time_point finished;
};

/// Performs source HTTP requests for one poller. `done` may run on any thread and must
/// only hand the answer off (anon_send).
class source_fetcher {
public:
  virtual ~source_fetcher() = default;
  virtual void fetch(const sources::source_request& request,
                     std::function<void(kelos::expected<sources::source_response>)> done) = 0;
};

/// Production fetcher: one k8s::http_client per API base (scheme://host[:port][/prefix]),
/// TLS verified against `ca_pem` (empty: system roots), every request bounded by `timeout`.
std::shared_ptr<source_fetcher> make_http_fetcher(std::string ca_pem, std::chrono::milliseconds timeout);

/// Everything a discovery of one cycle is made from.
struct discovery_input {
  const k8s::task_spawner* spawner = nullptr;
  /// The Workspace's `spec.repo` ("" without a workspace).
  std::string workspace_repo;
  source_credentials credentials;
  /// Cron cursor: the last successful discovery (else the spawner's status/creation).
  std::optional<k8s::time_point> cursor;
  /// Kept by the poller across cycles (ETags).
  github::github_cache* cache = nullptr;
  /// The controller's `--github-api-base-url` ("" = derived from the repository host).
  std::string github_api_base;
  k8s::time_point now;
};

using discovery_factory =
  std::function<kelos::expected<std::unique_ptr<sources::discovery>>(const discovery_input&)>;

/// Production factory: the GitHub, Jira or cron source of the spawner's `when`.
kelos::expected<std::unique_ptr<sources::discovery>> make_source_discovery(const discovery_input& in);

/// The API base the spawner's source talks to ("" for cron), used to pick the token
/// exchange endpoint of GitHub App credentials.
std::string source_api_base(const k8s::task_spawner& s, const std::string& workspace_repo,
                            const std::string& github_api_base);

/// Settings shared by the spawner actors of one controller.
struct spawner_context {
  /// Namespace scope ("" = all).
  std::string watch_namespace;
  /// `--github-api-base-url` ("" = from the repository host).
  std::string github_api_base;
  /// CA bundle for GitHub/Jira and the token exchange ("" = system roots).
  std::string source_ca_pem;
  /// Per-request bound of source HTTP.
  std::chrono::milliseconds source_timeout{std::chrono::seconds{30}};
  /// Clock, replaceable in tests.
  std::function<k8s::time_point()> now;
  /// Poll intervals are stretched by a random factor in [1 - jitter, 1 + jitter].
  double poll_jitter = 0.1;
  /// Backoff after failed discoveries: the interval doubled per failure, capped here.
  std::chrono::milliseconds error_backoff_max{std::chrono::hours{1}};
  /// Delay before retrying a failed (non-conflict) status write or a Task write.
  std::chrono::milliseconds write_retry{std::chrono::seconds{2}};
  /// GitHub App tokens are refreshed when they expire within this margin.
  std::chrono::seconds token_refresh_margin{std::chrono::minutes{10}};
  /// Makes each cycle's discovery (tests replace it).
  discovery_factory make_discovery = make_source_discovery;
  /// Makes each poller's fetcher (tests replace it).
  std::function<std::shared_ptr<source_fetcher>()> make_fetcher;
  /// GitHub App token exchange (blocking; run on a detached worker). Tests replace it.
  std::function<kelos::expected<github::installation_token>(const github::app_credentials&, const std::string& api_base)>
    exchange_token;
  /// Reconcile counts (`controller="taskspawner"`: one per cycle) and GitHub request
  /// metrics; may be null.
  std::shared_ptr<const metrics::controller_metrics> metrics;
  /// Work items held back by maxConcurrency, keyed by SPAWNER actor id
  /// (`kelos_tasks_waiting{reason="concurrency"}`).
  std::shared_ptr<metrics::waiting_counts> waiting = std::make_shared<metrics::waiting_counts>();

  k8s::time_point clock() const { return now ? now() : k8s::now(); }
};

/// Watch specs the supervisor subscribes to.
watch_spec taskspawners_spec(const spawner_context& ctx);
watch_spec spawned_tasks_spec(const spawner_context& ctx);
watch_spec spawner_workspaces_spec(const spawner_context& ctx);
watch_spec spawner_secrets_spec(const spawner_context& ctx);

} // namespace kelos::spawner

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kelos::spawner::source_credentials)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(kelos::spawner::discovery_outcome)
