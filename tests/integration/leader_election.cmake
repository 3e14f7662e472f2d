# Leader election against the embedded API server: two elector "replicas" (each with its
# own KUBE actor and HTTP client) compete for one Lease; kill, release and intrusion.
if(TARGET kelos_apiserver)
  kelos_test(integration_leader_election LABEL integration
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/leader_election_test.cpp
    LIBS kelos_leader kelos_actors_kube kelos_apiserver kelos_client_config
    TIMEOUT 90)
endif()
