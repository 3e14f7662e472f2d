# GitHub App authentication, pure part: credentials, RS256 JWT, API base, token answers.
kelos_test(unit_github_app LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/github_app_test.cpp
  LIBS kelos_githubapp_core OpenSSL::Crypto
  TIMEOUT 60)
