# The embedded Job controller's pure sync: pod creation, counting, backoff, deadline,
# completions, suspend, TTL, no-op status.
kelos_test(unit_job_sync LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/job_sync_test.cpp
  LIBS kelos_job_sync
  TIMEOUT 60)
