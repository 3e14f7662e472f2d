# The Jira source over real HTTP: k8s::http_client (send_sync) drives a Jira discovery against
# the fake Jira API on 127.0.0.1 (pagination, legacy fallback, auth, injected failures).
kelos_test(integration_jira_source LABEL integration TIMEOUT 60
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/jira_source_test.cpp
  LIBS kelos_jira_source kelos_http kelos_client_config kelos_test_fake_jira)
