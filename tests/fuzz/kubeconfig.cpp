// Fuzz target: kubeconfig documents (k8s/client/kubeconfig.hpp, parse_kubeconfig), which
// `kelos` and the controller read from disk. Only parsing and merging are fuzzed: resolving
// reads files named in the config and would start exec plugins. Invariants: no crash or UB,
// yaml-cpp exceptions never escape, errors name the file, and merging a config into
// itself changes nothing.

#include "tests/fuzz/fuzz_check.hpp"

#include "k8s/client/kubeconfig.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024)
    return 0;
  const std::string path = "/fuzz/kubeconfig";
  auto parsed = kelos::k8s::client::parse_kubeconfig(kelos::fuzz::as_text(data, size), path);
  if (!parsed) {
    KELOS_FUZZ_CHECK(parsed.error().message.find(path) != std::string::npos);
    return 0;
  }
  auto merged = *parsed;
  merge_kubeconfig(merged, *parsed);
  KELOS_FUZZ_CHECK(merged.clusters.size() == parsed->clusters.size());
  KELOS_FUZZ_CHECK(merged.users.size() == parsed->users.size());
  KELOS_FUZZ_CHECK(merged.contexts.size() == parsed->contexts.size());
  KELOS_FUZZ_CHECK(merged.current_context == parsed->current_context);
  for (const auto& [name, cluster] : parsed->clusters)
    KELOS_FUZZ_CHECK(cluster.name == name);
  return 0;
}
