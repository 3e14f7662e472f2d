# kelos_log_format: pure rendering of log lines (text and JSON, escaping); unit-tested.
add_library(kelos_log_format STATIC ${CMAKE_CURRENT_LIST_DIR}/log_format.cpp)
target_link_libraries(kelos_log_format PRIVATE kelos_warnings)

# kelos_log: the spdlog formatter every binary installs (--log-format) and the
# log_context API the actors log through (runtime/log.hpp).
add_library(kelos_log STATIC ${CMAKE_CURRENT_LIST_DIR}/log.cpp)
target_link_libraries(kelos_log PUBLIC kelos_log_format spdlog::spdlog PRIVATE kelos_warnings)
