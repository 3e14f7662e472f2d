# core/v1 Event builder and the create-vs-patch correlator.
kelos_test(unit_events LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/runtime_events_test.cpp
  LIBS kelos_events
  TIMEOUT 60)
