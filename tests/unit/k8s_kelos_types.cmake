# Task, Workspace and AgentConfig: JSON decode/encode round trips, type errors, CRD validation,
# and every example manifest under examples/.
kelos_test(unit_kelos_types LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/k8s_kelos_types_test.cpp
  LIBS kelos_core
  TIMEOUT 60)
target_compile_definitions(unit_kelos_types PRIVATE
  KELOS_EXAMPLES_DIR="${PROJECT_SOURCE_DIR}/examples")
