# KELOS_FUZZ (docs/fuzzing.md): with clang, every target is compiled with
# -fsanitize=fuzzer-no-link,address,undefined and the fuzz targets in tests/fuzz/ link
# libFuzzer. Use a separate build directory (scripts/fuzz, scripts/test use build-fuzz-clang/)
# and build only the `kelos_fuzzers` target there. Off by default: the normal g++ build then
# compiles the same targets as replay executables (ctest label `fuzz`).
option(KELOS_FUZZ "Build the libFuzzer targets in tests/fuzz (clang only)" OFF)
if(KELOS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "KELOS_FUZZ=ON needs clang: cmake -DCMAKE_CXX_COMPILER=clang++ -DKELOS_FUZZ=ON")
  endif()
  # -O1: fuzzing at -O0 runs several times fewer inputs per second. UB is fatal, so the
  # fuzzer stops at the first report instead of printing and carrying on.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer -O1 -gline-tables-only)
  add_link_options(-fsanitize=address,undefined)
endif()
