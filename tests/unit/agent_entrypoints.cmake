# Agent entrypoints (deploy/agents/*/kelos_entrypoint.sh) run with fake agent CLIs and the
# built kelos-capture; the demo agent against real temporary repositories.
kelos_test(unit_agent_entrypoints LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/agent_entrypoints_test.cpp
  LIBS nlohmann_json::nlohmann_json
  TIMEOUT 60)
target_compile_definitions(unit_agent_entrypoints PRIVATE
  KELOS_CAPTURE_BIN="$<TARGET_FILE:kelos-capture>"
  KELOS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(unit_agent_entrypoints kelos-capture)
