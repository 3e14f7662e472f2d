// Fuzz target: a watch response body as the client reads it (k8s/client/line_decoder.hpp
// then k8s/client/watch_event.hpp). The first byte seeds the chunk sizes the body arrives
// in. Invariants: no crash or UB; the lines delivered do not depend on how the body was
// chunked; each line decodes (or fails) the same with and without a field filter; the
// line limit holds.

#include "tests/fuzz/fuzz_check.hpp"

#include "k8s/client/line_decoder.hpp"
#include "k8s/client/watch_event.hpp"

#include <string>
#include <vector>

namespace {

struct decoded {
  std::vector<std::string> lines;
  bool feed_failed = false;
  bool finish_failed = false;
};

decoded decode_lines(std::string_view body, std::size_t max_line, unsigned seed) {
  kelos::k8s::line_decoder dec{max_line};
  decoded out;
  std::size_t pos = 0;
  unsigned step = seed;
  while (pos < body.size()) {
    step = step * 1103515245u + 12345u;
    std::size_t n = seed == 0 ? body.size() : 1 + (step >> 16) % 17;
    auto chunk = body.substr(pos, n);
    pos += chunk.size();
    auto r = dec.feed(chunk, [&](std::string_view line) {
      KELOS_FUZZ_CHECK(line.size() <= max_line);
      KELOS_FUZZ_CHECK(line.find('\n') == std::string_view::npos);
      out.lines.emplace_back(line);
    });
    if (!r) {
      KELOS_FUZZ_CHECK(dec.failed());
      out.feed_failed = true;
      return out;
    }
  }
  out.finish_failed = !dec.finish();
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > kelos::fuzz::max_input)
    return 0;
  auto body = kelos::fuzz::as_text(data + 1, size - 1);
  const std::size_t max_line = 512;
  auto whole = decode_lines(body, max_line, 0);
  auto chunked = decode_lines(body, max_line, data[0] | 1u);
  KELOS_FUZZ_CHECK(whole.feed_failed == chunked.feed_failed);
  if (!whole.feed_failed) {
    KELOS_FUZZ_CHECK(whole.lines == chunked.lines);
    KELOS_FUZZ_CHECK(whole.finish_failed == chunked.finish_failed);
  }
  static const auto filter = kelos::k8s::watch_event_filter(kelos::k8s::object_filter({"status"}));
  for (const auto& line : whole.lines) {
    auto full = kelos::k8s::decode_watch_event(line);
    auto filtered = kelos::k8s::decode_watch_event(line, filter);
    KELOS_FUZZ_CHECK(full.has_value() == filtered.has_value());
    if (!full)
      continue;
    KELOS_FUZZ_CHECK(full->type == filtered->type);
    KELOS_FUZZ_CHECK(full->resource_version() == filtered->resource_version());
    (void)full->error_status();
    (void)full->is_gone();
    (void)full->is_initial_events_end();
    if (full->type == kelos::k8s::watch_event_type::error)
      (void)kelos::k8s::error_of(*full);
  }
  return 0;
}
