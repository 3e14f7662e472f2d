# The GitHub issues source over real HTTP against the fake GitHub API (tests/support/fake_github).
kelos_test(integration_github_source LABEL integration TIMEOUT 60
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/github_source_test.cpp
  LIBS kelos_github_source kelos_test_fake_github kelos_http kelos_client_config)
