# kelos_http: the HTTP(S) transport (Boost.Beast + OpenSSL). Beast is confined to
# http_plain.cpp and http_tls.cpp (one stream type each, so -j2 builds them in parallel);
# http_client.cpp holds the pool/retry logic with Asio only.
add_library(kelos_http STATIC
  ${CMAKE_CURRENT_LIST_DIR}/http_client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_plain.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_tls.cpp)
target_link_libraries(kelos_http PUBLIC kelos_client_core PRIVATE kelos_beast kelos_warnings)
