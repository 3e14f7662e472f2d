kelos_test(actor_task_controller LABEL actor
  SOURCES task_controller_test.cpp
  LIBS kelos_task_controller kelos_test_fake_kube
  TIMEOUT 60)
