# Prometheus registry, text exposition and the controller's task metrics.
kelos_test(unit_metrics LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/runtime_metrics_test.cpp
  LIBS kelos_metrics
  TIMEOUT 60)
