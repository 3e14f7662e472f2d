// Fuzz target: the typed Kelos kinds decoded from arbitrary JSON (k8s/kelos_types.hpp,
// k8s/taskspawner_types.hpp). The first byte picks the kind; the rest is the JSON object.
// Invariants: no crash or UB; a decoded object validates without crashing; its encoding
// decodes again, and encode(decode(encode(x))) == encode(x) (times lose sub-seconds once,
// then stay fixed).

#include "tests/fuzz/fuzz_check.hpp"

#include "k8s/kelos_types.hpp"
#include "k8s/taskspawner_types.hpp"

using kelos::k8s::json;

namespace {

/// Decode, validate, and check the encoding is a fixed point after one round.
template <class Decode, class Validate>
void round_trip(const json& j, Decode decode, Validate validate) {
  auto first = decode(j);
  if (!first) {
    KELOS_FUZZ_CHECK(!first.error().message.empty());
    return;
  }
  (void)validate(*first);
  json encoded = kelos::k8s::encode(*first);
  auto second = decode(encoded);
  if (!second) {
    std::fprintf(stderr, "re-decode failed: %s\n", second.error().message.c_str());
    KELOS_FUZZ_CHECK(false);
  }
  KELOS_FUZZ_CHECK(kelos::k8s::encode(*second) == encoded);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > kelos::fuzz::max_input)
    return 0;
  json j = json::parse(kelos::fuzz::as_text(data + 1, size - 1), nullptr, false);
  if (j.is_discarded())
    return 0;
  switch (data[0] % 4) {
    case 0:
      round_trip(j, kelos::k8s::decode_task, [](const auto& t) { return kelos::k8s::validate(t.spec); });
      break;
    case 1:
      round_trip(j, kelos::k8s::decode_workspace, [](const auto& w) { return kelos::k8s::validate(w.spec); });
      break;
    case 2:
      round_trip(j, kelos::k8s::decode_agent_config,
                 [](const auto& a) { return kelos::k8s::validate(a.spec); });
      break;
    default:
      round_trip(j, kelos::k8s::decode_task_spawner,
                 [](const auto& s) { return kelos::k8s::validate(s.spec); });
      break;
  }
  return 0;
}
