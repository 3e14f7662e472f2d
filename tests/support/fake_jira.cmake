# kelos_test_fake_jira: a fake Jira REST API (search/jql and legacy search) on 127.0.0.1 with
# credential checks, a request log and failure injection, for Jira source tests.
add_library(kelos_test_fake_jira STATIC ${CMAKE_CURRENT_LIST_DIR}/fake_jira.cpp)
target_link_libraries(kelos_test_fake_jira PUBLIC kelos_test_loopback kelos_core PRIVATE kelos_client_core kelos_warnings)
