add_library(kelos_test_fake_kube STATIC ${CMAKE_CURRENT_LIST_DIR}/fake_kube.cpp)
target_link_libraries(kelos_test_fake_kube PUBLIC kelos_actors_kube GTest::gtest PRIVATE kelos_warnings)
