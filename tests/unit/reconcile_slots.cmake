kelos_test(unit_reconcile_slots LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/reconcile_slots_test.cpp
  LIBS kelos_task_logic
  TIMEOUT 60)
