# kelos-controller's bounded graceful shutdown against kelos-apiserver: a clean SIGTERM
# releases the Lease and exits 0; with the API server frozen (SIGSTOP) it exits 1 within
# --graceful-shutdown-timeout, naming what it abandoned (JSON logs).
if(TARGET kelos-apiserver AND TARGET kelos-controller)
  foreach(scenario clean hung)
    add_test(NAME e2e.controller.graceful_shutdown.${scenario}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/graceful_shutdown_test.py
              --binary $<TARGET_FILE:kelos-apiserver> --controller $<TARGET_FILE:kelos-controller>
              --scenario ${scenario})
    set_tests_properties(e2e.controller.graceful_shutdown.${scenario} PROPERTIES LABELS e2e TIMEOUT 120)
  endforeach()
endif()
