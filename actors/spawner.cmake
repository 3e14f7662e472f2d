# kelos_spawner: the TaskSpawner controller's actors (supervisor, one SPAWNER per
# TaskSpawner, its POLLER, the CREDENTIALS actor) executing the pure cycle of
# kelos_spawner_logic (actors/spawner_logic.cmake) over the sources' discoveries.
add_library(kelos_spawner STATIC
  ${CMAKE_CURRENT_LIST_DIR}/spawner/spawner_supervisor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/spawner/spawner_actor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/spawner/poller_actor.cpp
  ${CMAKE_CURRENT_LIST_DIR}/spawner/github_credentials.cpp)
target_link_libraries(kelos_spawner PUBLIC kelos_spawner_logic kelos_actors_kube kelos_github_source
  kelos_jira_source PRIVATE kelos_githubapp kelos_client_config kelos_warnings)
