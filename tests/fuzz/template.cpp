// Fuzz target: the Go text/template engine (sources/template.hpp) that renders spawner
// prompts, branches and dependency prompts. The input is the template text, executed against
// a small data map like a spawned Task's. Invariants: no crash or UB, errors are values,
// output never exceeds max_output_bytes, and execution is deterministic.

#include "tests/fuzz/fuzz_check.hpp"

#include "sources/template.hpp"

using kelos::k8s::json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16 * 1024)
    return 0;
  static const json map = json::parse(R"json({
    "ID": "42", "Number": 42, "Title": "Fix {{.Body}} $(rm -rf /)", "Body": "body\n`x`",
    "URL": "https://github.com/o/r/issues/42", "Labels": "bug, p1", "Comments": "",
    "Kind": "Issue", "Time": "", "Schedule": "",
    "Deps": {"a": {"Results": {"pr": "https://x/1"}, "Outputs": ["one", "two"]}},
    "List": [1, 2.5, "three", null, true, {"k": "v"}], "Empty": {}, "Null": null
  })json");
  kelos::sources::template_options opts;
  opts.max_output_bytes = 64 * 1024;
  opts.max_steps = 100'000;
  // The first byte chooses missingkey behaviour, so both paths are fuzzed.
  if (size > 0 && (data[0] & 1))
    opts.missing = kelos::sources::missing_key::zero;
  auto parsed = kelos::sources::text_template::parse("fuzz", kelos::fuzz::as_text(data, size), opts);
  if (!parsed) {
    KELOS_FUZZ_CHECK(!parsed.error().message.empty());
    return 0;
  }
  auto out = parsed->execute(map);
  if (!out) {
    KELOS_FUZZ_CHECK(!out.error().message.empty());
    return 0;
  }
  KELOS_FUZZ_CHECK(out->size() <= opts.max_output_bytes);
  auto again = parsed->execute(map);
  KELOS_FUZZ_CHECK(again && *again == *out);
  return 0;
}
