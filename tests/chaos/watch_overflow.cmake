# The API server closes the controller's watches for falling behind: with one event queued
# per watcher, two events committed before the server's stream pump runs close the stream
# with 410 Gone. The controller relists and every invariant still holds; the test fails if
# no watch overflowed (6-11 relists after an overflow per run on the development machine).
if(TARGET kelos-apiserver AND TARGET kelos-controller)
  add_test(NAME chaos.watch_overflow
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/controller_kill_test.py
            --apiserver $<TARGET_FILE:kelos-apiserver> --controller $<TARGET_FILE:kelos-controller>
            --kills 20 --watch-queue-size 1 --seed 12)
  set_tests_properties(chaos.watch_overflow PROPERTIES LABELS chaos TIMEOUT 300)
endif()
