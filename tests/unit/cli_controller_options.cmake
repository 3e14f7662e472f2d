# kelos-controller flag parsing (pure).
kelos_test(unit_controller_options LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/cli_controller_options_test.cpp
  LIBS kelos_controller_options
  TIMEOUT 30)
