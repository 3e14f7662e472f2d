# The GitHub App token exchange against an HTTPS loopback server playing GitHub.
kelos_test(integration_github_app LABEL integration TIMEOUT 60
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/github_app_test.cpp
  LIBS kelos_githubapp kelos_test_loopback OpenSSL::Crypto)
