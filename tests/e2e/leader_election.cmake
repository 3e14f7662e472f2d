# Two kelos-controller processes with --leader-elect against kelos-apiserver: only the
# leader creates Jobs, a frozen leader is replaced and exits on waking, SIGTERM releases.
if(TARGET kelos-apiserver AND TARGET kelos-controller)
  add_test(NAME e2e.controller.leader_election
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/leader_election_test.py
            --binary $<TARGET_FILE:kelos-apiserver> --controller $<TARGET_FILE:kelos-controller>)
  set_tests_properties(e2e.controller.leader_election PROPERTIES LABELS e2e TIMEOUT 120)
endif()
