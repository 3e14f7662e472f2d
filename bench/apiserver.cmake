# API server benchmarks (bench/README.md, "API server"): writes/s over keep-alive HTTP,
# watch delivery latency to 100 watchers, memory per stored object. Built only with
# -DKELOS_BENCH=ON (option declared in bench/client.cmake). The benchmark mains compile at
# -O2; the server and client libraries use the build type's flags, so configure a separate
# build dir with -DCMAKE_BUILD_TYPE=Release for meaningful figures:
#   cmake -S . -B build-bench-rel -G Ninja -DCMAKE_BUILD_TYPE=Release -DKELOS_BENCH=ON
#   ninja -C build-bench-rel apiserver_write_bench apiserver_watch_bench apiserver_memory_bench
#   ninja -C build-bench-rel managed_fields_bench   # update_managed_fields alone
# The write and watch benches link jemalloc as kelos-apiserver does; the memory bench keeps
# glibc's malloc, whose mallinfo2 it reads.
if(KELOS_BENCH)
  add_executable(apiserver_write_bench ${CMAKE_CURRENT_LIST_DIR}/apiserver_write_bench.cpp)
  target_link_libraries(apiserver_write_bench PRIVATE kelos_apiserver kelos_allocator kelos_warnings)
  add_executable(apiserver_watch_bench ${CMAKE_CURRENT_LIST_DIR}/apiserver_watch_bench.cpp)
  target_link_libraries(apiserver_watch_bench PRIVATE kelos_apiserver kelos_http kelos_client_core kelos_allocator kelos_warnings)
  add_executable(apiserver_memory_bench ${CMAKE_CURRENT_LIST_DIR}/apiserver_memory_bench.cpp)
  target_link_libraries(apiserver_memory_bench PRIVATE kelos_apiserver_store kelos_core kelos_warnings)
  add_executable(managed_fields_bench ${CMAKE_CURRENT_LIST_DIR}/managed_fields_bench.cpp)
  target_link_libraries(managed_fields_bench PRIVATE kelos_apiserver_algorithms kelos_warnings)
  foreach(bench_name apiserver_write_bench apiserver_watch_bench apiserver_memory_bench managed_fields_bench)
    target_compile_options(${bench_name} PRIVATE -O2)
  endforeach()
endif()
