# Direct reads of the KUBE actor's caches while it writes them.
kelos_test(unit_kube_cache_view LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/kube_cache_view_test.cpp
  LIBS kelos_actors_kube
  TIMEOUT 60)
