# Leader election inside kelos-controller: the controller runtime starts the LEADER
# ELECTOR (actors/leader.cmake) when --leader-elect is given.
target_link_libraries(kelos_controller_runtime PUBLIC kelos_leader)
