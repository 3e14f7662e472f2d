# Loopback integration tests of the HTTP(S) transport (real sockets on 127.0.0.1 only).
kelos_test(integration_http_loopback LABEL integration TIMEOUT 60
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/http_loopback_test.cpp
  LIBS kelos_http kelos_test_loopback)
