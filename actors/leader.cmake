# kelos_leader: the LEADER ELECTOR actor driving the pure Lease machine
# (runtime/leader_election.cmake) through a KUBE actor, and the kelos_leader_is_leader gauge.
add_library(kelos_leader STATIC ${CMAKE_CURRENT_LIST_DIR}/leader/leader_elector.cpp)
target_link_libraries(kelos_leader PUBLIC kelos_leader_election kelos_actors_kube kelos_metrics PRIVATE kelos_warnings)
