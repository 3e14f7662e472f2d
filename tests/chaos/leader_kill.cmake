# Two kelos-controller replicas with --leader-elect; the Lease holder killed (-9) again and
# again during bursts, each replaced by a fresh standby (25 leader kills in CI).
if(TARGET kelos-apiserver AND TARGET kelos-controller)
  add_test(NAME chaos.leader_kill
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/leader_kill_test.py
            --apiserver $<TARGET_FILE:kelos-apiserver> --controller $<TARGET_FILE:kelos-controller>
            --kills 25 --seed 1)
  set_tests_properties(chaos.leader_kill PROPERTIES LABELS chaos TIMEOUT 600)
endif()
