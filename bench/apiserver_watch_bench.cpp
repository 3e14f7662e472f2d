// Watch delivery latency of the embedded API server to many watchers.
//
// Starts an in-process server (WAL + fsync by default; --no-fsync / --memory as in the write
// bench), creates a namespace and one ConfigMap, opens W watch streams over HTTP on the
// namespace's ConfigMaps (from the ConfigMap's resourceVersion, so only the updates arrive),
// then a writer PUTs the ConfigMap M times at a steady rate. Each update carries its send
// time (steady clock, same process) in `data.ts` and its sequence number in `data.seq`; every
// watcher records receive time − send time per event and which sequence numbers it saw.
// Prints p50/p99/max over all deliveries and the number of missed deliveries.
//
// Usage: apiserver_watch_bench [--watchers W] [--updates M] [--rate R_per_s]
//                              [--watch-clients K] [--io-threads T] [--no-fsync | --memory]

#include "bench/apiserver_bench_server.hpp"
#include "k8s/client/http_client.hpp"
#include "k8s/client/request.hpp"
#include "k8s/resource_registry.hpp"

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using kelos::bench::steady_ns;
namespace k8s = kelos::k8s;

constexpr const char* ns_name = "watch-bench";
constexpr const char* cm_name = "watched";

// State of one watcher; touched only by its client's single I/O thread until the client is gone.
struct watcher {
  std::string pending;                // bytes after the last complete line
  std::vector<int64_t> latencies_ns;  // one per delivered update
  std::vector<char> seen;             // seq → delivered
  uint64_t duplicates = 0;
  uint64_t other_lines = 0;           // lines without seq/ts (ERROR, BOOKMARK, ...)
  std::string first_other;
  std::atomic<int> status{0};
  std::atomic<bool> done{false};
  std::string done_error;
  kelos::errc done_code = kelos::errc::none;
  std::atomic<uint64_t>* delivered = nullptr;
};

// Value of `"key":"<digits>"` in a watch line (data values of a ConfigMap are strings), or -1.
long long find_number(std::string_view line, std::string_view key) {
  auto pos = line.find(key);
  if (pos == std::string_view::npos)
    return -1;
  pos += key.size();
  long long v = 0;
  bool any = false;
  while (pos < line.size() && line[pos] >= '0' && line[pos] <= '9') {
    v = v * 10 + (line[pos] - '0');
    ++pos;
    any = true;
  }
  return any ? v : -1;
}

void on_chunk(watcher& w, std::string_view chunk) {
  const int64_t now = steady_ns(); // arrival time of every line completed by this chunk
  w.pending.append(chunk);
  std::size_t start = 0, nl;
  while ((nl = w.pending.find('\n', start)) != std::string::npos) {
    std::string_view line(w.pending.data() + start, nl - start);
    start = nl + 1;
    long long seq = find_number(line, "\"seq\":\"");
    long long ts = find_number(line, "\"ts\":\"");
    if (seq < 0 || ts < 0 || static_cast<std::size_t>(seq) >= w.seen.size()) {
      if (++w.other_lines == 1)
        w.first_other = std::string(line.substr(0, 300));
      continue;
    }
    if (w.seen[static_cast<std::size_t>(seq)]) {
      ++w.duplicates;
      continue;
    }
    w.seen[static_cast<std::size_t>(seq)] = 1;
    w.latencies_ns.push_back(now - ts);
    w.delivered->fetch_add(1, std::memory_order_relaxed);
  }
  w.pending.erase(0, start);
}

k8s::json configmap(long long seq, int64_t ts) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", cm_name}, {"namespace", ns_name}}},
          {"data", {{"seq", std::to_string(seq)}, {"ts", std::to_string(ts)}}}};
}

} // namespace

int main(int argc, char** argv) {
  kelos::bench::args a(argc, argv);
  const int watchers_n = static_cast<int>(a.num("--watchers", 100));
  const long long updates = a.num("--updates", 2000);
  const long long rate = a.num("--rate", 200);
  const int watch_clients = static_cast<int>(a.num("--watch-clients", 2));
  const int io_threads = static_cast<int>(a.num("--io-threads", 2));
  const bool memory = a.has_flag("--memory");
  const bool fsync = !memory && !a.has_flag("--no-fsync");
  if (watchers_n < 1 || updates < 1 || rate < 1 || watch_clients < 1) {
    std::cerr << "bad parameters\n";
    return 2;
  }

  kelos::bench::bench_server started;
  if (int rc = kelos::bench::start_bench_server(fsync, io_threads, memory, "apiserver-watch-bench-", started))
    return rc;
  auto& server = started.server;
  const std::string& data_dir = started.data_dir;
  std::cout << "apiserver_watch_bench: watchers=" << watchers_n << " updates=" << updates << " rate=" << rate
            << "/s watch_clients=" << watch_clients << " (1 io thread each) server_io_threads=" << io_threads
            << " durability=" << (memory ? "memory (no WAL)" : fsync ? "WAL+fdatasync" : "WAL, no fsync") << "\n"
            << "load average before: " << kelos::bench::load_average() << "\n";

  k8s::transport_config tc;
  tc.scheme = "http";
  tc.host = "127.0.0.1";
  tc.port = server->port();
  tc.io_threads = 1;
  auto writer = k8s::http_client::make(tc);
  if (!writer) {
    std::cerr << "client: " << writer.error().message << "\n";
    return 1;
  }
  const auto registry = k8s::resource_registry::with_builtins();
  const k8s::resource_info* cms = registry.lookup("configmaps");
  const k8s::resource_info* nss = registry.lookup("namespaces");
  if (!cms || !nss) {
    std::cerr << "registry lacks configmaps/namespaces\n";
    return 1;
  }
  auto check = [](const kelos::expected<k8s::http_response>& r, int want, const char* what) {
    if (!r || r->status != want) {
      std::cerr << what << " failed: " << (r ? std::to_string(r->status) + " " + r->body : r.error().message)
                << "\n";
      return false;
    }
    return true;
  };
  const auto timeout = std::chrono::milliseconds(10000);
  if (!check((*writer)->send_sync(k8s::create_request(*nss, "", {{"apiVersion", "v1"}, {"kind", "Namespace"},
                                                                 {"metadata", {{"name", ns_name}}}}),
                                  timeout),
             201, "create namespace"))
    return 1;
  auto created = (*writer)->send_sync(k8s::create_request(*cms, ns_name, configmap(0, 0)), timeout);
  if (!check(created, 201, "create configmap"))
    return 1;
  // Non-throwing parse: a malformed body is reported, not thrown.
  const auto created_obj = k8s::json::parse(created->body, nullptr, false);
  const auto* rv_field = created_obj.is_object() ? k8s::find_path(created_obj, "metadata.resourceVersion") : nullptr;
  if (!rv_field || !rv_field->is_string()) {
    std::cerr << "create configmap: no resourceVersion in " << created->body.substr(0, 300) << "\n";
    return 1;
  }
  const std::string start_rv = rv_field->get<std::string>();

  // Watch streams, spread over `watch_clients` clients.
  std::atomic<uint64_t> delivered{0};
  std::vector<std::unique_ptr<watcher>> ws;
  std::vector<std::unique_ptr<k8s::http_client>> clients;
  std::vector<k8s::stream_handle> handles;
  for (int c = 0; c < watch_clients; ++c) {
    auto cl = k8s::http_client::make(tc);
    if (!cl) {
      std::cerr << "client: " << cl.error().message << "\n";
      return 1;
    }
    clients.push_back(std::move(*cl));
  }
  k8s::watch_options wo;
  wo.resource_version = start_rv;
  wo.allow_bookmarks = false;
  for (int i = 0; i < watchers_n; ++i) {
    auto w = std::make_unique<watcher>();
    w->seen.assign(static_cast<std::size_t>(updates + 1), 0);
    w->latencies_ns.reserve(static_cast<std::size_t>(updates));
    w->delivered = &delivered;
    watcher* wp = w.get();
    k8s::stream_callbacks cb;
    cb.on_response_head = [wp](int status, const auto&) { wp->status.store(status); };
    cb.on_data = [wp](std::string_view chunk) { on_chunk(*wp, chunk); };
    cb.on_done = [wp](kelos::error e) {
      wp->done_error = e.message;
      wp->done_code = e.code;
      wp->done.store(true);
    };
    handles.push_back(clients[static_cast<std::size_t>(i % watch_clients)]->stream(
      k8s::watch_request(*cms, ns_name, wo), std::move(cb)));
    ws.push_back(std::move(w));
  }
  // All streams must be registered (response head seen) before the first update.
  const int64_t head_deadline = steady_ns() + 10'000'000'000LL;
  for (;;) {
    int ready = 0;
    for (auto& w : ws)
      ready += w->status.load() == 200;
    if (ready == watchers_n)
      break;
    if (steady_ns() > head_deadline) {
      std::cerr << "only " << ready << " of " << watchers_n << " watches started\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  // Writer: M updates at a steady rate; seq 1..M.
  std::vector<int64_t> put_ns;
  put_ns.reserve(static_cast<std::size_t>(updates));
  uint64_t put_errors = 0;
  std::string put_error;
  const int64_t period = 1'000'000'000LL / rate;
  const double cpu0 = kelos::bench::process_cpu_seconds();
  const int64_t start = steady_ns();
  for (long long seq = 1; seq <= updates; ++seq) {
    const int64_t due = start + (seq - 1) * period;
    int64_t now = steady_ns();
    if (now < due)
      std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
    const int64_t ts = steady_ns();
    auto r = (*writer)->send_sync(k8s::update_request(*cms, ns_name, cm_name, configmap(seq, ts)), timeout);
    put_ns.push_back(steady_ns() - ts);
    if (!r || r->status != 200) {
      ++put_errors;
      if (put_error.empty())
        put_error = r ? std::to_string(r->status) + " " + r->body.substr(0, 300) : r.error().message;
    }
  }
  const double write_secs = static_cast<double>(steady_ns() - start) / 1e9;
  const double cpu = kelos::bench::process_cpu_seconds() - cpu0;
  // Let the last deliveries arrive (bounded).
  const uint64_t expected = static_cast<uint64_t>(updates - static_cast<long long>(put_errors)) *
                            static_cast<uint64_t>(watchers_n);
  const int64_t drain_deadline = steady_ns() + 10'000'000'000LL;
  while (delivered.load() < expected && steady_ns() < drain_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));

  for (auto& h : handles)
    h.cancel();
  clients.clear(); // joins the I/O threads: watcher state is ours from here
  writer->reset();

  std::vector<int64_t> all;
  all.reserve(static_cast<std::size_t>(expected));
  uint64_t missed = 0, dups = 0, other = 0, ended_early = 0;
  std::string first_other, first_end;
  for (auto& w : ws) {
    all.insert(all.end(), w->latencies_ns.begin(), w->latencies_ns.end());
    missed += static_cast<uint64_t>(updates) - w->latencies_ns.size();
    dups += w->duplicates;
    other += w->other_lines;
    if (first_other.empty())
      first_other = w->first_other;
    if (w->done_code != kelos::errc::cancelled) {
      ++ended_early;
      if (first_end.empty())
        first_end = w->done_error.empty() ? "stream ended cleanly" : w->done_error;
    }
  }
  const int64_t maxv = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  const int64_t put_max = put_ns.empty() ? 0 : *std::max_element(put_ns.begin(), put_ns.end());
  std::printf("writer: %lld updates in %.3f s (%.0f/s achieved), PUT ms p50=%.3f p99=%.3f max=%.3f, errors=%llu\n",
              updates, write_secs, static_cast<double>(updates) / write_secs,
              kelos::bench::ms(kelos::bench::percentile(put_ns, 0.50)),
              kelos::bench::ms(kelos::bench::percentile(put_ns, 0.99)), kelos::bench::ms(put_max),
              static_cast<unsigned long long>(put_errors));
  std::printf("deliveries=%zu missed=%llu duplicates=%llu other_lines=%llu streams_ended_early=%llu\n", all.size(),
              static_cast<unsigned long long>(missed), static_cast<unsigned long long>(dups),
              static_cast<unsigned long long>(other), static_cast<unsigned long long>(ended_early));
  std::printf("delivery latency ms (send → watcher receive): p50=%.3f p99=%.3f max=%.3f\n",
              kelos::bench::ms(kelos::bench::percentile(all, 0.50)),
              kelos::bench::ms(kelos::bench::percentile(all, 0.99)), kelos::bench::ms(maxv));
  std::printf("process CPU during the updates (server + watchers + writer)=%.3f s (%.2f cores busy)\n", cpu,
              cpu / write_secs);
  if (put_errors)
    std::printf("first PUT error: %s\n", put_error.c_str());
  if (other)
    std::printf("first other line: %s\n", first_other.c_str());
  if (ended_early)
    std::printf("first early end: %s\n", first_end.c_str());
  std::cout << "load average after: " << kelos::bench::load_average() << "\n";

  server->stop();
  server.reset();
  if (!data_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(data_dir, ec);
  }
  return missed == 0 && put_errors == 0 ? 0 : 1;
}
