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
double load(const std::string& body, Store& st, const filter_node* filter = nullptr) {
  bench::stopwatch sw;
  watch_machine m;
  m.start();
  auto page = filter != nullptr ? decode_list_page(body, *filter) : decode_list_page(body);
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

  auto filter = list_filter(object_filter({"status.phase", "spec.branch"}));
  times.clear();
  for (int round = 0; round < 5; ++round) {
    store<bench::task_summary> st{bench::summarize};
    times.push_back(load(body, st, &filter));
    if (st.size() != static_cast<std::size_t>(n)) return 1;
  }
  std::sort(times.begin(), times.end());
  std::printf("  filtered decode+store (compact), CPU time: best %.1f ms, median %.1f ms, %.0f objects/s\n",
              times.front() * 1e3, times[times.size() / 2] * 1e3, n / times[times.size() / 2]);

  // Heap cost of caching the 10,000 objects: compact view vs. whole JSON. The list
  // body and decoded page are freed by then; only the stores remain.
  auto before = bench::heap_in_use();
  store<bench::task_summary> compact{bench::summarize};
  load(body, compact, &filter);
  auto after_compact = bench::heap_in_use();
  auto full = make_json_store();
  load(body, full);
  auto after_full = bench::heap_in_use();
  std::printf("  heap held by the cache: compact store %.1f MiB, whole-JSON store %.1f MiB (%zu objects each)\n",
              static_cast<double>(after_compact - before) / (1 << 20),
              static_cast<double>(after_full - after_compact) / (1 << 20), compact.size());
  return 0;
}
