// Memory per stored object in the embedded API server's object store.
//
// Creates N ConfigMaps of about 1 KiB (JSON text) through `object_store::create` directly
// (memory-only store, as the server holds them; the event log keeps its default capacity,
// so its entries are counted too), and measures the growth of RSS (/proc/self/statm) and of
// the malloc heap (mallinfo2: in-use bytes) across the creates. Prints the per-object cost
// and the overhead beyond the stored object's JSON text (`dump()` of the stored object,
// including the metadata the store adds: uid, resourceVersion, creationTimestamp; the
// store adds no managedFields, the HTTP front does).
//
// Usage: apiserver_memory_bench [--objects N] [--value-bytes B] [--event-log E]

#include "bench/apiserver_bench_common.hpp"
#include "k8s/apiserver/object_store.hpp"
#include "k8s/resource_registry.hpp"

#include <malloc.h>

#include <cstdio>
#include <iostream>
#include <string>

namespace {

namespace k8s = kelos::k8s;

uint64_t heap_in_use() {
  struct mallinfo2 mi = ::mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

// A ConfigMap of realistic shape: labels, annotations and 8 data keys of `value_bytes` / 8.
k8s::json make_configmap(long long i, long long value_bytes) {
  char name[64];
  std::snprintf(name, sizeof name, "mem-bench-%07lld", i);
  k8s::json data = k8s::json::object();
  const long long per_key = value_bytes / 8;
  for (int k = 0; k < 8; ++k)
    data["key-" + std::to_string(k)] = std::string(static_cast<std::size_t>(per_key), static_cast<char>('a' + k));
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata",
           {{"name", name},
            {"namespace", "default"},
            {"labels", {{"app", "memory-bench"}, {"tier", "backend"}, {"index", std::to_string(i % 100)}}},
            {"annotations", {{"kelos.dev/owner", "bench"}, {"kelos.dev/note", "memory per stored object"}}}}},
          {"data", std::move(data)}};
}

} // namespace

int main(int argc, char** argv) {
  kelos::bench::args a(argc, argv);
  const long long objects = a.num("--objects", 10000);
  const long long value_bytes = a.num("--value-bytes", 640);
  const long long event_log = a.num("--event-log", 10000);
  if (objects < 1 || value_bytes < 8 || event_log < 0) {
    std::cerr << "bad parameters\n";
    return 2;
  }
  const auto registry = k8s::resource_registry::with_builtins();
  const k8s::resource_info* cms = registry.lookup("configmaps");
  if (!cms) {
    std::cerr << "registry lacks configmaps\n";
    return 1;
  }
  kelos::apiserver::store_config sc;
  sc.event_log_capacity = static_cast<size_t>(event_log);
  kelos::apiserver::object_store store(sc);
  // Warm up the collection and allocator with one object outside the measurement.
  if (auto w = store.create(*cms, "default", make_configmap(objects, value_bytes)); !w) {
    std::cerr << "warm-up create failed: " << w.error().message << "\n";
    return 1;
  }
  ::malloc_trim(0);

  const uint64_t rss0 = kelos::bench::rss_bytes();
  const uint64_t heap0 = heap_in_use();
  for (long long i = 0; i < objects; ++i) {
    auto r = store.create(*cms, "default", make_configmap(i, value_bytes));
    if (!r) {
      std::cerr << "create " << i << " failed: " << r.error().message << "\n";
      return 1;
    }
  }
  ::malloc_trim(0); // give back transient buffers so RSS shows what is held
  const uint64_t rss1 = kelos::bench::rss_bytes();
  const uint64_t heap1 = heap_in_use();

  // JSON text of the stored objects (after measuring: dump() allocates).
  uint64_t json_bytes = 0;
  for (long long i = 0; i < objects; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "mem-bench-%07lld", i);
    auto got = store.get(*cms, "default", name);
    if (!got) {
      std::cerr << "get " << name << " failed\n";
      return 1;
    }
    json_bytes += (*got)->dump().size();
  }

  const double n = static_cast<double>(objects);
  const double rss_per = static_cast<double>(rss1 - rss0) / n;
  const double heap_per = static_cast<double>(heap1 - heap0) / n;
  const double json_per = static_cast<double>(json_bytes) / n;
  std::printf("apiserver_memory_bench: objects=%lld kind=ConfigMap value_bytes=%lld event_log_capacity=%lld "
              "store=memory-only\n",
              objects, value_bytes, event_log);
  std::printf("load average: %s\n", kelos::bench::load_average().c_str());
  std::printf("JSON text per stored object: %.0f B\n", json_per);
  std::printf("RSS growth:  %.1f MiB total, %.0f B/object, overhead beyond JSON %.0f B/object (%.2f KiB)\n",
              static_cast<double>(rss1 - rss0) / 1048576.0, rss_per, rss_per - json_per,
              (rss_per - json_per) / 1024.0);
  std::printf("heap growth: %.1f MiB total, %.0f B/object, overhead beyond JSON %.0f B/object (%.2f KiB)\n",
              static_cast<double>(heap1 - heap0) / 1048576.0, heap_per, heap_per - json_per,
              (heap_per - json_per) / 1024.0);
  std::printf("ratio heap/JSON: %.2f\n", heap_per / json_per);
  return 0;
}
