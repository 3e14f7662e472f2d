# `kelos run -w` and `kelos logs -f` against `kelos up` with the demo agent.
if(TARGET kelos AND TARGET kelos-capture)
  add_test(NAME e2e.cli.local
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/cli_local_test.py --kelos $<TARGET_FILE:kelos>)
  set_tests_properties(e2e.cli.local PROPERTIES LABELS e2e TIMEOUT 420)
endif()
