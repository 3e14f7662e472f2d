# kelos_apiserver: the HTTP front of the embedded API server (Beast), its handlers, the CRD
# controller, log streams and the api_server facade. Plain and TLS sessions compile in
# separate TUs (DEPENDENCIES.md §7); no Beast header leaves this library.
add_library(kelos_apiserver_http STATIC
  ${CMAKE_CURRENT_LIST_DIR}/http_message.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_server_tls.cpp)
target_link_libraries(kelos_apiserver_http PUBLIC kelos_runtime_pure PRIVATE kelos_beast spdlog::spdlog kelos_warnings)

add_library(kelos_apiserver STATIC
  ${CMAKE_CURRENT_LIST_DIR}/request_context.cpp
  ${CMAKE_CURRENT_LIST_DIR}/content.cpp
  ${CMAKE_CURRENT_LIST_DIR}/resource_catalog.cpp
  ${CMAKE_CURRENT_LIST_DIR}/admission.cpp
  ${CMAKE_CURRENT_LIST_DIR}/crd_controller.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pod_logs.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stream_pump.cpp
  ${CMAKE_CURRENT_LIST_DIR}/handlers.cpp
  ${CMAKE_CURRENT_LIST_DIR}/kubeconfig_writer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/api_server.cpp)
target_link_libraries(kelos_apiserver
  PUBLIC kelos_apiserver_http kelos_apiserver_store kelos_apiserver_algorithms kelos_apiserver_describe
         kelos_certgen kelos_core spdlog::spdlog
  PRIVATE kelos_client_core kelos_warnings) # kelos_client_core: the strict parser for request bodies
