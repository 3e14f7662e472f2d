# Integration tests of the embedded API server over loopback sockets.
if(TARGET kelos_apiserver)
  kelos_test(apiserver_http_test LABEL integration
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/apiserver_http_test.cpp
    LIBS kelos_apiserver
    TIMEOUT 60)
endif()
