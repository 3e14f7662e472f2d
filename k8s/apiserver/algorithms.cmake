# kelos_apiserver_algorithms: pure API-server algorithms (patches, SSA, CRD schemas, CEL,
# protobuf decoding). JSON in, JSON out; links kelos_core only.
add_library(kelos_apiserver_algorithms STATIC
  ${CMAKE_CURRENT_LIST_DIR}/json_patch.cpp
  ${CMAKE_CURRENT_LIST_DIR}/merge_patch.cpp
  ${CMAKE_CURRENT_LIST_DIR}/list_types.cpp
  ${CMAKE_CURRENT_LIST_DIR}/strategic_merge.cpp
  ${CMAKE_CURRENT_LIST_DIR}/managed_fields.cpp
  ${CMAKE_CURRENT_LIST_DIR}/server_side_apply.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/structural_schema.cpp
  ${CMAKE_CURRENT_LIST_DIR}/schema_validate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/protobuf.cpp
  ${CMAKE_CURRENT_LIST_DIR}/json_depth.cpp)
target_link_libraries(kelos_apiserver_algorithms PUBLIC kelos_core PRIVATE kelos_warnings)
