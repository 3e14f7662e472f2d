# The TaskSpawner controller's actors under the deterministic scheduler: burst against
# maxConcurrency, restart mid-cycle, suspend/resume, bad input, retrigger, status conflicts.
kelos_test(actor_spawner LABEL actor
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/spawner_test.cpp
  LIBS kelos_spawner
  TIMEOUT 60)
