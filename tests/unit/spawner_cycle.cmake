# The pure TaskSpawner cycle and the TaskSpawner types (seed §8.1 spawner cycle cases).
kelos_test(unit_spawner_cycle LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/spawner_cycle_test.cpp
  LIBS kelos_spawner_logic
  TIMEOUT 60)
