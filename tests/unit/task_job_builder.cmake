# The pure Task-to-Job builder: env, init containers and their scripts (run with /bin/sh),
# security defaults, errors.
kelos_test(unit_job_builder LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/task_job_builder_test.cpp
  LIBS kelos_job_builder
  TIMEOUT 60)
