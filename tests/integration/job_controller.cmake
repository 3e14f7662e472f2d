# The embedded Job controller against the embedded API server over real HTTP: pods from
# Jobs, completion, backoff retries, deadline, TTL, and a Task controller Job's pod spec.
if(TARGET kelos_test_controller_harness AND TARGET kelos_job_controller)
  kelos_test(integration_job_controller LABEL integration
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/job_controller_test.cpp
    LIBS kelos_test_controller_harness kelos_job_controller kelos_job_builder
    TIMEOUT 120)
endif()
