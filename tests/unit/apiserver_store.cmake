kelos_test(unit_apiserver_store LABEL unit
  SOURCES apiserver_store_selectors_test.cpp apiserver_store_test.cpp
          apiserver_store_watch_test.cpp apiserver_store_wal_test.cpp
          apiserver_stored_object_test.cpp
  LIBS kelos_apiserver_store)
