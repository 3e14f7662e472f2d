# kelos-apiserver rejects bad flag values with a clear message (exit 2) before it listens.
if(TARGET kelos-apiserver)
  add_test(NAME apiserver_flags.watch_queue_size_zero
    COMMAND $<TARGET_FILE:kelos-apiserver> --port 0 --watch-queue-size 0)
  set_tests_properties(apiserver_flags.watch_queue_size_zero PROPERTIES LABELS integration TIMEOUT 30
    PASS_REGULAR_EXPRESSION "kelos-apiserver: --watch-queue-size must be at least 1")
  add_test(NAME apiserver_flags.watch_queue_size_not_a_number
    COMMAND $<TARGET_FILE:kelos-apiserver> --port 0 --watch-queue-size lots)
  set_tests_properties(apiserver_flags.watch_queue_size_not_a_number PROPERTIES LABELS integration TIMEOUT 30
    PASS_REGULAR_EXPRESSION "kelos-apiserver: --watch-queue-size needs a non-negative number")
endif()
