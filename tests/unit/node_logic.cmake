# The local node's pure logic: image map parsing and the pod run plan.
if(TARGET kelos_node_logic)
  kelos_test(unit_node_logic LABEL unit
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/node_logic_test.cpp
    LIBS kelos_node_logic
    TIMEOUT 60)
endif()
