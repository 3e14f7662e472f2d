kelos_test(actor_fake_kube LABEL actor
  SOURCES fake_kube_test.cpp
  LIBS kelos_test_fake_kube)
