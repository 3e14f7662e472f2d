// Fuzz target: label and field selectors as the API server parses them from `?labelSelector=`
// and `?fieldSelector=` (k8s/apiserver/selectors.hpp). The first byte picks label or field
// selector. Invariants: no crash or UB; a parsed label selector's canonical form parses
// again to the same canonical form, and matching never throws.

#include "tests/fuzz/fuzz_check.hpp"

#include "k8s/apiserver/selectors.hpp"
#include "k8s/resource_registry.hpp"

using kelos::k8s::json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 16 * 1024)
    return 0;
  auto text = kelos::fuzz::as_text(data + 1, size - 1);
  static const json labels = json::parse(R"({"app":"kelos","tier":"web","kelos.dev/task":"t-1","empty":""})");
  static const json object = json::parse(R"({"metadata":{"name":"a","namespace":"default","labels":{"app":"kelos"}},
    "status":{"phase":"Running"},"spec":{"nodeName":"n1"}})");
  if (data[0] & 1) {
    auto parsed = kelos::apiserver::parse_label_selector(text);
    if (!parsed) {
      KELOS_FUZZ_CHECK(!parsed.error().message.empty());
      return 0;
    }
    (void)parsed->matches(labels);
    (void)parsed->matches(json{});
    auto canonical = parsed->to_string();
    auto again = kelos::apiserver::parse_label_selector(canonical);
    if (!again) {
      std::fprintf(stderr, "canonical form %s does not parse: %s\n", canonical.c_str(),
                   again.error().message.c_str());
      KELOS_FUZZ_CHECK(false);
    }
    KELOS_FUZZ_CHECK(again->to_string() == canonical);
    KELOS_FUZZ_CHECK(again->matches(labels) == parsed->matches(labels));
  } else {
    static const auto registry = kelos::k8s::resource_registry::with_builtins();
    const auto* pods = registry.by_kind("v1", "Pod");
    KELOS_FUZZ_CHECK(pods != nullptr);
    auto parsed = kelos::apiserver::parse_field_selector(text, *pods);
    if (!parsed) {
      KELOS_FUZZ_CHECK(!parsed.error().message.empty());
      return 0;
    }
    (void)parsed->matches(object);
    (void)parsed->matches(json::object());
  }
  return 0;
}
