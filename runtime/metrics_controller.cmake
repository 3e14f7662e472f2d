# The controller's observability metrics (issue 8 §1) and the waiting-count bookkeeping
# behind kelos_tasks_waiting; part of kelos_metrics (pure: no CAF, no I/O). Sorted after
# metrics.cmake, which defines the target.
target_sources(kelos_metrics PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/controller_metrics.cpp
  ${CMAKE_CURRENT_LIST_DIR}/waiting_counts.cpp)
