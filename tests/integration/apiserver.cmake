# Integration tests of the embedded API server through real clients (kubectl).
if(TARGET kelos_apiserver)
  kelos_test(apiserver_logs_test LABEL integration
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/apiserver_logs_test.cpp
    LIBS kelos_apiserver
    TIMEOUT 120)
  kelos_test(apiserver_http_test LABEL integration
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/apiserver_http_test.cpp
    LIBS kelos_apiserver
    TIMEOUT 60)
endif()
