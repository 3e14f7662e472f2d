# kelos_github_source: the TaskSpawner GitHub issues/PRs source (sources/github/issues_source.hpp),
# a pure discovery state machine: request building, Link pagination, ETag cache, rate limits,
# payload parsing, comment filters. No CAF, no Beast, no I/O. Reuses parse_github_repo
# (kelos_job_builder) and api_base_for_host (kelos_githubapp_core), both pure.
add_library(kelos_github_source STATIC
  ${CMAKE_CURRENT_LIST_DIR}/github/issues_source.cpp
  ${CMAKE_CURRENT_LIST_DIR}/github/link_header.cpp
  ${CMAKE_CURRENT_LIST_DIR}/github/rate_limit.cpp
  ${CMAKE_CURRENT_LIST_DIR}/github/comment_filter.cpp
  ${CMAKE_CURRENT_LIST_DIR}/github/payload.cpp)
target_link_libraries(kelos_github_source PUBLIC kelos_core kelos_sources_pure
  PRIVATE kelos_job_builder kelos_githubapp_core kelos_warnings)
