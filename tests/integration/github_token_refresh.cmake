# The Task controller refreshes a running Task's GitHub App token Secret before the token
# expires and stops once the Task finished or is gone (issue 6 §3).
if(TARGET kelos_test_controller_harness)
  kelos_test(integration_github_token_refresh LABEL integration
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/github_token_refresh_test.cpp
      ${CMAKE_CURRENT_LIST_DIR}/task_controller_support.cpp
    LIBS kelos_test_controller_harness kelos_test_loopback OpenSSL::Crypto
    TIMEOUT 120)
endif()
