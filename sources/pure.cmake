# kelos_sources_pure: pure source-side algorithms for TaskSpawners (Go text/template engine,
# cron expressions, pollInterval durations). No CAF, no Beast, no I/O: links kelos_core only.
add_library(kelos_sources_pure STATIC
  ${CMAKE_CURRENT_LIST_DIR}/template.cpp
  ${CMAKE_CURRENT_LIST_DIR}/template/lexer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/template/parser.cpp
  ${CMAKE_CURRENT_LIST_DIR}/template/value.cpp
  ${CMAKE_CURRENT_LIST_DIR}/template/format.cpp
  ${CMAKE_CURRENT_LIST_DIR}/template/funcs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/template/exec.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cron.cpp
  ${CMAKE_CURRENT_LIST_DIR}/duration.cpp)
target_link_libraries(kelos_sources_pure PUBLIC kelos_core PRIVATE kelos_warnings)
