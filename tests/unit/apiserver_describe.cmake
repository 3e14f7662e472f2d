kelos_test(unit_apiserver_describe LABEL unit
  SOURCES apiserver_describe_crd_test.cpp apiserver_describe_jsonpath_test.cpp
          apiserver_describe_discovery_test.cpp apiserver_describe_openapi_test.cpp
          apiserver_describe_table_test.cpp
  LIBS kelos_apiserver_describe)
