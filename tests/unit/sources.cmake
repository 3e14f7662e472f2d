# Pure TaskSpawner source algorithms: Go text/template engine, cron schedules, pollInterval.
kelos_test(unit_sources LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/sources_template_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/sources_template_fuzz_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/sources_cron_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/sources_duration_test.cpp
  LIBS kelos_sources_pure
  TIMEOUT 60)
