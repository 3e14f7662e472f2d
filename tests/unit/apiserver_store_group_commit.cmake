kelos_test(unit_apiserver_store_group_commit LABEL unit
  SOURCES apiserver_store_group_commit_test.cpp
  LIBS kelos_apiserver_store)
