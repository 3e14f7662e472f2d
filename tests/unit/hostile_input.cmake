# Hostile and malformed input (docs/fuzzing.md, docs/reliability.md): issue text, prompts,
# file paths and names from users going through the spawner's template rendering, the Job
# builder (whose init scripts are run for real with /bin/sh in a temporary directory), the
# local node's run plan and Task naming.
if(TARGET kelos_node_logic)
  kelos_test(unit_hostile_input LABEL unit
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/hostile_input_test.cpp
    LIBS kelos_spawn_pure kelos_job_builder kelos_node_logic kelos_task_logic
    TIMEOUT 120)
endif()
