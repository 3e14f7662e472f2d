kelos_test(actor_kube LABEL actor
  SOURCES kube_actor_test.cpp
  LIBS kelos_actors_kube)
