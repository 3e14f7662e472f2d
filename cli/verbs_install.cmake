# `kelos install` / `kelos uninstall`: deploy/install.yaml compiled into the binary
# (kelos_cli_install_pure: the document split and rewrites, unit-tested) and the two verbs,
# linked into `kelos` next to the other API verbs (cli/verbs.cmake).
set(kelos_install_bundle ${CMAKE_CURRENT_BINARY_DIR}/install_bundle.cpp)
add_custom_command(OUTPUT ${kelos_install_bundle}
  COMMAND ${CMAKE_COMMAND} -DOUT=${kelos_install_bundle} -DNAMESPACE=kelos::cli -DFUNCTION=kelos_install_files
          "-DFILES=${PROJECT_SOURCE_DIR}/deploy/install.yaml" -P ${CMAKE_CURRENT_LIST_DIR}/local/embed_files.cmake
  DEPENDS ${PROJECT_SOURCE_DIR}/deploy/install.yaml ${CMAKE_CURRENT_LIST_DIR}/local/embed_files.cmake
  COMMENT "Embedding deploy/install.yaml"
  VERBATIM)

# A release build pins the images `kelos install` deploys: -DKELOS_RELEASE_VERSION=v1.2.3.
set(KELOS_RELEASE_VERSION "" CACHE STRING "image tag `kelos install` uses by default (empty: latest)")

add_library(kelos_cli_install_pure STATIC
  ${CMAKE_CURRENT_LIST_DIR}/install_manifest.cpp
  ${kelos_install_bundle})
target_include_directories(kelos_cli_install_pure PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(kelos_cli_install_pure PUBLIC kelos_core PRIVATE yaml-cpp::yaml-cpp kelos_warnings)
if(KELOS_RELEASE_VERSION)
  target_compile_definitions(kelos_cli_install_pure PRIVATE KELOS_RELEASE_VERSION="${KELOS_RELEASE_VERSION}")
endif()

if(TARGET kelos_cli_verbs)
  add_library(kelos_cli_install STATIC
    ${CMAKE_CURRENT_LIST_DIR}/install_client.cpp
    ${CMAKE_CURRENT_LIST_DIR}/verb_install.cpp
    ${CMAKE_CURRENT_LIST_DIR}/verb_uninstall.cpp)
  target_link_libraries(kelos_cli_install PUBLIC kelos_cli_install_pure kelos_cli_verbs PRIVATE kelos_warnings)
  if(TARGET kelos)
    target_link_libraries(kelos PRIVATE kelos_cli_install)
  endif()
endif()
