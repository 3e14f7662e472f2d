# `kelos up`: the process hosting the API server, the Job controller, the local node and
# the Task controller; and the `kelos` command line.
# The Kelos CRDs compiled into the binary, so `kelos up` works from any directory.
file(GLOB kelos_crd_yaml CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/deploy/crds/*.yaml)
list(SORT kelos_crd_yaml)
string(REPLACE ";" "|" kelos_crd_yaml_arg "${kelos_crd_yaml}")
set(kelos_crd_bundle ${CMAKE_CURRENT_BINARY_DIR}/crd_bundle.cpp)
add_custom_command(OUTPUT ${kelos_crd_bundle}
  COMMAND ${CMAKE_COMMAND} -DOUT=${kelos_crd_bundle} -DNAMESPACE=kelos::local -DFUNCTION=kelos_crd_manifests
          "-DFILES=${kelos_crd_yaml_arg}" -P ${CMAKE_CURRENT_LIST_DIR}/local/embed_files.cmake
  DEPENDS ${kelos_crd_yaml} ${CMAKE_CURRENT_LIST_DIR}/local/embed_files.cmake
  COMMENT "Embedding the Kelos CRDs"
  VERBATIM)


# The process needs the local-mode actors (actors/jobs.cmake, actors/node.cmake).
if(TARGET kelos_job_controller AND TARGET kelos_node)
  add_library(kelos_local STATIC
    ${CMAKE_CURRENT_LIST_DIR}/local/local_cluster.cpp
    ${CMAKE_CURRENT_LIST_DIR}/local/demo.cpp
    ${kelos_crd_bundle})
  target_link_libraries(kelos_local PUBLIC kelos_local_options kelos_local_state kelos_cli_rest kelos_controller_runtime kelos_apiserver
    kelos_job_controller kelos_node PkgConfig::LIBGIT2 spdlog::spdlog PRIVATE kelos_warnings)
  target_compile_definitions(kelos_local PRIVATE KELOS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

  add_executable(kelos
    ${CMAKE_CURRENT_LIST_DIR}/kelos_main.cpp
    ${CMAKE_CURRENT_LIST_DIR}/verb_up.cpp
    ${CMAKE_CURRENT_LIST_DIR}/verb_down.cpp)
  target_link_libraries(kelos PRIVATE kelos_local spdlog::spdlog kelos_allocator kelos_warnings)
  target_include_directories(kelos PRIVATE ${PROJECT_SOURCE_DIR})
endif()
