# kelos_spawn_pure: what a TaskSpawner does with work items, without I/O: the cron source,
# the template data and default prompt, and spawned Task names. Links kelos_core and
# kelos_sources_pure only.
add_library(kelos_spawn_pure STATIC
  ${CMAKE_CURRENT_LIST_DIR}/cron_source.cpp
  ${CMAKE_CURRENT_LIST_DIR}/spawn_template.cpp
  ${CMAKE_CURRENT_LIST_DIR}/task_naming.cpp)
target_link_libraries(kelos_spawn_pure PUBLIC kelos_core kelos_sources_pure PRIVATE kelos_warnings)
