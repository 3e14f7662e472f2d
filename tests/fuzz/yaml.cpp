// Fuzz target: YAML documents as the API server decodes YAML bodies (kubectl
// `--content-type yaml`, apply patches) and `kelos up` installs manifests
// (apiserver::yaml_to_json). Invariants: no crash or UB, errors are values (yaml-cpp
// exceptions never escape), and a converted document survives a JSON round trip.

#include "tests/fuzz/fuzz_check.hpp"

#include "k8s/apiserver/content.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // yaml-cpp parses recursively; keep inputs to the size a manifest has.
  if (size > 64 * 1024)
    return 0;
  auto converted = kelos::apiserver::yaml_to_json(kelos::fuzz::as_text(data, size));
  if (!converted) {
    KELOS_FUZZ_CHECK(!converted.error().message.empty());
    return 0;
  }
  auto dumped = converted->dump(-1, ' ', false, kelos::k8s::json::error_handler_t::replace);
  auto again = kelos::k8s::json::parse(dumped, nullptr, false);
  KELOS_FUZZ_CHECK(!again.is_discarded());
  return 0;
}
