# The `kelos` CLI verbs as a subprocess against kelos-apiserver (kubectl checks the result).
if(TARGET kelos-apiserver AND TARGET kelos)
  foreach(scenario crud config dryrun bad_input)
    add_test(NAME integration.cli.${scenario}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/cli_verbs_test.py
              --binary $<TARGET_FILE:kelos-apiserver> --kelos $<TARGET_FILE:kelos> --scenario ${scenario})
    set_tests_properties(integration.cli.${scenario} PROPERTIES LABELS integration TIMEOUT 180)
  endforeach()
endif()
