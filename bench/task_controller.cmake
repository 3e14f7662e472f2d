# Task controller benchmark (bench/README.md, "Task controller"): N Tasks against the
# embedded API server with the real kelos-controller as a child process; time until every
# Task has its Job, Task->Job latency, controller RSS, and a plain two-writes-per-Task
# baseline for the throughput ratio. Built only with -DKELOS_BENCH=ON. The bench main is
# -O2; the controller and the in-process server use the build type's flags (Dev is -O0),
# so the README labels each figure with its build dir.
if(KELOS_BENCH AND TARGET kelos-controller AND TARGET kelos_apiserver)
  add_executable(task_controller_bench ${CMAKE_CURRENT_LIST_DIR}/task_controller_bench.cpp)
  target_link_libraries(task_controller_bench PRIVATE kelos_apiserver kelos_http kelos_job_builder kelos_allocator kelos_warnings)
  target_compile_options(task_controller_bench PRIVATE -O2)
  target_compile_definitions(task_controller_bench PRIVATE
    KELOS_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    KELOS_CONTROLLER_PATH="$<TARGET_FILE:kelos-controller>"
    KELOS_BUILD_TYPE="${CMAKE_BUILD_TYPE}")
  add_dependencies(task_controller_bench kelos-controller)
endif()
