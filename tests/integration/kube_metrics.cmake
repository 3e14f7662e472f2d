# The KUBE actor's request metrics (kelos_kube_*) against the embedded API server.
if(TARGET kelos_apiserver)
  kelos_test(integration_kube_metrics LABEL integration
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/kube_metrics_test.cpp
    LIBS kelos_actors_kube kelos_apiserver
    TIMEOUT 60)
endif()
