# TaskSpawner pure pieces: spawned Task names, template data and default prompt, cron source.
kelos_test(unit_spawn_pure LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/spawn_task_naming_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/spawn_template_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/spawn_cron_source_test.cpp
  LIBS kelos_spawn_pure
  TIMEOUT 60)
