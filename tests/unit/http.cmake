# Unit tests of the HTTP(S) transport and certificate generation (no sockets).
kelos_test(unit_http_cert_gen LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/http_cert_gen_test.cpp
  LIBS kelos_certgen OpenSSL::Crypto)

kelos_test(unit_http_exchange LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/http_exchange_test.cpp
  LIBS kelos_http kelos_beast)

kelos_test(unit_http_config LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/http_config_test.cpp
  LIBS kelos_http)
