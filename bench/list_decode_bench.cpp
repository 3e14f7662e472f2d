// List decode: a 10,000-object list body → decode_list_page → watch_machine::step →
// store (init … init_done), plus the memory a compact vs. whole-JSON cache costs.
//
// Usage: list_decode_bench [objects=10000]

#include "bench/client_bench_objects.hpp"
#include "k8s/client/list_page.hpp"
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

template <class Store>
double load(const std::string& body, Store& st) {
  bench::stopwatch sw;
  watch_machine m;
  m.start();
  auto page = decode_list_page(body);
  if (!page) {
    std::fprintf(stderr, "decode failed: %s\n", page.error().message.c_str());
    std::exit(1);
  }
  for (auto& ev : m.step(list_page_received{std::move(*page)}).events) st.apply_event(std::move(ev));
  return sw.cpu();
}

} // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 10'000;
  std::string body;
  {
    json list = {{"apiVersion", "kelos.dev/v1alpha1"},
                 {"kind", "TaskList"},
                 {"metadata", {{"resourceVersion", "99999"}}},
                 {"items", json::array()}};
    for (int i = 0; i < n; ++i) {
      auto t = bench::make_task(i, 1000 + i);
      t.erase("kind");
      t.erase("apiVersion");
      list["items"].push_back(std::move(t));
    }
    body = list.dump();
  }
  std::printf("list_decode_bench: %d objects, %.1f MiB body\n", n, static_cast<double>(body.size()) / (1 << 20));

  std::vector<double> times;
  for (int round = 0; round < 5; ++round) {
    store<bench::task_summary> st{bench::summarize};
    times.push_back(load(body, st));
    if (!st.synced() || st.size() != static_cast<std::size_t>(n)) {
      std::fprintf(stderr, "store has %zu objects\n", st.size());
      return 1;
    }
  }
  std::sort(times.begin(), times.end());
  std::printf("  decode+store (compact), CPU time: best %.1f ms, median %.1f ms, %.0f objects/s\n", times.front() * 1e3,
              times[times.size() / 2] * 1e3, n / times[times.size() / 2]);

  long before = bench::rss_kib();
  store<bench::task_summary> compact{bench::summarize};
  load(body, compact);
  long after_compact = bench::rss_kib();
  auto full = make_json_store();
  load(body, full);
  long after_full = bench::rss_kib();
  std::printf("  RSS growth: compact store ~%ld KiB, whole-JSON store ~%ld KiB (%zu + %zu objects)\n",
              after_compact - before, after_full - after_compact, compact.size(), full.size());
  return 0;
}
