// Watch decode throughput: NDJSON chunks → line_decoder → decode_watch_event →
// watch_machine::step → store::apply_event, for ~1 KiB objects.
//
// Usage: watch_decode_bench [events=200000] [chunk_bytes=16384]

#include "bench/client_bench_objects.hpp"
#include "k8s/client/line_decoder.hpp"
#include "k8s/client/store.hpp"
#include "k8s/client/watch_state.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace kelos;
using namespace kelos::k8s;

namespace {

constexpr int distinct_objects = 10'000;

std::string make_stream(int events) {
  std::string body;
  for (int i = 0; i < events; ++i) {
    const char* type = i % 20 == 19 ? "DELETED" : (i < distinct_objects ? "ADDED" : "MODIFIED");
    json line = {{"type", type}, {"object", bench::make_task(i % distinct_objects, 1000 + i)}};
    body += line.dump();
    body += '\n';
  }
  return body;
}

struct timing {
  double cpu;
  double wall;
};

template <class Store>
timing run(const std::string& body, std::size_t chunk, Store& st, int& applied,
           const filter_node* event_filter = nullptr) {
  watch_machine m;
  m.start();
  // Sync with an empty list so the machine is watching.
  for (auto& ev : m.step(list_page_received{list_page{{}, "1000", {}}}).events) st.apply_event(std::move(ev));
  line_decoder dec;
  applied = 0;
  bench::stopwatch sw;
  for (std::size_t pos = 0; pos < body.size(); pos += chunk) {
    auto part = std::string_view{body}.substr(pos, chunk);
    auto ok = dec.feed(part, [&](std::string_view line) {
      auto s = m.step(input_from_line(line, event_filter));
      for (auto& ev : s.events) {
        st.apply_event(std::move(ev));
        ++applied;
      }
    });
    if (!ok) {
      std::fprintf(stderr, "decode failed: %s\n", ok.error().message.c_str());
      std::exit(1);
    }
  }
  if (!dec.finish()) std::exit(1);
  return {sw.cpu(), sw.wall()};
}

} // namespace

int main(int argc, char** argv) {
  int events = argc > 1 ? std::atoi(argv[1]) : 200'000;
  std::size_t chunk = argc > 2 ? static_cast<std::size_t>(std::atol(argv[2])) : 16'384;
  auto body = make_stream(events);
  std::printf("watch_decode_bench: %d events, %.1f MiB, avg %.0f bytes/event, chunks of %zu bytes\n", events,
              static_cast<double>(body.size()) / (1 << 20), static_cast<double>(body.size()) / events, chunk);

  // Reference: nlohmann::json::parse of each line alone (what the decoder replaced).
  for (int round = 0; round < 2; ++round) {
    bench::stopwatch sw;
    std::size_t n = 0;
    line_decoder dec;
    for (std::size_t pos = 0; pos < body.size(); pos += chunk) {
      auto ok = dec.feed(std::string_view{body}.substr(pos, chunk), [&](std::string_view line) {
        n += json::parse(line).size();
      });
      if (!ok) return 1;
    }
    double cpu = sw.cpu();
    std::printf("  nlohmann parse only (reference): %8.0f events/s  %6.1f MiB/s per CPU-second (cpu %.3f s, %zu)\n", events / cpu,
                static_cast<double>(body.size()) / (1 << 20) / cpu, cpu, n);
  }
  for (int round = 0; round < 3; ++round) {
    store<bench::task_summary> compact{bench::summarize};
    int applied = 0;
    auto t = run(body, chunk, compact, applied);
    std::printf("  full decode + compact store    : %8.0f events/s  %6.1f MiB/s per CPU-second (cpu %.3f s, wall %.3f s, %d applied, "
                "%zu cached)\n",
                events / t.cpu, static_cast<double>(body.size()) / (1 << 20) / t.cpu, t.cpu, t.wall, applied,
                compact.size());
  }
  // The fast path: decode only what the compact view reads.
  auto event_filter = watch_event_filter(object_filter({"status.phase", "spec.branch"}));
  for (int round = 0; round < 3; ++round) {
    store<bench::task_summary> compact{bench::summarize};
    int applied = 0;
    auto t = run(body, chunk, compact, applied, &event_filter);
    std::printf("  filtered decode + compact store: %8.0f events/s  %6.1f MiB/s per CPU-second (cpu %.3f s, wall %.3f s, %d applied, "
                "%zu cached)\n",
                events / t.cpu, static_cast<double>(body.size()) / (1 << 20) / t.cpu, t.cpu, t.wall, applied,
                compact.size());
  }
  for (int round = 0; round < 2; ++round) {
    auto full = make_json_store();
    int applied = 0;
    auto t = run(body, chunk, full, applied);
    std::printf("  full decode + whole-JSON store : %8.0f events/s  %6.1f MiB/s per CPU-second (cpu %.3f s, wall %.3f s, %d applied, "
                "%zu cached)\n",
                events / t.cpu, static_cast<double>(body.size()) / (1 << 20) / t.cpu, t.cpu, t.wall, applied,
                full.size());
  }
  return 0;
}
