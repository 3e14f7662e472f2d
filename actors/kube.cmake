# The KUBE actor and the message types of its interface.
add_library(kelos_actors_kube STATIC
  ${CMAKE_CURRENT_LIST_DIR}/kube_messages.cpp)
target_link_libraries(kelos_actors_kube PUBLIC kelos_core kelos_client_core kelos_runtime_caf
  PRIVATE kelos_warnings)
