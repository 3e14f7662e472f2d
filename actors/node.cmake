# The local node of local mode (kelos up): runs pods as host processes in bubblewrap.
# kelos_node_logic is pure (image map, run plan); kelos_node is the actor and the runner.

# deploy/local/image-map.yaml compiled into the library, so the binary works anywhere.
set(kelos_image_map_yaml ${PROJECT_SOURCE_DIR}/deploy/local/image-map.yaml)
set(kelos_image_map_inc ${CMAKE_CURRENT_BINARY_DIR}/generated/actors/node/builtin_image_map.inc)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${kelos_image_map_yaml})
file(READ ${kelos_image_map_yaml} kelos_image_map_text)
file(CONFIGURE OUTPUT ${kelos_image_map_inc} CONTENT
  "// Generated from deploy/local/image-map.yaml by actors/node.cmake; do not edit.\n#pragma once\nnamespace kelos::node {\ninline constexpr const char* kBuiltinImageMap = R\"kelosimagemap(${kelos_image_map_text})kelosimagemap\";\n}\n"
  @ONLY)

add_library(kelos_node_logic STATIC
  ${CMAKE_CURRENT_LIST_DIR}/node/image_map.cpp
  ${CMAKE_CURRENT_LIST_DIR}/node/pod_plan.cpp)
target_include_directories(kelos_node_logic PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/generated)
target_link_libraries(kelos_node_logic PUBLIC kelos_core yaml-cpp::yaml-cpp PRIVATE kelos_warnings)

add_library(kelos_node STATIC
  ${CMAKE_CURRENT_LIST_DIR}/node/process_runner.cpp
  ${CMAKE_CURRENT_LIST_DIR}/node/local_node.cpp)
find_package(Threads REQUIRED)
target_link_libraries(kelos_node PUBLIC kelos_node_logic kelos_actors_kube Threads::Threads PRIVATE kelos_warnings)
