# kelos_task_logic: pure decision logic the Task controller's actors execute (output-block
# parsing, FIFO branch locks, the dependsOn graph and prompt templating). No CAF, no I/O.
add_library(kelos_task_logic STATIC
  ${CMAKE_CURRENT_LIST_DIR}/task/output_parser.cpp
  ${CMAKE_CURRENT_LIST_DIR}/task/branch_queue.cpp
  ${CMAKE_CURRENT_LIST_DIR}/task/branch_restore.cpp
  ${CMAKE_CURRENT_LIST_DIR}/task/dependency_graph.cpp
  ${CMAKE_CURRENT_LIST_DIR}/task/reconcile_slots.cpp)
target_link_libraries(kelos_task_logic PUBLIC kelos_core kelos_sources_pure PRIVATE kelos_warnings)
