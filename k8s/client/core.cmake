# kelos_client_core: pure Kubernetes client logic (request values, watch state machine,
# NDJSON decoding, reflector store, rate limiting, backoff, retry policy).
# No CAF, no Beast: links kelos_core only, so it is cheap to compile and test.
set(KELOS_CLIENT_CORE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/http_message.cpp
  ${CMAKE_CURRENT_LIST_DIR}/request.cpp
  ${CMAKE_CURRENT_LIST_DIR}/line_decoder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/field_filter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/watch_event.cpp
  ${CMAKE_CURRENT_LIST_DIR}/list_page.cpp
  ${CMAKE_CURRENT_LIST_DIR}/watch_state.cpp
  ${CMAKE_CURRENT_LIST_DIR}/store.cpp
  ${CMAKE_CURRENT_LIST_DIR}/compact_object.cpp
  ${CMAKE_CURRENT_LIST_DIR}/backoff.cpp
  ${CMAKE_CURRENT_LIST_DIR}/rate_limiter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/retry_policy.cpp
  CACHE INTERNAL "Sources of kelos_client_core (benchmarks recompile them with -O2)")
add_library(kelos_client_core STATIC ${KELOS_CLIENT_CORE_SOURCES})
target_link_libraries(kelos_client_core PUBLIC kelos_core PRIVATE kelos_warnings)
