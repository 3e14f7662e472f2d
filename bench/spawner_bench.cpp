// TaskSpawner controller against many GitHub repositories (bench/README.md, "TaskSpawner
// controller"; issue 6 §5).
//
// The embedded API server runs in this process (WAL in a temp dir) with the CRDs of
// deploy/crds. S fake GitHub APIs (tests/support/fake_github, one repository `bench/repo-NNN`
// each, I issues each, every tenth a pull request) run in this process behind one router on
// 127.0.0.1, which the real `kelos-controller` child process gets as --github-api-base-url.
// The router answers `/repos/bench/repo-NNN/...` with that repository's fake's pages (see
// --live), the fake's `Link` URLs rewritten to its own `/repos/...` form, and logs every
// request (time, repository, status, bytes, whether it carried If-None-Match).
//
// S TaskSpawners (one per repository, each with its own Workspace) poll every P seconds with
// `maxConcurrency` C (default 2), so discovery reads every issue while Task creation stays
// small (S x C Tasks; the Tasks never finish, as no kubelet runs their Jobs).
//
// Cycle 1 ends when every TaskSpawner has `status.lastDiscoveryTime`; cycle 2 (the repositories
// unchanged) when every one has a newer one. Requests are split into cycles per repository
// at each first-page request. Printed: requests, statuses and bytes per cycle; time per cycle
// (first request to last answer, and each spawner's discovery p50/max); controller VmRSS and
// VmHWM (/proc) idle, after cycle 1 and after cycle 2; controller CPU per cycle.
//
// Prints its figures; never asserts timings. Exits 1 when the controller dies or is not ready,
// a cycle does not complete within --timeout, the number of Tasks is not S x C, or the
// unchanged cycle has any answer other than 304 or any request without If-None-Match.
//
// Usage: spawner_bench [--spawners S] [--issues I] [--max-concurrency C] [--poll-interval P]
//          [--controller PATH] [--fsync on|off] [--timeout S] [--log-level L] [--keep] [--live]
// --live forwards every request to the fakes. By default the router first reads every page
// of every fake once (before the controller starts) and then answers by page number from
// that snapshot (200 with the fake's body, headers and ETag, or 304 for a matching
// If-None-Match, as the fake does): the repositories do not change during the run, and the
// fakes rebuild every issue's JSON for each page (-O0 in a Dev build), which would otherwise
// be most of the time per cycle.

#include "bench/apiserver_bench_common.hpp"
#include "bench/controller_process.hpp"
#include "k8s/apiserver/api_server.hpp"
#include "k8s/client/http_client.hpp"
#include "k8s/json.hpp"
#include "tests/support/fake_github.hpp"
#include "tests/support/loopback_server.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>

#ifndef KELOS_SOURCE_DIR
#error "KELOS_SOURCE_DIR must point at the repository root"
#endif
#ifndef KELOS_CONTROLLER_PATH
#define KELOS_CONTROLLER_PATH ""
#endif
#ifndef KELOS_BUILD_TYPE
#define KELOS_BUILD_TYPE "?"
#endif

namespace {

using kelos::bench::call;
using kelos::bench::fixed;
using kelos::bench::mib;
using kelos::bench::ms;
using kelos::bench::percentile;
using kelos::bench::steady_ns;
using kelos::bench::string_flag;
using kelos::k8s::json;
using namespace std::chrono_literals;

constexpr const char* ns = "bench-spawn";
constexpr const char* owner = "bench";
constexpr const char* secret_name = "bench-credentials";

std::string repo_name(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "repo-%03d", i);
  return buf;
}

// ---- the router in front of the fakes ----------------------------------------------------

struct logged_request {
  int64_t received_ns = 0;
  int64_t answered_ns = 0;
  int repo = -1;
  bool first_page = false;
  bool conditional = false;
  int status = 0;
  std::size_t bytes = 0;
};

/// The `page` query parameter of `target` (1 when absent).
int page_of(const std::string& target) {
  for (const char* key : {"?page=", "&page="})
    if (auto pos = target.find(key); pos != std::string::npos)
      return std::max(1, std::atoi(target.c_str() + pos + 6));
  return 1;
}

class router {
public:
  /// `live`: every request goes to the fake; otherwise pages are answered from `snapshot()`.
  router(std::vector<std::unique_ptr<kelos::test::fake_github>>& fakes, bool live) : fakes_(fakes), live_(live) {
    for (auto& f : fakes_)
      clients_.push_back(kelos::bench::loopback_client(f->port(), 4, "spawner-bench-router"));
    server_ = std::make_unique<kelos::test::loopback_server>(
      [this](const kelos::test::loopback_request& r) { return serve(r); });
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  bool ok() const {
    return std::all_of(clients_.begin(), clients_.end(), [](const auto& c) { return c != nullptr; });
  }
  std::vector<logged_request> log() const {
    std::lock_guard lock{mu_};
    return log_;
  }

  /// Reads every page of open issues of every fake once (what the spawners will ask for:
  /// `state=open`, 100 per page), following the fake's `Link` headers; the error string is
  /// empty on success. Pages are then answered by page number, with 304 for their ETag.
  std::string snapshot() {
    for (int repo = 0; repo < static_cast<int>(fakes_.size()); ++repo) {
      std::string target = "/repos/" + std::string{owner} + "/" + repo_name(repo) + "/issues?state=open&per_page=100";
      while (!target.empty()) {
        auto page = fetch(repo, target, {});
        if (page.status != 200)
          return "snapshot of " + target + ": HTTP " + std::to_string(page.status) + " " + page.body.substr(0, 200);
        std::string next;
        for (const auto& [k, v] : page.headers)
          if (kelos::k8s::header_name_equal(k, "Link"))
            if (auto end = v.find(">; rel=\"next\""); end != std::string::npos) {
              auto start = v.rfind('<', end);
              next = v.substr(start + 1 + base_url().size(), end - start - 1 - base_url().size());
            }
        pages_[{repo, page_of(target)}] = std::move(page);
        target = next;
      }
    }
    return {};
  }
  std::size_t snapshot_pages() const { return pages_.size(); }

private:
  kelos::test::loopback_response not_found() {
    kelos::test::loopback_response out;
    out.status = 404;
    out.body = R"({"message":"Not Found"})";
    return out;
  }

  kelos::test::loopback_response serve(const kelos::test::loopback_request& r) {
    logged_request entry;
    entry.received_ns = steady_ns();
    const std::string inm = r.header("If-None-Match");
    entry.conditional = !inm.empty();
    const std::string prefix = std::string{"/repos/"} + owner + "/repo-";
    const int repo = r.target.rfind(prefix, 0) == 0 ? std::atoi(r.target.c_str() + prefix.size()) : -1;
    if (repo < 0 || repo >= static_cast<int>(fakes_.size()))
      return record(entry, not_found());
    entry.repo = repo;
    const std::string path = r.target.substr(0, r.target.find('?'));
    const bool issues = path.size() >= 7 && path.compare(path.size() - 7, 7, "/issues") == 0;
    entry.first_page = issues && page_of(r.target) == 1;
    if (live_ || !issues)
      return record(entry, fetch(repo, r.target, r.headers));
    auto it = pages_.find({repo, page_of(r.target)});
    if (it == pages_.end())
      return record(entry, not_found());
    std::string etag;
    for (const auto& [k, v] : it->second.headers)
      if (kelos::k8s::header_name_equal(k, "ETag"))
        etag = v;
    if (!etag.empty() && inm == etag) { // as the fake answers a matching If-None-Match
      kelos::test::loopback_response nm;
      nm.status = 304;
      nm.headers = {{"ETag", etag}, {"Cache-Control", "private, max-age=60, s-maxage=60"}};
      return record(entry, std::move(nm));
    }
    return record(entry, it->second);
  }

  /// `target` from the fake of `repo`, its `Link` URLs rewritten to this router.
  kelos::test::loopback_response fetch(int repo, const std::string& target,
                                       const std::vector<std::pair<std::string, std::string>>& headers) {
    kelos::test::loopback_response out;
    kelos::k8s::http_request req;
    req.method = "GET";
    req.path = target; // the query is already encoded: passed through as it is
    for (const auto& [k, v] : headers)
      if (kelos::k8s::header_name_equal(k, "If-None-Match") || kelos::k8s::header_name_equal(k, "Accept") ||
          kelos::k8s::header_name_equal(k, "Authorization") ||
          kelos::k8s::header_name_equal(k, "X-GitHub-Api-Version"))
        req.headers.emplace_back(k, v);
    auto resp = clients_[static_cast<std::size_t>(repo)]->send_sync(std::move(req), 30s);
    if (!resp) {
      out.status = 502;
      out.body = R"({"message":"bench router: )" + resp.error().message + "\"}";
      return out;
    }
    out.status = resp->status;
    out.body = std::move(resp->body);
    const std::string fake_prefix = fakes_[static_cast<std::size_t>(repo)]->base_url() + "/repositories/1296269";
    const std::string own_prefix = base_url() + "/repos/" + owner + "/" + repo_name(repo);
    for (auto& [k, v] : resp->headers) {
      if (kelos::k8s::header_name_equal(k, "Content-Length") || kelos::k8s::header_name_equal(k, "Connection") ||
          kelos::k8s::header_name_equal(k, "Transfer-Encoding") || kelos::k8s::header_name_equal(k, "Keep-Alive"))
        continue;
      std::string value = v;
      if (kelos::k8s::header_name_equal(k, "Link"))
        for (auto pos = value.find(fake_prefix); pos != std::string::npos; pos = value.find(fake_prefix, pos))
          value.replace(pos, fake_prefix.size(), own_prefix), pos += own_prefix.size();
      out.headers.emplace_back(k, std::move(value));
    }
    return out;
  }

  kelos::test::loopback_response record(logged_request entry, kelos::test::loopback_response out) {
    entry.answered_ns = steady_ns();
    entry.status = out.status;
    entry.bytes = out.body.size();
    std::lock_guard lock{mu_};
    log_.push_back(entry);
    return out;
  }

  std::vector<std::unique_ptr<kelos::test::fake_github>>& fakes_;
  const bool live_;
  std::vector<std::unique_ptr<kelos::k8s::http_client>> clients_;
  /// (repository, page) -> the fake's answer; written before the controller starts, then read only.
  std::map<std::pair<int, int>, kelos::test::loopback_response> pages_;
  mutable std::mutex mu_;
  std::vector<logged_request> log_;
  std::unique_ptr<kelos::test::loopback_server> server_;
};

// ---- the cluster ---------------------------------------------------------------------------

/// CRDs, the namespace, the credentials Secret, and per repository a Workspace and a
/// TaskSpawner.
std::string set_up_cluster(kelos::k8s::http_client& client, int spawners, int max_concurrency,
                           const std::string& poll_interval) {
  if (auto e = kelos::bench::install_kelos_crds(client, KELOS_SOURCE_DIR); !e.empty())
    return e;
  json namespace_ = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}};
  if (auto e = call(client, "POST", "/api/v1/namespaces", namespace_.dump(), 201); !e.empty())
    return e;
  json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", {{"name", secret_name}}},
                 {"stringData", {{"ANTHROPIC_API_KEY", "sk-bench-not-a-key"}}}};
  const std::string base = std::string{"/namespaces/"} + ns;
  if (auto e = call(client, "POST", "/api/v1" + base + "/secrets", secret.dump(), 201); !e.empty())
    return e;
  for (int i = 0; i < spawners; ++i) {
    const std::string name = repo_name(i);
    json ws = {{"apiVersion", "kelos.dev/v1alpha1"},
               {"kind", "Workspace"},
               {"metadata", {{"name", name}}},
               {"spec", {{"repo", std::string{"https://github.com/"} + owner + "/" + name + ".git"}, {"ref", "main"}}}};
    if (auto e = call(client, "POST", "/apis/kelos.dev/v1alpha1" + base + "/workspaces", ws.dump(), 201); !e.empty())
      return e;
    json ts = {{"apiVersion", "kelos.dev/v1alpha1"},
               {"kind", "TaskSpawner"},
               {"metadata", {{"name", name}}},
               {"spec",
                {{"when", {{"githubIssues", {{"state", "open"}}}}},
                 {"pollInterval", poll_interval},
                 {"maxConcurrency", max_concurrency},
                 {"taskTemplate",
                  {{"type", "claude-code"},
                   {"credentials", {{"type", "api-key"}, {"secretRef", {{"name", secret_name}}}}},
                   {"workspaceRef", {{"name", name}}},
                   {"promptTemplate", "Fix issue #{{.Number}}: {{.Title}}\n\n{{.Body}}"}}}}}};
    if (auto e = call(client, "POST", "/apis/kelos.dev/v1alpha1" + base + "/taskspawners", ts.dump(), 201); !e.empty())
      return e;
  }
  return {};
}

/// Each TaskSpawner's status.lastDiscoveryTime ("" when absent), plus the Task count.
struct cluster_view {
  std::map<std::string, std::string> last_discovery;
  std::map<std::string, std::string> messages;
  long long tasks = 0;
  bool ok = false;
};

cluster_view observe(kelos::k8s::http_client& client) {
  cluster_view v;
  std::string body;
  if (!call(client, "GET", std::string{"/apis/kelos.dev/v1alpha1/namespaces/"} + ns + "/taskspawners", {}, 200, &body)
         .empty())
    return v;
  auto list = json::parse(body, nullptr, false);
  if (list.is_discarded())
    return v;
  for (const auto& s : list.value("items", json::array())) {
    const std::string name = s["metadata"].value("name", "");
    const json status = s.value("status", json::object());
    v.last_discovery[name] = status.value("lastDiscoveryTime", "");
    v.messages[name] = status.value("message", "");
  }
  if (!call(client, "GET", std::string{"/apis/kelos.dev/v1alpha1/namespaces/"} + ns + "/tasks", {}, 200, &body)
         .empty())
    return v;
  auto tasks = json::parse(body, nullptr, false);
  if (tasks.is_discarded())
    return v;
  v.tasks = static_cast<long long>(tasks.value("items", json::array()).size());
  v.ok = true;
  return v;
}

// ---- cycles -------------------------------------------------------------------------------

struct cycle_figures {
  long long requests = 0, ok_200 = 0, not_modified = 0, other = 0, unconditional = 0;
  std::size_t bytes = 0;
  int repos = 0;
  int64_t first_ns = INT64_MAX, last_ns = 0;
  std::vector<int64_t> per_repo_ns;
  /// Each request's time in the router and the fake (received -> answered).
  std::vector<int64_t> fake_ns;
};

/// The requests of cycle `n` (1-based): per repository, the run starting at its n-th
/// first-page request.
cycle_figures cycle_of(const std::vector<logged_request>& log, int repos, int n) {
  cycle_figures f;
  for (int r = 0; r < repos; ++r) {
    int run = 0;
    int64_t first = 0, last = 0;
    for (const auto& e : log) {
      if (e.repo != r)
        continue;
      if (e.first_page)
        ++run;
      if (run != n)
        continue;
      if (first == 0)
        first = e.received_ns;
      last = e.answered_ns;
      f.fake_ns.push_back(e.answered_ns - e.received_ns);
      ++f.requests;
      f.bytes += e.bytes;
      if (e.status == 200)
        ++f.ok_200;
      else if (e.status == 304)
        ++f.not_modified;
      else
        ++f.other;
      if (!e.conditional)
        ++f.unconditional;
    }
    if (first != 0) {
      ++f.repos;
      f.first_ns = std::min(f.first_ns, first);
      f.last_ns = std::max(f.last_ns, last);
      f.per_repo_ns.push_back(last - first);
    }
  }
  return f;
}

void print_cycle(const std::string& title, cycle_figures f, double controller_cpu,
                 const kelos::bench::proc_memory& mem) {
  int64_t fake_total = 0;
  for (auto d : f.fake_ns)
    fake_total += d;
  const double span = f.last_ns > f.first_ns ? static_cast<double>(f.last_ns - f.first_ns) / 1e9 : 0;
  std::cout << "\n--- " << title << " ---\n"
            << "repositories polled: " << f.repos << "; requests: " << f.requests << " (" << f.ok_200 << " x 200, "
            << f.not_modified << " x 304, " << f.other << " other; " << (f.requests - f.unconditional)
            << " with If-None-Match); bytes served: " << fixed(static_cast<double>(f.bytes) / 1048576.0, 1)
            << " MiB\n"
            << "requests per spawner: " << fixed(f.repos ? static_cast<double>(f.requests) / f.repos : 0, 1)
            << "; first request -> last answer: " << fixed(span, 2) << " s; one spawner's discovery p50 "
            << fixed(ms(percentile(f.per_repo_ns, 0.5)), 0) << " ms, max "
            << fixed(ms(f.per_repo_ns.empty() ? 0 : f.per_repo_ns.back()), 0) << " ms\n"
            << "time in the router (and the fake with --live) per request, received -> answered: p50 "
            << fixed(ms(percentile(f.fake_ns, 0.5)), 1) << " ms, p99 " << fixed(ms(percentile(f.fake_ns, 0.99)), 1)
            << " ms, sum " << fixed(ms(fake_total) / 1000.0, 1) << " s\n"
            << "controller: CPU " << fixed(controller_cpu, 2) << " s this cycle; VmRSS " << fixed(mib(mem.rss_kib))
            << " MiB, VmHWM " << fixed(mib(mem.hwm_kib)) << " MiB\n";
}

} // namespace

int main(int argc, char** argv) {
  kelos::bench::args a(argc, argv);
  const int spawners = static_cast<int>(a.num("--spawners", 100));
  const int issues = static_cast<int>(a.num("--issues", 1000));
  const int max_concurrency = static_cast<int>(a.num("--max-concurrency", 2));
  const long long poll_s = a.num("--poll-interval", 60);
  const long long timeout_s = a.num("--timeout", 600);
  const std::string controller = string_flag(argc, argv, "--controller", KELOS_CONTROLLER_PATH);
  const std::string fsync_flag = string_flag(argc, argv, "--fsync", "on");
  const std::string log_level = string_flag(argc, argv, "--log-level", "info");
  const bool keep = a.has_flag("--keep");
  const bool live = a.has_flag("--live");
  if (spawners < 1 || spawners > 999 || issues < 1 || max_concurrency < 1 || poll_s < 1 || timeout_s < 1 ||
      controller.empty() || (fsync_flag != "on" && fsync_flag != "off")) {
    std::cerr << "usage: spawner_bench [--spawners S (1-999)] [--issues I] [--max-concurrency C] [--poll-interval P]\n"
                 "         [--controller PATH] [--fsync on|off] [--timeout S] [--log-level L] [--keep] [--live]\n";
    return 2;
  }
  if (::access(controller.c_str(), X_OK) != 0) {
    std::cerr << "controller binary " << controller << " is not executable: " << std::strerror(errno) << "\n";
    return 2;
  }
  kelos::bench::kill_controller_on_exit();

  const std::string dir =
    kelos::bench::make_temp_dir(std::filesystem::temp_directory_path().string(), "kelos-spawner-bench-");
  if (dir.empty()) {
    std::cerr << "cannot create a temp dir\n";
    return 2;
  }
  int exit_code = 0;
  auto fail = [&](const std::string& what) {
    std::cerr << "FAILED: " << what << "\n";
    exit_code = 1;
  };
  const std::string log_path = dir + "/controller.log";

  // The fakes: every tenth item a pull request (the spawner asks for issues only).
  const int64_t fill_start = steady_ns();
  std::vector<std::unique_ptr<kelos::test::fake_github>> fakes;
  for (int r = 0; r < spawners; ++r) {
    fakes.push_back(std::make_unique<kelos::test::fake_github>(owner, repo_name(r)));
    for (int i = 1; i <= issues; ++i) {
      kelos::test::fake_issue is;
      is.number = i;
      is.title = "Issue " + std::to_string(i) + " of " + repo_name(r);
      is.body = "Steps to reproduce issue " + std::to_string(i) + ":\n1. run it\n2. see it fail\n";
      is.labels = {i % 3 == 0 ? "bug" : "enhancement"};
      is.pull_request = i % 10 == 0;
      fakes.back()->upsert_issue(std::move(is));
    }
  }
  router gh{fakes, live};
  if (!gh.ok())
    return 1;
  const double fill_s = static_cast<double>(steady_ns() - fill_start) / 1e9;
  const int64_t snapshot_start = steady_ns();
  if (!live)
    if (auto e = gh.snapshot(); !e.empty()) {
      std::cerr << "FAILED: " << e << "\n";
      return 1;
    }
  const double snapshot_s = static_cast<double>(steady_ns() - snapshot_start) / 1e9;

  kelos::apiserver::api_server_config cfg;
  cfg.data_dir = dir + "/data";
  cfg.fsync = fsync_flag == "on";
  auto server = kelos::apiserver::api_server::start(cfg);
  if (!server) {
    std::cerr << "server start failed: " << server.error().render() << "\n";
    return 1;
  }
  auto client = kelos::bench::loopback_client((*server)->port(), 4, "spawner-bench");
  if (!client)
    return 1;
  const std::string poll_interval = std::to_string(poll_s) + "s";
  if (auto e = set_up_cluster(*client, spawners, max_concurrency, poll_interval); !e.empty()) {
    std::cerr << "setup: " << e << "\n";
    return 1;
  }
  const std::string kubeconfig = dir + "/kubeconfig";
  if (auto w = (*server)->write_kubeconfig(kubeconfig); !w) {
    std::cerr << "kubeconfig: " << w.error().render() << "\n";
    return 1;
  }

  const uint16_t metrics_port = kelos::bench::free_port();
  const uint16_t health_port = kelos::bench::free_port();
  std::vector<std::string> cargv{controller,
                                 "--kubeconfig",
                                 kubeconfig,
                                 "--metrics-bind-address",
                                 "127.0.0.1:" + std::to_string(metrics_port),
                                 "--health-probe-bind-address",
                                 "127.0.0.1:" + std::to_string(health_port),
                                 "--github-api-base-url",
                                 gh.base_url(),
                                 "--log-level",
                                 log_level};
  std::string cmdline;
  for (std::size_t i = 1; i < cargv.size(); ++i)
    cmdline += " " + cargv[i];
  std::cout << "spawner_bench: spawners=" << spawners << " issues=" << issues << " (every tenth a PR)"
            << " maxConcurrency=" << max_concurrency << " pollInterval=" << poll_interval << " fsync=" << fsync_flag
            << " bench_build=" << KELOS_BUILD_TYPE << "\n"
            << "fakes filled in " << fixed(fill_s, 1) << " s; router " << gh.base_url()
            << (live ? std::string{" forwards every request to the fakes (--live)"}
                     : "; snapshot of " + std::to_string(gh.snapshot_pages()) + " pages taken from the fakes in " +
                         fixed(snapshot_s, 1) + " s, served by page number")
            << "\n"
            << "controller: " << controller << cmdline << "\n"
            << "load average before: " << kelos::bench::load_average() << "\n";

  std::string spawn_err;
  pid_t pid = kelos::bench::spawn_process(cargv, log_path, spawn_err);
  if (pid < 0) {
    std::cerr << "starting the controller: " << spawn_err << "\n";
    return 1;
  }
  kelos::bench::g_controller.store(pid);
  int child_status = 0;
  bool died = false;
  if (!kelos::bench::wait_until_ready(pid, health_port, child_status, died)) {
    fail(died ? "the controller " + kelos::bench::describe_wait_status(child_status) + " before it was ready"
              : "the controller's /readyz did not answer 200 within 60 s");
    std::cerr << "controller log (" << log_path << "), last lines:\n" << kelos::bench::tail_of(log_path, 20);
    kelos::bench::stop_controller(5s);
    return exit_code;
  }
  const auto idle_mem = kelos::bench::read_proc_memory(pid);
  const double cpu0 = kelos::bench::proc_cpu_seconds(pid);
  std::cout << "controller ready: VmRSS " << fixed(mib(idle_mem.rss_kib)) << " MiB\n";

  // Waits until every spawner's lastDiscoveryTime differs from `before` (non-empty).
  cluster_view view;
  auto wait_cycle = [&](const std::map<std::string, std::string>& before) {
    return kelos::bench::wait_for(
      [&] {
        if (!kelos::bench::still_running(pid, &child_status)) {
          died = true;
          kelos::bench::g_controller.store(0);
          return true;
        }
        std::this_thread::sleep_for(200ms);
        view = observe(*client);
        if (!view.ok || static_cast<int>(view.last_discovery.size()) != spawners)
          return false;
        for (const auto& [name, t] : view.last_discovery) {
          auto it = before.find(name);
          if (t.empty() || (it != before.end() && it->second == t))
            return false;
        }
        return true;
      },
      std::chrono::seconds{timeout_s});
  };

  const bool cycle1 = wait_cycle({}) && !died;
  // Let the creates of cycle 1 land before reading the figures.
  if (cycle1)
    kelos::bench::wait_for([&] { return (view = observe(*client)).tasks >= spawners * max_concurrency; }, 30s);
  const auto mem1 = kelos::bench::read_proc_memory(pid);
  const double cpu1 = kelos::bench::proc_cpu_seconds(pid);
  const auto after1 = view;
  bool cycle2 = false;
  if (cycle1)
    cycle2 = wait_cycle(after1.last_discovery) && !died;
  const auto mem2 = died ? kelos::bench::proc_memory{} : kelos::bench::read_proc_memory(pid);
  const double cpu2 = died ? cpu1 : kelos::bench::proc_cpu_seconds(pid);
  const std::string stopped =
    died ? "the controller " + kelos::bench::describe_wait_status(child_status) : kelos::bench::stop_controller(15s);

  const auto log = gh.log();
  const auto c1 = cycle_of(log, spawners, 1);
  const auto c2 = cycle_of(log, spawners, 2);
  print_cycle("cycle 1 (every spawner's first discovery; creates " + std::to_string(after1.tasks) + " Tasks)", c1,
              cpu1 - cpu0, mem1);
  if (cycle2)
    print_cycle("cycle 2 (repositories unchanged)", c2, cpu2 - cpu1, mem2);
  std::cout << "\ncontroller stop: " << stopped << "\nload average after: " << kelos::bench::load_average() << "\n";

  if (died)
    fail("the controller " + kelos::bench::describe_wait_status(child_status) + " during the run");
  else if (!cycle1 || !cycle2)
    fail(std::string{"cycle "} + (cycle1 ? "2" : "1") + " did not complete within " + std::to_string(timeout_s) + " s");
  if (cycle1 && after1.tasks != static_cast<long long>(spawners) * max_concurrency)
    fail("expected " + std::to_string(spawners * max_concurrency) + " Tasks after cycle 1, found " +
         std::to_string(after1.tasks));
  if (cycle2 && (c2.not_modified != c2.requests || c2.unconditional != 0 || c2.requests != c1.requests))
    fail("the unchanged cycle was not only conditional requests answered 304 (same count as cycle 1)");
  for (const auto& [name, message] : view.messages)
    if (message.rfind("Discovered", 0) != 0) {
      fail("TaskSpawner " + name + ": " + message);
      break;
    }
  if (exit_code != 0)
    std::cerr << "controller log (" << log_path << "), last lines:\n" << kelos::bench::tail_of(log_path, 20);
  client.reset();
  server->reset();
  if (keep) {
    std::cout << "kept " << dir << " (controller.log, data/)\n";
  } else {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return exit_code;
}
