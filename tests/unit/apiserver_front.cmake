# Unit tests of the API server front's pure pieces (paths, queries, bodies, logs, kubeconfig).
if(TARGET kelos_apiserver)
  kelos_test(apiserver_front_test LABEL unit
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/apiserver_front_test.cpp
    LIBS kelos_apiserver)
endif()
