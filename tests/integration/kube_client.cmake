# The client stack end to end (kubeconfig → transport → KUBE actor) against the embedded API server.
if(TARGET kelos_apiserver)
  kelos_test(integration_kube_client LABEL integration
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/kube_client_test.cpp
    LIBS kelos_actors_kube kelos_apiserver
    TIMEOUT 90)
endif()
