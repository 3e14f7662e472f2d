# Log line rendering (text and JSON, escaping) and the log_context API over spdlog.
kelos_test(unit_log LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/runtime_log_format_test.cpp
  LIBS kelos_log
  TIMEOUT 30)
