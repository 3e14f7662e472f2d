# kelos_leader_election: the pure Lease leader-election state machine (client-go's
# tryAcquireOrRenew / release semantics). No CAF, no I/O; actors/leader drives it.
add_library(kelos_leader_election STATIC ${CMAKE_CURRENT_LIST_DIR}/leader_election.cpp)
target_link_libraries(kelos_leader_election PUBLIC kelos_core PRIVATE kelos_warnings)
