# kelos_ops_server: /metrics, /healthz and /readyz over plain HTTP on an io thread of its own.
# The only Beast translation unit of the runtime area.
add_library(kelos_ops_server STATIC ${CMAKE_CURRENT_LIST_DIR}/ops_server.cpp)
target_link_libraries(kelos_ops_server PUBLIC kelos_metrics PRIVATE kelos_beast kelos_warnings)
