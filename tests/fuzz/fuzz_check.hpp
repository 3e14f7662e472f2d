#pragma once

/// Shared by the fuzz targets in tests/fuzz (docs/fuzzing.md): the libFuzzer entry point and
/// an invariant check that aborts, so both libFuzzer and the replay executables report it
/// as a crash with the failed condition on stderr.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

#define KELOS_FUZZ_CHECK(cond)                                                                     \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond);     \
      std::abort();                                                                                \
    }                                                                                              \
  } while (false)

namespace kelos::fuzz {

/// The input as text (may contain NUL and invalid UTF-8).
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Inputs above this are ignored: every parser here is linear or bounded, and large inputs
/// only slow the fuzzer down (libFuzzer's default -max_len is 4096 anyway).
inline constexpr std::size_t max_input = 256 * 1024;

} // namespace kelos::fuzz
