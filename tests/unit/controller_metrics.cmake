# The controller's observability metrics (issue 8 §1): families, label helpers, the
# waiting-count bookkeeping, request verbs, wait reasons and the reconcile-slot observer.
kelos_test(unit_controller_metrics LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/controller_metrics_test.cpp
  LIBS kelos_metrics kelos_actors_kube kelos_task_reconcile kelos_task_logic
  TIMEOUT 60)
