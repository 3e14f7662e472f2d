# kelos_apiserver_store: the embedded API server's object store (pure C++: no Beast, no CAF).
add_library(kelos_apiserver_store STATIC
  ${CMAKE_CURRENT_LIST_DIR}/api_error.cpp
  ${CMAKE_CURRENT_LIST_DIR}/selectors.cpp
  ${CMAKE_CURRENT_LIST_DIR}/names.cpp
  ${CMAKE_CURRENT_LIST_DIR}/watch_hub.cpp
  ${CMAKE_CURRENT_LIST_DIR}/event_log.cpp
  ${CMAKE_CURRENT_LIST_DIR}/wal.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stored_object.cpp
  ${CMAKE_CURRENT_LIST_DIR}/object_store.cpp)
# kelos_client_core for its fast strict JSON parser (stored objects decode with it).
target_link_libraries(kelos_apiserver_store PUBLIC kelos_core PRIVATE kelos_client_core kelos_warnings)
find_package(Threads REQUIRED)
target_link_libraries(kelos_apiserver_store PUBLIC Threads::Threads)
