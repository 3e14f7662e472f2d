kelos_test(actor_runtime LABEL actor
  SOURCES runtime_error_bridge_test.cpp
  LIBS kelos_runtime_caf)
