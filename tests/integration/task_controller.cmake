# The Task controller end to end against the embedded API server (real HTTP, real CRDs):
# one binary, one source file per topic, shared helpers in task_controller_support.
if(TARGET kelos_test_controller_harness)
  kelos_test(integration_task_controller LABEL integration
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/task_controller_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/task_controller_support.cpp
      ${CMAKE_CURRENT_LIST_DIR}/task_controller_job_spec_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/task_controller_lifecycle_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/task_controller_dependencies_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/task_controller_branch_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/task_controller_github_app_test.cpp
    LIBS kelos_test_controller_harness kelos_test_loopback OpenSSL::Crypto
    TIMEOUT 300)
endif()
