# GitHub App authentication (sources/github/): App credentials in a Secret, the RS256 JWT and
# the installation token exchange.
# kelos_githubapp_core: pure (OpenSSL libcrypto for RS256, no I/O), for unit tests and decisions.
add_library(kelos_githubapp_core STATIC ${CMAKE_CURRENT_LIST_DIR}/github/app_auth.cpp)
target_link_libraries(kelos_githubapp_core PUBLIC kelos_core PRIVATE OpenSSL::Crypto kelos_warnings)
# kelos_githubapp: the blocking HTTPS exchange through the Beast client (kelos_http).
add_library(kelos_githubapp STATIC ${CMAKE_CURRENT_LIST_DIR}/github/token_client.cpp)
target_link_libraries(kelos_githubapp PUBLIC kelos_githubapp_core kelos_http PRIVATE kelos_client_config kelos_warnings)
