# `kelos install` / `kelos uninstall` as a subprocess against kelos-apiserver (kubectl checks
# the result; the server serves the apps/v1 and RBAC kinds install.yaml applies).
if(TARGET kelos-apiserver AND TARGET kelos)
  foreach(scenario install uninstall dryrun)
    add_test(NAME integration.cli.install.${scenario}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/cli_install_test.py
              --binary $<TARGET_FILE:kelos-apiserver> --kelos $<TARGET_FILE:kelos> --scenario ${scenario})
    set_tests_properties(integration.cli.install.${scenario} PROPERTIES LABELS integration TIMEOUT 180)
  endforeach()
endif()
