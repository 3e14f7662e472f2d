kelos_test(unit_apiserver_algorithms LABEL unit
  SOURCES apiserver_algo_patch_test.cpp apiserver_algo_ssa_test.cpp apiserver_algo_schema_test.cpp
          apiserver_algo_managed_fields_diff_test.cpp
          apiserver_algo_protobuf_test.cpp
  LIBS kelos_apiserver_algorithms)
