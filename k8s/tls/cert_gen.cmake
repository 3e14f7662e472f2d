# kelos_certgen: in-memory CA / server / client certificate generation (OpenSSL libcrypto only, no Beast).
add_library(kelos_certgen STATIC ${CMAKE_CURRENT_LIST_DIR}/cert_gen.cpp)
target_link_libraries(kelos_certgen PUBLIC kelos_core OpenSSL::Crypto PRIVATE kelos_warnings)
