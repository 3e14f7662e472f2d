# The KUBE actor, its transport adapter and the message types of its interface.
add_library(kelos_actors_kube STATIC
  ${CMAKE_CURRENT_LIST_DIR}/kube_messages.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kube_cache_view.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kube_transport.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kube_actor.cpp)
target_link_libraries(kelos_actors_kube PUBLIC kelos_core kelos_client_core kelos_client_config kelos_http
  kelos_runtime_caf kelos_log spdlog::spdlog PRIVATE kelos_warnings)
