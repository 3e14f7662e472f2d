# Pure Task controller logic: output markers, branch queue, dependency graph.
kelos_test(unit_task_logic LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/task_output_parser_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/task_branch_queue_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/task_branch_restore_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/task_dependency_graph_test.cpp
  LIBS kelos_task_logic
  TIMEOUT 60)
