kelos_test(local_options_test LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/local_options_test.cpp
  LIBS kelos_local_options kelos_local_state yaml-cpp::yaml-cpp
  TIMEOUT 60)
