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
  add_test(NAME apiserver_flags.watch_batch_us_too_large
    COMMAND $<TARGET_FILE:kelos-apiserver> --port 0 --watch-batch-us 1000001)
  set_tests_properties(apiserver_flags.watch_batch_us_too_large PROPERTIES LABELS integration TIMEOUT 30
    PASS_REGULAR_EXPRESSION "kelos-apiserver: --watch-batch-us must be at most 1000000")
  add_test(NAME apiserver_flags.watch_batch_us_negative
    COMMAND $<TARGET_FILE:kelos-apiserver> --port 0 --watch-batch-us -5)
  set_tests_properties(apiserver_flags.watch_batch_us_negative PROPERTIES LABELS integration TIMEOUT 30
    PASS_REGULAR_EXPRESSION "kelos-apiserver: --watch-batch-us needs a non-negative number")
endif()
