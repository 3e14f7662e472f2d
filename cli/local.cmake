# Local mode (`kelos up`): option parsing and kubeconfig merging (pure), and the process
# that hosts the API server, the Job controller, the local node and the Task controller.
add_library(kelos_local_options STATIC
  ${CMAKE_CURRENT_LIST_DIR}/local/up_options.cpp
  ${CMAKE_CURRENT_LIST_DIR}/local/kubeconfig_merge.cpp)
target_link_libraries(kelos_local_options PUBLIC kelos_core PRIVATE yaml-cpp::yaml-cpp kelos_warnings)

# Synchronous REST for CLI verbs.
add_library(kelos_cli_rest STATIC ${CMAKE_CURRENT_LIST_DIR}/rest.cpp)
target_link_libraries(kelos_cli_rest PUBLIC kelos_http kelos_client_config kelos_actors_kube PRIVATE kelos_warnings)

# Single-instance lock, pid file and private file writes.
add_library(kelos_local_state STATIC ${CMAKE_CURRENT_LIST_DIR}/local/instance_lock.cpp)
target_link_libraries(kelos_local_state PUBLIC kelos_core PRIVATE kelos_warnings)
