# kelos_metrics: Prometheus registry and text exposition, plus the controller's task metrics.
# Pure: no CAF, no Beast, no I/O.
add_library(kelos_metrics STATIC ${CMAKE_CURRENT_LIST_DIR}/metrics.cpp)
target_link_libraries(kelos_metrics PUBLIC kelos_runtime_pure PRIVATE kelos_warnings)
