# The ops endpoint (/metrics, /healthz, /readyz) over real loopback sockets.
kelos_test(integration_ops_server LABEL integration TIMEOUT 60
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/ops_server_test.cpp
  LIBS kelos_ops_server)
