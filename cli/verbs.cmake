# The `kelos` API verbs (run, create, get, delete, logs, suspend, resume, init, version,
# completion) on CLI11. kelos_cli_pure: the pure helpers (config and precedence, tables and
# YAML, object builders, completion, log renderers), unit-tested without a cluster.
find_package(CLI11 CONFIG REQUIRED)

add_library(kelos_cli_pure STATIC
  ${CMAKE_CURRENT_LIST_DIR}/cli_config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cli_output.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cli_resources.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cli_completion.cpp
  ${CMAKE_CURRENT_LIST_DIR}/log_render.cpp
  ${CMAKE_CURRENT_LIST_DIR}/log_render_claude.cpp
  ${CMAKE_CURRENT_LIST_DIR}/log_render_codex.cpp
  ${CMAKE_CURRENT_LIST_DIR}/log_render_gemini.cpp
  ${CMAKE_CURRENT_LIST_DIR}/log_render_opencode.cpp)
target_include_directories(kelos_cli_pure PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(kelos_cli_pure PUBLIC kelos_core kelos_sources_pure PRIVATE yaml-cpp::yaml-cpp kelos_warnings)

add_library(kelos_cli_verbs STATIC
  ${CMAKE_CURRENT_LIST_DIR}/cli_session.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cli_watch.cpp
  ${CMAKE_CURRENT_LIST_DIR}/verb_run.cpp
  ${CMAKE_CURRENT_LIST_DIR}/verb_create.cpp
  ${CMAKE_CURRENT_LIST_DIR}/verb_get.cpp
  ${CMAKE_CURRENT_LIST_DIR}/verb_delete.cpp
  ${CMAKE_CURRENT_LIST_DIR}/verb_logs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/verb_suspend.cpp
  ${CMAKE_CURRENT_LIST_DIR}/verb_resume.cpp
  ${CMAKE_CURRENT_LIST_DIR}/verb_init.cpp
  ${CMAKE_CURRENT_LIST_DIR}/verb_version.cpp
  ${CMAKE_CURRENT_LIST_DIR}/verb_completion.cpp)
target_link_libraries(kelos_cli_verbs PUBLIC kelos_cli_pure kelos_cli_rest CLI11::CLI11 PRIVATE kelos_warnings)
target_compile_definitions(kelos_cli_verbs PRIVATE KELOS_VERSION="${PROJECT_VERSION}")

if(TARGET kelos)
  target_link_libraries(kelos PRIVATE kelos_cli_verbs)
endif()
