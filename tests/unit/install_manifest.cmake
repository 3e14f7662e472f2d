# `kelos install`'s manifest handling (cli/install_manifest.cpp) and the agreement of
# deploy/install.yaml, deploy/crds and the Helm chart (scripts/check-helm-chart).
if(TARGET kelos_cli_install_pure)
  kelos_test(unit_install_manifest LABEL unit
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/install_manifest_test.cpp
    LIBS kelos_cli_install_pure
    TIMEOUT 60)
endif()
add_test(NAME unit.helm_chart COMMAND /usr/bin/python3 ${PROJECT_SOURCE_DIR}/scripts/check-helm-chart)
set_tests_properties(unit.helm_chart PROPERTIES LABELS unit TIMEOUT 60)
