# The GitHub issues/PRs TaskSpawner source (pure): request building, Link headers, rate
# limits, payloads, comment filters, and the discovery driven against scripted answers.
kelos_test(unit_github_source LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/github_source_parts_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/github_source_discovery_test.cpp
  LIBS kelos_github_source
  TIMEOUT 60)
