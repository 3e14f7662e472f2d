// Task controller throughput, Task→Job latency and controller memory (bench/README.md,
// "Task controller"; issue 4 §4).
//
// The embedded API server runs in this process (WAL in a temp dir, fsync on or off) with the
// CRDs of deploy/crds installed. The real `kelos-controller` binary runs as a child process
// against it (--kubeconfig, metrics and health on free 127.0.0.1 ports); the clock starts
// once its /readyz answers 200.
//
// 1. Controller run (namespace bench-ctl, with the credentials Secret): C threads POST N
//    Tasks through one `k8s::http_client` (C pooled keep-alive connections), recording each
//    create reply; a store change hook records when each Job is committed (its ADDED event).
//    Latency = Job ADDED − Task create reply; throughput = N / (last Job − first create sent).
//    Controller RSS (VmRSS, VmHWM of /proc/<pid>/status) is read once every Job exists and
//    again once every Task's status is written and the controller's CPU is quiet.
// 2. The controller is stopped (SIGTERM). Baseline (namespace bench-base, no controller):
//    the same C threads POST each Task and then its Job (the Job the controller's builder
//    makes for such a Task, owner UID from the Task reply): the controller's two essential
//    writes. Ratio = controller throughput / baseline throughput.
//
// Prints its figures; never asserts timings. Exits 1 on any failed write, a missing Job or a
// controller that dies or does not become ready; every wait is bounded and the controller is
// killed on every exit path (SIGTERM/SIGINT/SIGHUP, atexit, and PR_SET_PDEATHSIG).
//
// Usage: task_controller_bench [--tasks N] [--connections C] [--controller PATH]
//          [--fsync on|off] [--rate TASKS_PER_S] [--timeout S] [--kube-api-qps Q]
//          [--log-level L] [--keep] [--hold S] [--watch-batch-us U]
// --rate paces the controller run's creates (the baseline is never paced), to see the
// latency of a controller that keeps up; unpaced, every Task waits behind the backlog.
// --kube-api-qps is passed to the controller (0 disables its limit; absent: its default).
// --hold keeps the finished controller running S more seconds (for gdb or /proc).
// --watch-batch-us sets the server's `watch_batch_interval` (absent: its default).

#include "actors/task/job_builder.hpp"
#include "bench/apiserver_bench_common.hpp"
#include "bench/controller_process.hpp"
#include "k8s/apiserver/api_server.hpp"
#include "k8s/apiserver/content.hpp"
#include "k8s/apiserver/object_store.hpp"
#include "k8s/client/http_client.hpp"
#include "k8s/kelos_types.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

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

using namespace kelos::bench; // controller_process.hpp: the child process, /proc, HTTP helpers
using kelos::bench::ms;
using kelos::bench::percentile;
using kelos::bench::steady_ns;
using kelos::k8s::json;
using namespace std::chrono_literals;

constexpr const char* controller_ns = "bench-ctl";
constexpr const char* baseline_ns = "bench-base";
constexpr const char* secret_name = "claude-credentials";
// Stands for the Task name and UID in the baseline's Job template; replaced per Task.
constexpr const char* name_placeholder = "kelos-bench-name-placeholder";
constexpr const char* uid_placeholder = "00000000-kelos-bench-uid-placeholder";

// ---- HTTP -------------------------------------------------------------------------------

std::unique_ptr<kelos::k8s::http_client> make_client(uint16_t port, std::size_t connections) {
  kelos::k8s::transport_config tc;
  tc.scheme = "http";
  tc.host = "127.0.0.1";
  tc.port = port;
  tc.user_agent = "task-controller-bench";
  tc.max_idle_connections = connections;
  tc.io_threads = 2;
  tc.total_timeout = 30s;
  auto c = kelos::k8s::http_client::make(tc);
  if (!c) {
    std::cerr << "http client: " << c.error().render() << "\n";
    return nullptr;
  }
  return std::move(*c);
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in{p};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// CRDs from deploy/crds, the two namespaces and the credentials Secret.
std::string set_up_cluster(kelos::k8s::http_client& client) {
  for (const char* crd : {"tasks", "workspaces", "agentconfigs", "taskspawners"}) {
    auto path = std::filesystem::path{KELOS_SOURCE_DIR} / "deploy/crds" / (std::string{crd} + ".kelos.dev.yaml");
    auto doc = kelos::apiserver::yaml_to_json(read_text(path));
    if (!doc)
      return path.string() + ": " + doc.error().render();
    if (auto e = call(client, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", doc->dump(), 201);
        !e.empty())
      return "installing the " + std::string{crd} + " CRD: " + e;
  }
  std::string last;
  if (!wait_for([&] { return (last = call(client, "GET", "/apis/kelos.dev/v1alpha1/tasks", {}, 200)).empty(); }, 30s))
    return "the Task CRD was not served within 30 s: " + last;
  for (const char* ns : {controller_ns, baseline_ns}) {
    json body = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}};
    if (auto e = call(client, "POST", "/api/v1/namespaces", body.dump(), 201); !e.empty())
      return e;
  }
  json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", {{"name", secret_name}}},
                 {"stringData", {{"ANTHROPIC_API_KEY", "sk-bench-not-a-key"}}}};
  for (const char* ns : {controller_ns, baseline_ns})
    if (auto e = call(client, "POST", std::string("/api/v1/namespaces/") + ns + "/secrets", secret.dump(), 201);
        !e.empty())
      return e;
  return {};
}

// ---- load -------------------------------------------------------------------------------

std::string task_name(long long i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "task-%06lld", i);
  return buf;
}

/// Index of "task-000123", or -1.
long long task_index(const std::string& name) {
  if (name.rfind("task-", 0) != 0)
    return -1;
  char* end = nullptr;
  long long v = std::strtoll(name.c_str() + 5, &end, 10);
  return end && *end == '\0' ? v : -1;
}

/// The Task every run creates (the integration tests' api-key Task), about 300 bytes.
json task_object(const std::string& name, const std::string& ns) {
  return {{"apiVersion", "kelos.dev/v1alpha1"},
          {"kind", "Task"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"type", "claude-code"},
            {"prompt", "Benchmark task " + name + ": say hello"},
            {"credentials", {{"type", "api-key"}, {"secretRef", {{"name", secret_name}}}}}}}};
}

/// The Job the controller builds for such a Task, with the name and UID as placeholders.
kelos::expected<std::string> job_template(const std::string& ns) {
  json t = task_object(name_placeholder, ns);
  t["metadata"]["uid"] = uid_placeholder;
  auto decoded = kelos::k8s::decode_task(t);
  if (!decoded)
    return decoded.error();
  kelos::task::job_inputs in;
  in.task = &*decoded;
  in.prompt = decoded->spec.prompt;
  auto job = kelos::task::build_job(in, kelos::task::default_job_builder_config());
  if (!job)
    return job.error();
  return job->dump();
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

/// `"uid":"..."` of a create reply (the server writes metadata.uid once), or "".
std::string uid_of(const std::string& reply) {
  static constexpr std::string_view key = R"("uid":")";
  auto pos = reply.find(key);
  if (pos == std::string::npos)
    return {};
  pos += key.size();
  auto end = reply.find('"', pos);
  return end == std::string::npos ? std::string{} : reply.substr(pos, end - pos);
}

struct load_result {
  std::vector<int64_t> task_sent_ns;  // per Task index
  std::vector<int64_t> task_reply_ns; // per Task index; 0 = failed
  std::vector<int64_t> job_reply_ns;  // baseline only
  std::vector<int64_t> task_create_latency_ns;
  std::atomic<long long> failed{0};
  std::mutex mu;
  std::string first_error;
  std::atomic<bool> abort{false};

  explicit load_result(long long n)
      : task_sent_ns(static_cast<std::size_t>(n)), task_reply_ns(static_cast<std::size_t>(n)),
        job_reply_ns(static_cast<std::size_t>(n)) {}

  void fail(const std::string& what) {
    std::lock_guard lock{mu};
    if (first_error.empty())
      first_error = what;
    if (++failed >= 10)
      abort = true; // a broken server would otherwise cost 30 s per remaining request
  }
};

/// C threads; thread t creates Tasks t, t+C, ... (so index order follows time order). With
/// a non-empty `job_tmpl`, each Task's Job follows on the same connection. `rate` > 0 paces
/// the creates: Task i is sent no earlier than i / rate seconds after the start.
void run_load(kelos::k8s::http_client& client, const std::string& ns, long long n, int connections,
              const std::string& job_tmpl, double rate, load_result& out) {
  const std::string tasks_path = "/apis/kelos.dev/v1alpha1/namespaces/" + ns + "/tasks";
  const std::string jobs_path = "/apis/batch/v1/namespaces/" + ns + "/jobs";
  std::vector<std::vector<int64_t>> lat(static_cast<std::size_t>(connections));
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int c = 0; c < connections; ++c)
    threads.emplace_back([&, c] {
      auto& my_lat = lat[static_cast<std::size_t>(c)];
      for (long long i = c; i < n && !out.abort; i += connections) {
        auto idx = static_cast<std::size_t>(i);
        if (rate > 0)
          std::this_thread::sleep_until(start + std::chrono::nanoseconds{static_cast<int64_t>(1e9 * static_cast<double>(i) / rate)});
        const std::string name = task_name(i);
        std::string body = task_object(name, ns).dump();
        std::string reply;
        out.task_sent_ns[idx] = steady_ns();
        if (auto e = call(client, "POST", tasks_path, std::move(body), 201, &reply); !e.empty()) {
          out.fail("creating Task " + name + ": " + e);
          continue;
        }
        out.task_reply_ns[idx] = steady_ns();
        my_lat.push_back(out.task_reply_ns[idx] - out.task_sent_ns[idx]);
        if (job_tmpl.empty())
          continue;
        std::string job = job_tmpl;
        replace_all(job, name_placeholder, name);
        replace_all(job, uid_placeholder, uid_of(reply));
        if (auto e = call(client, "POST", jobs_path, std::move(job), 201); !e.empty()) {
          out.fail("creating Job " + name + ": " + e);
          continue;
        }
        out.job_reply_ns[idx] = steady_ns();
      }
    });
  for (auto& t : threads)
    t.join();
  for (auto& l : lat)
    out.task_create_latency_ns.insert(out.task_create_latency_ns.end(), l.begin(), l.end());
}

/// Records when each Job "task-NNNNNN" of `ns` is committed, through a store change hook.
/// The hook runs in the committing thread right after the commit, where the store also
/// queues the Job's watch event, so the measurement wakes no thread of its own and adds no
/// watcher to the run it measures (the baseline has none either).
struct job_recorder {
  struct state {
    std::string ns;
    std::mutex mu; // uncontended while recording; orders a late hook against `stop`
    std::vector<int64_t> added_ns;
    std::atomic<long long> seen{0};
    bool active = true;
  };
  std::shared_ptr<state> st = std::make_shared<state>();

  void start(kelos::apiserver::object_store& store, const std::string& ns, long long n) {
    st->ns = ns;
    st->added_ns.assign(static_cast<std::size_t>(n), 0);
    // Hooks run one at a time (the store serialises them), in commit order.
    store.add_change_hook([st = st, n](const kelos::k8s::resource_info& res, const kelos::apiserver::watch_event& ev) {
      if (ev.type != kelos::apiserver::watch_event_type::added || !ev.object || res.group != "batch" ||
          res.plural != "jobs")
        return;
      const int64_t now = steady_ns();
      const json* meta = kelos::k8s::find_path(*ev.object, "metadata");
      if (!meta || kelos::k8s::get_string(*meta, "namespace") != st->ns)
        return;
      auto i = task_index(kelos::k8s::get_string(*meta, "name"));
      std::lock_guard<std::mutex> guard(st->mu);
      if (st->active && i >= 0 && i < n && st->added_ns[static_cast<std::size_t>(i)] == 0) {
        st->added_ns[static_cast<std::size_t>(i)] = now;
        st->seen.fetch_add(1);
      }
    });
  }
  long long seen() const { return st->seen.load(); }
  /// Ends the recording: later commits are ignored. Returns the commit time of each Job
  /// (0: not seen).
  std::vector<int64_t> stop() {
    std::lock_guard<std::mutex> guard(st->mu);
    st->active = false;
    return st->added_ns;
  }
};

struct latency_summary {
  int64_t p50 = 0, p99 = 0, max = 0;
  long long count = 0;
};

latency_summary summarize(std::vector<int64_t> v) {
  latency_summary s;
  s.count = static_cast<long long>(v.size());
  s.p50 = percentile(v, 0.50);
  s.p99 = percentile(v, 0.99);
  s.max = v.empty() ? 0 : v.back(); // sorted by percentile()
  return s;
}

/// JSON bytes of the stored Task `name` and of its Job (what the controller's caches hold).
std::pair<std::size_t, std::size_t> stored_sizes(kelos::apiserver::object_store& store, const std::string& ns,
                                                 const std::string& name) {
  static const auto registry = kelos::k8s::resource_registry::with_builtins();
  std::size_t task = 0, job = 0;
  if (auto t = store.get(*registry.by_kind("kelos.dev/v1alpha1", "Task"), ns, name))
    task = t.value()->dump().size();
  if (auto j = store.get(*registry.by_kind("batch/v1", "Job"), ns, name))
    job = j.value()->dump().size();
  return {task, job};
}

/// "R WAL records, S fdatasyncs (R/S per sync), C compactions" between two readings.
std::string wal_figures(const kelos::apiserver::durability_stats& from, const kelos::apiserver::durability_stats& to) {
  const auto records = to.records - from.records;
  const auto syncs = to.syncs - from.syncs;
  std::ostringstream out;
  out << records << " WAL records, " << syncs << " fdatasyncs";
  if (syncs > 0)
    out << " (" << fixed(static_cast<double>(records) / static_cast<double>(syncs), 1) << " records per sync)";
  out << ", " << (to.compactions - from.compactions) << " compactions";
  return out.str();
}

/// Counts Tasks in `ns` whose status names their Job, and Events in `ns`.
std::pair<long long, long long> count_status_and_events(kelos::apiserver::object_store& store, const std::string& ns) {
  static const auto registry = kelos::k8s::resource_registry::with_builtins();
  long long with_job = 0, events = 0;
  if (auto tasks = registry.by_kind("kelos.dev/v1alpha1", "Task")) {
    if (auto l = store.list(*tasks, ns))
      for (const auto& t : l.value().items)
        if (!kelos::k8s::get_string(t->value("status", json::object()), "jobName").empty())
          ++with_job;
  }
  if (auto ev = registry.by_kind("v1", "Event"))
    if (auto l = store.list(*ev, ns))
      events = static_cast<long long>(l.value().items.size());
  return {with_job, events};
}

/// Waits until every Task has status.jobName and the controller used under 20 ms of CPU in
/// the last second (the Event count is reported, not waited for).
bool wait_until_settled(pid_t pid, kelos::apiserver::object_store& store, long long n, std::chrono::seconds limit) {
  double prev = proc_cpu_seconds(pid);
  return wait_for(
    [&] {
      std::this_thread::sleep_for(1s);
      double now = proc_cpu_seconds(pid);
      bool quiet = now - prev < 0.02;
      prev = now;
      return quiet && count_status_and_events(store, controller_ns).first == n;
    },
    limit);
}

/// The baseline: POST each Task, then its Job, on `connections` threads; prints its block
/// and returns Tasks/s (0 with `failed` > 0 when a write failed).
double run_baseline(kelos::k8s::http_client& client, kelos::apiserver::object_store& store, long long n,
                    int connections, const std::string& job_tmpl, long long& failed) {
  load_result load(n);
  const double cpu0 = kelos::bench::process_cpu_seconds();
  const auto wal0 = store.durability();
  run_load(client, baseline_ns, n, connections, job_tmpl, 0, load);
  const double cpu = kelos::bench::process_cpu_seconds() - cpu0;
  const auto wal1 = store.durability();
  int64_t first = INT64_MAX, last = 0;
  std::vector<int64_t> pair;
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
    if (load.task_sent_ns[i] > 0)
      first = std::min(first, load.task_sent_ns[i]);
    last = std::max(last, load.job_reply_ns[i]);
    if (load.job_reply_ns[i] > 0)
      pair.push_back(load.job_reply_ns[i] - load.task_reply_ns[i]);
  }
  failed = load.failed;
  const double seconds = static_cast<double>(last - first) / 1e9;
  const double rate = failed == 0 && seconds > 0 ? static_cast<double>(n) / seconds : 0;
  const auto create = summarize(load.task_create_latency_ns);
  const auto job = summarize(pair);
  std::cout << "\n--- baseline (namespace " << baseline_ns << ", no controller): POST Task, then POST its Job ---\n"
            << "writes: " << (2 * n - failed) << " ok, " << failed << " failed, in " << fixed(seconds, 2) << " s -> "
            << fixed(rate, 0) << " Tasks/s (" << fixed(2 * rate, 0) << " writes/s)\n"
            << "Task create reply p50 " << fixed(ms(create.p50), 2) << " ms, p99 " << fixed(ms(create.p99), 2)
            << " ms; Task reply -> Job reply p50 " << fixed(ms(job.p50), 2) << " ms, p99 " << fixed(ms(job.p99), 2)
            << " ms\n"
            << "bench process CPU (server + load): " << fixed(cpu, 2) << " s; " << wal_figures(wal0, wal1) << "\n";
  if (failed > 0)
    std::cerr << "FAILED: " << failed << " baseline writes failed; first: " << load.first_error << "\n";
  return rate;
}

} // namespace

int main(int argc, char** argv) {
  kelos::bench::args a(argc, argv);
  const long long n = a.num("--tasks", 1000);
  const int connections = static_cast<int>(a.num("--connections", 8));
  const long long timeout_s = a.num("--timeout", 600);
  const std::string controller = string_flag(argc, argv, "--controller", KELOS_CONTROLLER_PATH);
  const std::string fsync_flag = string_flag(argc, argv, "--fsync", "on");
  const std::string qps = string_flag(argc, argv, "--kube-api-qps", "");
  const std::string log_level = string_flag(argc, argv, "--log-level", "info");
  const bool keep = a.has_flag("--keep");
  const long long hold_s = a.num("--hold", 0);
  const double rate = std::strtod(string_flag(argc, argv, "--rate", "0").c_str(), nullptr);
  const long long watch_batch_us = a.num("--watch-batch-us", -1);
  if (n < 1 || connections < 1 || timeout_s < 1 || controller.empty() || (fsync_flag != "on" && fsync_flag != "off") || rate < 0) {
    std::cerr << "usage: task_controller_bench [--tasks N] [--connections C] [--controller PATH] [--fsync on|off]\n"
                 "         [--rate TASKS_PER_S] [--timeout S] [--kube-api-qps Q] [--log-level L] [--keep] [--hold S]\n"
                 "         [--watch-batch-us U]\n";
    return 2;
  }
  if (::access(controller.c_str(), X_OK) != 0) {
    std::cerr << "controller binary " << controller << " is not executable: " << std::strerror(errno) << "\n";
    return 2;
  }

  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    std::signal(sig, on_fatal_signal);
  std::signal(SIGPIPE, SIG_IGN);
  std::atexit(kill_controller_now);

  const std::string dir = kelos::bench::make_temp_dir(std::filesystem::temp_directory_path().string(), "kelos-task-bench-");
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

  kelos::apiserver::api_server_config cfg;
  cfg.data_dir = dir + "/data";
  cfg.fsync = fsync_flag == "on";
  // The controller watches with the event log as its replay window; room for every run's writes.
  cfg.event_log_size = static_cast<std::size_t>(std::max<long long>(10000, n * 8));
  if (watch_batch_us >= 0)
    cfg.watch_batch_interval = std::chrono::microseconds(watch_batch_us);
  auto server = kelos::apiserver::api_server::start(cfg);
  if (!server) {
    std::cerr << "server start failed: " << server.error().render() << "\n";
    return 1;
  }
  auto client = make_client((*server)->port(), static_cast<std::size_t>(connections));
  if (!client)
    return 1;
  if (auto e = set_up_cluster(*client); !e.empty()) {
    std::cerr << "setup: " << e << "\n";
    return 1;
  }
  const std::string kubeconfig = dir + "/kubeconfig";
  if (auto w = (*server)->write_kubeconfig(kubeconfig); !w) {
    std::cerr << "kubeconfig: " << w.error().render() << "\n";
    return 1;
  }
  auto tmpl = job_template(baseline_ns);
  if (!tmpl) {
    std::cerr << "building the baseline Job: " << tmpl.error().render() << "\n";
    return 1;
  }

  const uint16_t metrics_port = free_port();
  const uint16_t health_port = free_port();
  std::vector<std::string> cargv{controller,
                                 "--kubeconfig",
                                 kubeconfig,
                                 "--metrics-bind-address",
                                 "127.0.0.1:" + std::to_string(metrics_port),
                                 "--health-probe-bind-address",
                                 "127.0.0.1:" + std::to_string(health_port),
                                 "--log-level",
                                 log_level};
  if (!qps.empty()) {
    cargv.push_back("--kube-api-qps");
    cargv.push_back(qps);
  }
  std::string cmdline;
  for (std::size_t i = 1; i < cargv.size(); ++i)
    cmdline += " " + cargv[i];

  std::cout << "task_controller_bench: tasks=" << n << " connections=" << connections
            << " rate=" << (rate > 0 ? fixed(rate, 0) + "/s" : std::string{"unpaced"})
            << " fsync=" << fsync_flag << " (WAL in " << cfg.data_dir << ")"
            << " server_io_threads=" << cfg.io_threads
            << " watch_batch_us=" << cfg.watch_batch_interval.count() << " bench_build=" << KELOS_BUILD_TYPE << "\n"
            << "controller: " << controller << cmdline << "\n"
            << "load average before: " << kelos::bench::load_average() << "\n";

  std::string spawn_err;
  const int64_t spawned_at = steady_ns();
  pid_t pid = spawn_process(cargv, log_path, spawn_err);
  if (pid < 0) {
    std::cerr << "starting the controller: " << spawn_err << "\n";
    return 1;
  }
  g_controller.store(pid);

  // ---- phase 1: controller -------------------------------------------------------------
  int child_status = 0;
  bool died = false;
  const bool ready = wait_until_ready(pid, health_port, child_status, died);
  if (died || !ready) {
    fail(died ? "the controller " + describe_wait_status(child_status) + " before it was ready"
              : "the controller's /readyz did not answer 200 within 60 s");
    std::cerr << "controller log (" << log_path << "), last lines:\n" << tail_of(log_path, 20);
    stop_controller(5s);
    return exit_code;
  }
  const int64_t ready_ns = steady_ns() - spawned_at;
  const proc_memory idle_mem = read_proc_memory(pid);
  const double idle_cpu = proc_cpu_seconds(pid);

  std::atomic<bool> stop_watch{false};
  const int64_t deadline = steady_ns() + timeout_s * 1'000'000'000LL;
  job_recorder jobs;
  jobs.start((*server)->store(), controller_ns, n);
  // Samples the controller's RSS every 100 ms while it works (VmHWM is the true peak).
  std::atomic<bool> stop_sampler{false};
  uint64_t sampled_peak_kib = 0;
  std::thread sampler([&] {
    while (!stop_sampler) {
      sampled_peak_kib = std::max(sampled_peak_kib, read_proc_memory(pid).rss_kib);
      std::this_thread::sleep_for(100ms);
    }
  });

  const double bench_cpu0 = kelos::bench::process_cpu_seconds();
  const auto wal0 = (*server)->store().durability();
  load_result ctl_load(n);
  run_load(*client, controller_ns, n, connections, {}, rate, ctl_load);
  const int64_t creates_done = steady_ns();
  if (ctl_load.failed > 0)
    stop_watch = true; // some Jobs can never come
  // Wait for the Jobs, noticing a controller that dies meanwhile.
  while (jobs.seen() < n && steady_ns() < deadline && !stop_watch) {
    if (!still_running(pid, &child_status)) {
      died = true;
      g_controller.store(0);
      stop_watch = true;
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  stop_watch = true;
  const std::vector<int64_t> job_added_ns = jobs.stop();
  const long long jobs_seen = jobs.seen();
  const proc_memory jobs_mem = died ? proc_memory{} : read_proc_memory(pid);
  const double jobs_cpu = died ? 0 : proc_cpu_seconds(pid) - idle_cpu;
  const double bench_cpu = kelos::bench::process_cpu_seconds() - bench_cpu0;
  const auto wal1 = (*server)->store().durability();

  int64_t settled_ns = 0; // 0: not waited for, < 0: not reached
  proc_memory settled_mem;
  double settled_cpu = 0;
  if (!died && jobs_seen == n) {
    const int64_t settle_start = steady_ns();
    bool idle = wait_until_settled(pid, (*server)->store(), n, std::chrono::seconds{std::max<long long>(60, timeout_s / 2)});
    settled_ns = idle ? steady_ns() - settle_start : -1;
    settled_mem = read_proc_memory(pid);
    settled_cpu = proc_cpu_seconds(pid) - idle_cpu;
  }
  stop_sampler = true;
  sampler.join();
  if (hold_s > 0 && !died) {
    std::cout << "holding the controller (pid " << pid << ") for " << hold_s << " s for inspection" << std::endl;
    std::this_thread::sleep_for(std::chrono::seconds{hold_s});
  }
  auto [tasks_with_job, events] = count_status_and_events((*server)->store(), controller_ns);
  const std::string stopped = died ? "the controller " + describe_wait_status(child_status) : stop_controller(15s);

  int64_t first_sent = INT64_MAX, last_job = 0;
  std::vector<int64_t> task_to_job;
  long long negative = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
    if (ctl_load.task_sent_ns[i] > 0)
      first_sent = std::min(first_sent, ctl_load.task_sent_ns[i]);
    last_job = std::max(last_job, job_added_ns[i]);
    if (ctl_load.task_reply_ns[i] > 0 && job_added_ns[i] > 0) {
      task_to_job.push_back(job_added_ns[i] - ctl_load.task_reply_ns[i]);
      negative += job_added_ns[i] < ctl_load.task_reply_ns[i] ? 1 : 0;
    }
  }
  const auto ctl_create = summarize(ctl_load.task_create_latency_ns);
  const auto lat = summarize(task_to_job);
  const double ctl_seconds = static_cast<double>(last_job - first_sent) / 1e9;
  const double ctl_rate = jobs_seen == n && ctl_seconds > 0 ? static_cast<double>(n) / ctl_seconds : 0;
  const double create_seconds = static_cast<double>(creates_done - first_sent) / 1e9;

  std::cout << "\n--- controller run (namespace " << controller_ns << ") ---\n"
            << "controller ready after " << fixed(ms(ready_ns), 0) << " ms; idle RSS " << fixed(mib(idle_mem.rss_kib))
            << " MiB\n"
            << "Task creates: " << (n - ctl_load.failed) << " ok, " << ctl_load.failed << " failed, in "
            << fixed(create_seconds, 2) << " s (" << fixed(static_cast<double>(n) / create_seconds, 0)
            << "/s); create reply p50 " << fixed(ms(ctl_create.p50), 2) << " ms, p99 " << fixed(ms(ctl_create.p99), 2)
            << " ms\n"
            << "Jobs seen: " << jobs_seen << "/" << n << "; first Task sent -> last Job: " << fixed(ctl_seconds, 2)
            << " s -> " << fixed(ctl_rate, 0) << " Tasks/s\n"
            << "Task reply -> Job ADDED: p50 " << fixed(ms(lat.p50), 1) << " ms, p99 " << fixed(ms(lat.p99), 1)
            << " ms, max " << fixed(ms(lat.max), 1) << " ms (" << lat.count << " samples, " << negative
            << " Jobs before the Task reply)\n"
            << "controller at last Job: VmRSS " << fixed(mib(jobs_mem.rss_kib)) << " MiB, VmHWM "
            << fixed(mib(jobs_mem.hwm_kib)) << " MiB, CPU " << fixed(jobs_cpu, 2) << " s since ready\n";
  if (settled_ns != 0)
    std::cout << "controller done (every status written, CPU quiet) "
              << (settled_ns < 0 ? "not reached" : fixed(ms(settled_ns) / 1000.0, 1) + " s after the last Job")
              << ": VmRSS " << fixed(mib(settled_mem.rss_kib)) << " MiB, VmHWM "
              << fixed(mib(settled_mem.hwm_kib)) << " MiB (sampled peak " << fixed(mib(sampled_peak_kib))
              << " MiB), CPU " << fixed(settled_cpu, 2) << " s since ready = "
              << fixed(settled_cpu * 1000.0 / static_cast<double>(n), 2) << " ms per Task\n";
  const auto [task_bytes, job_bytes] = stored_sizes((*server)->store(), controller_ns, task_name(0));
  std::cout << "Tasks with status.jobName: " << tasks_with_job << "/" << n << "; Events: " << events << "/" << n
            << "; stored JSON of " << task_name(0) << ": Task " << task_bytes << " B, Job " << job_bytes << " B\n"
            << "bench process CPU (server + load) until the last Job: " << fixed(bench_cpu, 2) << " s; "
            << wal_figures(wal0, wal1) << "\n"
            << "controller stop: " << stopped << "\n";
  if (ctl_load.failed > 0)
    fail(std::to_string(ctl_load.failed.load()) + " Task creates failed; first: " + ctl_load.first_error);
  if (died)
    fail("the controller " + describe_wait_status(child_status) + " during the run");
  if (jobs_seen < n && ctl_load.failed == 0 && !died)
    fail(std::to_string(n - jobs_seen) + " Jobs missing after " + std::to_string(timeout_s) + " s");
  if (exit_code != 0) {
    std::cerr << "controller log (" << log_path << "), last lines:\n" << tail_of(log_path, 20);
    return exit_code;
  }

  // ---- phase 2: baseline ---------------------------------------------------------------
  long long base_failed = 0;
  const double base_rate = run_baseline(*client, (*server)->store(), n, connections, *tmpl, base_failed);
  if (base_failed > 0) {
    exit_code = 1;
    return exit_code;
  }

  const double ratio = base_rate > 0 ? ctl_rate / base_rate : 0;
  const double rss_mib = mib(std::max(jobs_mem.hwm_kib, settled_mem.hwm_kib));
  auto verdict = [](bool met) { return met ? "met" : "MISSED"; };
  std::cout << "\n--- summary (tasks=" << n << ", fsync " << fsync_flag << ", bench " << KELOS_BUILD_TYPE << ") ---\n"
            << "throughput ratio controller/baseline: " << fixed(ratio, 3) << " (" << fixed(ctl_rate, 0) << " / "
            << fixed(base_rate, 0) << " Tasks/s; goal >= 0.5: "
            << (rate > 0 ? std::string{"n/a, the creates were paced"} : std::string{verdict(ratio >= 0.5)}) << ")\n"
            << "Task->Job p99: " << fixed(ms(lat.p99), 1) << " ms (goal <= 25 ms: " << verdict(ms(lat.p99) <= 25.0)
            << ")\n"
            << "controller peak RSS (VmHWM): " << fixed(rss_mib) << " MiB (goal <= 64 MiB at 10,000 Tasks: "
            << verdict(rss_mib <= 64.0) << ")\n"
            << "load average after: " << kelos::bench::load_average() << "\n";
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
