# Client configuration: kubeconfig, in-cluster, exec credential plugins, token sources.
kelos_test(unit_client_config LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/client_config_kubeconfig_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/client_config_in_cluster_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/client_config_exec_test.cpp
  LIBS kelos_client_config
  TIMEOUT 60)
target_compile_definitions(unit_client_config PRIVATE
  KELOS_KUBECONFIG_FIXTURES="${CMAKE_CURRENT_LIST_DIR}/fixtures/kubeconfig")
