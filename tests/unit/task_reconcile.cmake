# The pure Task reconcile decision: every transition of `decide` as the exact plan it
# returns (steps, status, events, metrics, requeue times).
kelos_test(unit_task_reconcile LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/task_reconcile_test.cpp
  LIBS kelos_task_reconcile
  TIMEOUT 60)
