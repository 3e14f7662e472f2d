# What the Task controller's watch caches keep of each kind.
kelos_test(unit_task_cache_projection LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/task_cache_projection_test.cpp
  LIBS kelos_task_reconcile
  TIMEOUT 30)
