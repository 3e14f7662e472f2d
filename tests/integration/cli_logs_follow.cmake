# `kelos logs -f` across a replacement pod: the real kelos binary as a subprocess against the
# embedded API server, the test playing the controllers and the kubelet.
if(TARGET kelos_test_controller_harness AND TARGET kelos)
  kelos_test(integration_cli_logs_follow LABEL integration
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/cli_logs_follow_test.cpp
    LIBS kelos_test_controller_harness
    TIMEOUT 120)
  target_compile_definitions(integration_cli_logs_follow PRIVATE KELOS_CLI="$<TARGET_FILE:kelos>")
  add_dependencies(integration_cli_logs_follow kelos)
endif()
