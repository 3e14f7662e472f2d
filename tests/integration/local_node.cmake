# The local node against a real embedded API server: pods run in real bubblewrap sandboxes.
if(TARGET kelos_test_controller_harness AND TARGET kelos_node)
  kelos_test(integration_local_node LABEL integration
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/local_node_test.cpp
    LIBS kelos_node kelos_test_controller_harness
    TIMEOUT 120)
endif()
