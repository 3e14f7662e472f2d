# Observability of the Task controller: why a Task waits (kelos_tasks_waiting), a pure
# helper of kelos_task_reconcile, and the metrics its actors record into.
# Sorted after task_controller.cmake, which defines the targets.
target_sources(kelos_task_reconcile PRIVATE ${CMAKE_CURRENT_LIST_DIR}/task/wait_reason.cpp)
target_link_libraries(kelos_task_reconcile PUBLIC kelos_metrics)
