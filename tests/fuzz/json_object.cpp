// Fuzz target: JSON objects as the controller reads them (k8s/json.hpp helpers and
// k8s/object_meta.hpp). Invariants: no crash or UB on any input; dump -> parse gives the
// same document; metadata parse -> to_json -> parse is a fixed point.

#include "tests/fuzz/fuzz_check.hpp"

#include "k8s/json.hpp"
#include "k8s/object_meta.hpp"

#include <string>

using kelos::k8s::json;

namespace {

/// Reads every top-level field (and one level below) through the typed getters.
void read_fields(const json& j) {
  if (!j.is_object())
    return;
  int budget = 256;
  for (auto it = j.begin(); it != j.end() && budget > 0; ++it, --budget) {
    const std::string key = it.key();
    (void)kelos::k8s::get_string(j, key.c_str());
    (void)kelos::k8s::get_int(j, key.c_str());
    (void)kelos::k8s::get_bool(j, key.c_str());
    const json* found = kelos::k8s::find_path(j, key);
    // A key without dots is found as itself.
    if (key.find('.') == std::string::npos)
      KELOS_FUZZ_CHECK(found == &*it);
    if (it->is_object())
      for (auto inner = it->begin(); inner != it->end() && budget > 0; ++inner, --budget) {
        (void)kelos::k8s::find_path(j, key + "." + inner.key());
        (void)kelos::k8s::get_int(*it, inner.key().c_str());
      }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kelos::fuzz::max_input)
    return 0;
  auto text = kelos::fuzz::as_text(data, size);
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return 0;
  // Serialisation round trip (strict UTF-8 on dump: invalid strings cannot come out of
  // the parser, which rejects them).
  auto dumped = j.dump();
  json again = json::parse(dumped, nullptr, false);
  KELOS_FUZZ_CHECK(!again.is_discarded());
  KELOS_FUZZ_CHECK(again.dump() == dumped);

  read_fields(j);
  if (auto md = j.find("metadata"); j.is_object() && md != j.end())
    read_fields(*md);

  auto meta = kelos::k8s::parse_object_meta(j);
  json meta_json = kelos::k8s::to_json(meta);
  json wrapped = json::object({{"metadata", meta_json}});
  KELOS_FUZZ_CHECK(kelos::k8s::to_json(kelos::k8s::parse_object_meta(wrapped)) == meta_json);
  (void)kelos::k8s::ref_of(j);
  return 0;
}
