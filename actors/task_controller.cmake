# kelos_task_controller: the Task controller's actors (supervisor, Task actors, dependency
# gate, branch lock) plus the pure reconcile decision they execute.
add_library(kelos_task_reconcile STATIC ${CMAKE_CURRENT_LIST_DIR}/task/reconcile.cpp
  ${CMAKE_CURRENT_LIST_DIR}/task/cache_projection.cpp)
target_link_libraries(kelos_task_reconcile PUBLIC kelos_job_builder kelos_task_logic kelos_core kelos_client_core
  PRIVATE kelos_warnings)

add_library(kelos_task_controller STATIC
  ${CMAKE_CURRENT_LIST_DIR}/task/task_supervisor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/task/task_actor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/task/task_effects.cpp
  ${CMAKE_CURRENT_LIST_DIR}/task/dependency_gate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/task/branch_lock.cpp
  ${CMAKE_CURRENT_LIST_DIR}/task/github_token.cpp)
target_link_libraries(kelos_task_controller PUBLIC kelos_task_reconcile kelos_actors_kube kelos_metrics
  kelos_events PRIVATE kelos_githubapp kelos_warnings)
