# TaskSpawners with real kubectl: kelos-apiserver + kelos-controller as processes, a fake
# GitHub API (Python http.server on 127.0.0.1), examples 03 and 04 applied unchanged.
if(TARGET kelos-apiserver AND TARGET kelos-controller)
  add_test(NAME e2e.spawner.examples
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/spawner_kubectl_test.py
            --binary $<TARGET_FILE:kelos-apiserver> --controller $<TARGET_FILE:kelos-controller>
            --scenario examples)
  set_tests_properties(e2e.spawner.examples PROPERTIES LABELS e2e TIMEOUT 180)
endif()
