# Pure helpers of the `kelos` API verbs: config and precedence, tables/YAML/detail views,
# object builders, completion, and the per-agent log renderers over hand-written fixtures.
if(TARGET kelos_cli_pure)
  kelos_test(cli_pure_test LABEL unit
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/cli_config_test.cpp
            ${CMAKE_CURRENT_LIST_DIR}/cli_output_test.cpp
            ${CMAKE_CURRENT_LIST_DIR}/cli_completion_test.cpp
            ${CMAKE_CURRENT_LIST_DIR}/cli_log_render_test.cpp
    LIBS kelos_cli_pure
    TIMEOUT 60)
  target_compile_definitions(cli_pure_test PRIVATE
    KELOS_CLI_LOG_FIXTURES="${CMAKE_CURRENT_LIST_DIR}/fixtures/cli_logs")
endif()
