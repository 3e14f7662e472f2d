# kelos_test_loopback: blocking Beast HTTP(S) server on 127.0.0.1:0 for transport tests,
# plus the process-wide test PKI (kelos_certgen).
add_library(kelos_test_loopback STATIC ${CMAKE_CURRENT_LIST_DIR}/loopback_server.cpp)
target_link_libraries(kelos_test_loopback PUBLIC kelos_certgen PRIVATE kelos_beast kelos_warnings)
