# kill -9 of kelos-controller at random moments (50 kills in CI; more by hand with --kills).
if(TARGET kelos-apiserver AND TARGET kelos-controller)
  add_test(NAME chaos.controller_kill
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/controller_kill_test.py
            --apiserver $<TARGET_FILE:kelos-apiserver> --controller $<TARGET_FILE:kelos-controller>
            --kills 50 --seed 1)
  set_tests_properties(chaos.controller_kill PROPERTIES LABELS chaos TIMEOUT 420)
endif()

# The API server killed (-9) and restarted on the same port and data under a running
# controller, between controller kills: watch streams cut mid-flight, relists, retries.
if(TARGET kelos-apiserver AND TARGET kelos-controller)
  add_test(NAME chaos.apiserver_restart
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/controller_kill_test.py
            --apiserver $<TARGET_FILE:kelos-apiserver> --controller $<TARGET_FILE:kelos-controller>
            --kills 20 --server-restarts 8 --seed 3 --event-log-size 16)
  set_tests_properties(chaos.apiserver_restart PROPERTIES LABELS chaos TIMEOUT 420)
endif()
