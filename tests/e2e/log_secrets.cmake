# No secret in the logs: kelos-apiserver and kelos-controller at --log-level trace, in text
# and in JSON, with Secrets, App credentials, token exchanges, GitHub error answers that echo
# the Authorization header and malformed Secret requests; their output must hold no value.
if(TARGET kelos-apiserver AND TARGET kelos-controller)
  foreach(format text json)
    add_test(NAME e2e.log_secrets.${format}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/log_secrets_test.py
              --binary $<TARGET_FILE:kelos-apiserver> --controller $<TARGET_FILE:kelos-controller>
              --scenario ${format})
    set_tests_properties(e2e.log_secrets.${format} PROPERTIES LABELS e2e TIMEOUT 240)
  endforeach()
endif()
