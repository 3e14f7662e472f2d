# kelos_test_fake_github: a fake GitHub REST API (issues, PRs, comments, Link pagination,
# ETag/304, rate limits, injected failures, request log) on a 127.0.0.1 loopback server.
add_library(kelos_test_fake_github STATIC ${CMAKE_CURRENT_LIST_DIR}/fake_github.cpp)
target_include_directories(kelos_test_fake_github PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(kelos_test_fake_github PUBLIC kelos_test_loopback kelos_core PRIVATE kelos_warnings)
