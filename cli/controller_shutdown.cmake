# kelos-controller's shutdown watchdog (--graceful-shutdown-timeout) and structured logs
# (--log-format, runtime/log.hpp).
add_library(kelos_shutdown_watchdog STATIC ${CMAKE_CURRENT_LIST_DIR}/shutdown_watchdog.cpp)
target_link_libraries(kelos_shutdown_watchdog PUBLIC Threads::Threads spdlog::spdlog PRIVATE kelos_warnings)
if(TARGET kelos-controller)
  target_link_libraries(kelos-controller PRIVATE kelos_shutdown_watchdog kelos_log)
endif()
