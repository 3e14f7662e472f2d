# Leader election: the pure Lease state machine (runtime/leader_election) and the
# kelos-controller flags that configure it.
kelos_test(unit_leader_election LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/leader_election_test.cpp
  LIBS kelos_leader_election
  TIMEOUT 30)

kelos_test(unit_leader_election_options LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/leader_election_options_test.cpp
  LIBS kelos_controller_options
  TIMEOUT 30)
