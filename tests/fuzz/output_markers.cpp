// Fuzz target: the outputs block `kelos-capture` prints at the end of an agent's log
// (actors/task/output_parser.hpp, ---KELOS_OUTPUTS_START--- / ---KELOS_OUTPUTS_END---).
// Invariants: no crash or UB; output lines are trimmed, non-empty, single lines and
// substrings of the log; results come from lines with ": ".

#include "tests/fuzz/fuzz_check.hpp"

#include "actors/task/output_parser.hpp"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kelos::fuzz::max_input)
    return 0;
  auto log = kelos::fuzz::as_text(data, size);
  auto outputs = kelos::task::parse_outputs(log);
  if (!outputs.empty()) {
    KELOS_FUZZ_CHECK(log.find(kelos::task::outputs_start_marker) != std::string_view::npos);
    KELOS_FUZZ_CHECK(log.find(kelos::task::outputs_end_marker) != std::string_view::npos);
  }
  for (const auto& line : outputs) {
    KELOS_FUZZ_CHECK(!line.empty());
    KELOS_FUZZ_CHECK(line.find('\n') == std::string::npos);
    KELOS_FUZZ_CHECK(line.front() != ' ' && line.front() != '\t' && line.back() != ' ' && line.back() != '\t' &&
                     line.back() != '\r');
    KELOS_FUZZ_CHECK(log.find(line) != std::string_view::npos);
    KELOS_FUZZ_CHECK(line != kelos::task::outputs_start_marker && line != kelos::task::outputs_end_marker);
  }
  auto results = kelos::task::results_from_outputs(outputs);
  KELOS_FUZZ_CHECK(results.size() <= outputs.size());
  for (const auto& [key, value] : results) {
    KELOS_FUZZ_CHECK(!key.empty());
    bool found = false;
    for (const auto& line : outputs)
      found = found || line.rfind(key + ": ", 0) == 0;
    KELOS_FUZZ_CHECK(found);
  }
  return 0;
}
