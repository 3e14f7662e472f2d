# The Task controller end to end against the embedded API server (real HTTP, real CRDs).
if(TARGET kelos_test_controller_harness)
  kelos_test(integration_task_controller LABEL integration
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/task_controller_test.cpp
    LIBS kelos_test_controller_harness
    TIMEOUT 300)
endif()
