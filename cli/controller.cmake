# kelos-controller: the operator binary; its option parsing is a pure library for unit tests.
add_library(kelos_controller_options STATIC ${CMAKE_CURRENT_LIST_DIR}/controller_options.cpp)
target_link_libraries(kelos_controller_options PUBLIC kelos_job_builder kelos_sources_pure PRIVATE kelos_warnings)

# The controller's actors wired over an HTTP client; shared with `kelos up` (local mode).
add_library(kelos_controller_runtime STATIC ${CMAKE_CURRENT_LIST_DIR}/controller_runtime.cpp)
target_link_libraries(kelos_controller_runtime PUBLIC kelos_controller_options kelos_task_controller kelos_actors_kube
  kelos_http kelos_metrics PRIVATE kelos_warnings)

add_executable(kelos-controller ${CMAKE_CURRENT_LIST_DIR}/kelos_controller_main.cpp)
target_link_libraries(kelos-controller PRIVATE kelos_controller_runtime kelos_client_config kelos_ops_server
  spdlog::spdlog kelos_allocator kelos_warnings)
