# The actor system settings shared by kelos-controller and local mode.
kelos_test(unit_actor_system_setup LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/runtime_actor_system_test.cpp
  LIBS kelos_runtime_caf
  TIMEOUT 60)
