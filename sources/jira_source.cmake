# kelos_jira_source: the Jira source (sources/jira/), pure: JQL, requests, pagination with the
# legacy-endpoint fallback, answer parsing and ADF text. Links kelos_core, kelos_client_core
# (percent-encoding) and kelos_sources_pure only; no CAF, no Beast, no I/O.
add_library(kelos_jira_source STATIC
  ${CMAKE_CURRENT_LIST_DIR}/jira/jira_source.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jira/adf_text.cpp)
target_link_libraries(kelos_jira_source PUBLIC kelos_core kelos_sources_pure PRIVATE kelos_client_core kelos_warnings)
