# kelos-controller + kelos-apiserver as processes, real kubectl, the examples applied unchanged.
if(TARGET kelos-apiserver AND TARGET kelos-controller)
  foreach(scenario examples bad_config)
    add_test(NAME e2e.controller.${scenario}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/controller_kubectl_test.py
              --binary $<TARGET_FILE:kelos-apiserver> --controller $<TARGET_FILE:kelos-controller>
              --scenario ${scenario})
    set_tests_properties(e2e.controller.${scenario} PROPERTIES LABELS e2e TIMEOUT 180)
  endforeach()
endif()
