# kill -9 of kelos-controller at random moments (50 kills in CI; more by hand with --kills).
if(TARGET kelos-apiserver AND TARGET kelos-controller)
  add_test(NAME chaos.controller_kill
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/controller_kill_test.py
            --apiserver $<TARGET_FILE:kelos-apiserver> --controller $<TARGET_FILE:kelos-controller>
            --kills 50 --seed 1)
  set_tests_properties(chaos.controller_kill PROPERTIES LABELS chaos TIMEOUT 420)
endif()
