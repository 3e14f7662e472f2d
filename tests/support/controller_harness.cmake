# kelos_test_controller_harness: embedded API server with the Kelos CRDs + a real Task controller.
if(TARGET kelos_apiserver AND TARGET kelos_task_controller)
  add_library(kelos_test_controller_harness STATIC ${CMAKE_CURRENT_LIST_DIR}/controller_harness.cpp)
  target_link_libraries(kelos_test_controller_harness PUBLIC kelos_task_controller kelos_apiserver kelos_http
    kelos_client_config GTest::gtest PRIVATE kelos_warnings)
  target_compile_definitions(kelos_test_controller_harness PRIVATE KELOS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()
