# TaskSpawner: the kind's C++ types (k8s/taskspawner_types, here because k8s/ has no fragment
# glob) and the pure cycle the SPAWNER actor executes (actors/spawner/cycle). No CAF, no I/O.
add_library(kelos_taskspawner_types STATIC ${PROJECT_SOURCE_DIR}/k8s/taskspawner_types.cpp)
target_link_libraries(kelos_taskspawner_types PUBLIC kelos_core PRIVATE kelos_warnings)

add_library(kelos_spawner_logic STATIC ${CMAKE_CURRENT_LIST_DIR}/spawner/cycle.cpp)
target_link_libraries(kelos_spawner_logic PUBLIC kelos_taskspawner_types kelos_sources_pure kelos_spawn_pure
  PRIVATE kelos_warnings)
