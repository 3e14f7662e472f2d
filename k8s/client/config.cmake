# kelos_client_config: kubeconfig, in-cluster config, exec credential plugins, token
# sources. Pure (no CAF, no Beast): the HTTP transport consumes the rest_config it returns.
add_library(kelos_client_config STATIC
  ${CMAKE_CURRENT_LIST_DIR}/rest_config.cpp
  ${CMAKE_CURRENT_LIST_DIR}/token_source.cpp
  ${CMAKE_CURRENT_LIST_DIR}/exec_credential.cpp
  ${CMAKE_CURRENT_LIST_DIR}/in_cluster.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kubeconfig.cpp)
target_link_libraries(kelos_client_config PUBLIC kelos_core yaml-cpp::yaml-cpp
  PRIVATE kelos_warnings)
