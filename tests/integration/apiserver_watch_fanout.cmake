# Watch fan-out of the embedded API server: many watchers with different selectors and
# output forms each get exactly their events (render cache shared between them).
if(TARGET kelos_apiserver)
  kelos_test(apiserver_watch_fanout_test LABEL integration
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/apiserver_watch_fanout_test.cpp
    LIBS kelos_apiserver
    TIMEOUT 60)
endif()
