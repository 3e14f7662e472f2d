# The Jira source (sources/jira/): JQL, auth, requests, both paginations, the fallback to the
# legacy endpoint, answer parsing (plain and ADF bodies), errors; fed recorded answers.
kelos_test(unit_jira_source LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/jira_source_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/jira_adf_text_test.cpp
  LIBS kelos_jira_source
  TIMEOUT 60)
