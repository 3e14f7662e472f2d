# Client core benchmarks (watch decode throughput, 10,000-object list decode).
# Off by default so the test build stays fast. Build and run:
#   cmake -S . -B build-bench -G Ninja -DKELOS_BENCH=ON
#   ninja -C build-bench watch_decode_bench list_decode_bench
#   build-bench/bench/watch_decode_bench; build-bench/bench/list_decode_bench
# The client core sources are compiled once more with -O2 into an object library (the
# Dev build of kelos_client_core is -O0); only cold helpers come from the -O0 kelos_core.
option(KELOS_BENCH "Build the benchmarks in bench/" OFF)
if(KELOS_BENCH)
  add_library(kelos_client_core_bench OBJECT ${KELOS_CLIENT_CORE_SOURCES})
  target_compile_options(kelos_client_core_bench PRIVATE -O2)
  target_link_libraries(kelos_client_core_bench PRIVATE kelos_core kelos_warnings)
  foreach(bench_name watch_decode_bench list_decode_bench)
    add_executable(${bench_name} ${CMAKE_CURRENT_LIST_DIR}/${bench_name}.cpp)
    target_compile_options(${bench_name} PRIVATE -O2)
    target_link_libraries(${bench_name} PRIVATE kelos_client_core_bench kelos_core kelos_warnings)
  endforeach()
endif()
