# `kelos up` end to end: real kubectl, real git, the demo agent in bubblewrap sandboxes.
if(TARGET kelos AND TARGET kelos-capture)
  foreach(scenario demo pipeline failures restart)
    add_test(NAME e2e.local.${scenario}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/local_mode_test.py
              --kelos $<TARGET_FILE:kelos> --scenario ${scenario})
    set_tests_properties(e2e.local.${scenario} PROPERTIES LABELS e2e TIMEOUT 420)
  endforeach()
endif()
