# kelos-apiserver: the embedded Kubernetes-compatible API server as its own binary.
add_executable(kelos-apiserver ${CMAKE_CURRENT_LIST_DIR}/kelos_apiserver_main.cpp)
target_link_libraries(kelos-apiserver PRIVATE kelos_apiserver kelos_log spdlog::spdlog kelos_allocator kelos_warnings)
