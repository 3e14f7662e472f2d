# The controller's observability metrics over real HTTP: kelos-apiserver + kelos-controller
# as processes, Tasks applied with kubectl, /metrics scraped.
if(TARGET kelos-apiserver AND TARGET kelos-controller)
  add_test(NAME e2e.controller.metrics
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/controller_metrics_test.py
            --binary $<TARGET_FILE:kelos-apiserver> --controller $<TARGET_FILE:kelos-controller>
            --scenario waiting)
  set_tests_properties(e2e.controller.metrics PROPERTIES LABELS e2e TIMEOUT 180)
endif()
