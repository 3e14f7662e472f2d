# The controller's connections (watch streams mid-flight, writes) cut by a TCP proxy at 40
# random moments while the API server stays up, between controller kills; with a replay
# window of 16 events resumed watches get 410 Gone from the live server and relist.
if(TARGET kelos-apiserver AND TARGET kelos-controller)
  add_test(NAME chaos.stream_cut
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/controller_kill_test.py
            --apiserver $<TARGET_FILE:kelos-apiserver> --controller $<TARGET_FILE:kelos-controller>
            --kills 10 --cut-streams 40 --event-log-size 16 --seed 5)
  set_tests_properties(chaos.stream_cut PROPERTIES LABELS chaos TIMEOUT 420)
endif()
