# Unit tests of the pure client core (kelos_client_core).
kelos_test(unit_client_core LABEL unit
  SOURCES client_http_message_test.cpp client_request_test.cpp client_line_decoder_test.cpp
          client_watch_event_test.cpp client_watch_state_test.cpp client_store_test.cpp
          client_rate_limiter_test.cpp client_backoff_test.cpp
          client_field_filter_test.cpp client_compact_object_test.cpp
  LIBS kelos_client_core)
