# kelos_apiserver_describe: the API server's descriptive layer (discovery, OpenAPI v3,
# Table output, JSONPath, CRD model, Accept parsing). Pure JSON-in/JSON-out functions;
# links kelos_core only.
add_library(kelos_apiserver_describe STATIC
  ${CMAKE_CURRENT_LIST_DIR}/accept.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jsonpath.cpp
  ${CMAKE_CURRENT_LIST_DIR}/crd_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/discovery.cpp
  ${CMAKE_CURRENT_LIST_DIR}/openapi.cpp
  ${CMAKE_CURRENT_LIST_DIR}/table.cpp)
target_link_libraries(kelos_apiserver_describe PUBLIC kelos_core PRIVATE kelos_warnings)
