# TaskSpawner controller benchmark (bench/README.md, "TaskSpawner controller"): S spawners
# against S fake GitHub repositories behind one router, the real kelos-controller as a child
# process; requests, 304s and time per cycle, controller RSS. Built only with -DKELOS_BENCH=ON.
# The bench main is -O2; the controller, the fakes and the in-process server use the build
# type's flags (Dev is -O0), so the README labels each figure with its build dir.
if(KELOS_BENCH AND TARGET kelos-controller AND TARGET kelos_apiserver AND TARGET kelos_test_fake_github)
  add_executable(spawner_bench ${CMAKE_CURRENT_LIST_DIR}/spawner_bench.cpp)
  target_link_libraries(spawner_bench PRIVATE kelos_apiserver kelos_http kelos_test_fake_github kelos_allocator kelos_warnings)
  target_compile_options(spawner_bench PRIVATE -O2)
  target_compile_definitions(spawner_bench PRIVATE
    KELOS_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    KELOS_CONTROLLER_PATH="$<TARGET_FILE:kelos-controller>"
    KELOS_BUILD_TYPE="${CMAKE_BUILD_TYPE}")
  add_dependencies(spawner_bench kelos-controller)
endif()
