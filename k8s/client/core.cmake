# kelos_client_core: pure Kubernetes client logic (request values, watch state machine,
# NDJSON decoding, reflector store, rate limiting, backoff, retry policy).
# No CAF, no Beast: links kelos_core only, so it is cheap to compile and test.
add_library(kelos_client_core STATIC
  http_message.cpp)
target_link_libraries(kelos_client_core PUBLIC kelos_core PRIVATE kelos_warnings)
