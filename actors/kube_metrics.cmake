# Request metrics of the KUBE actor (kelos_kube_requests_total & co.): the pure label
# helpers, and the metrics library the actor records into. Sorted after kube.cmake.
target_sources(kelos_actors_kube PRIVATE ${CMAKE_CURRENT_LIST_DIR}/kube_request_labels.cpp)
target_link_libraries(kelos_actors_kube PUBLIC kelos_metrics)
