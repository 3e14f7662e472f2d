# The TaskSpawner controller against the embedded API server and the fake GitHub API: the
# seed examples 03 (GitHub issues) and 04 (cron) create Tasks.
if(TARGET kelos_test_controller_harness AND TARGET kelos_test_fake_github)
  kelos_test(integration_spawner LABEL integration
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/spawner_test.cpp
    LIBS kelos_spawner kelos_test_controller_harness kelos_test_fake_github kelos_client_config OpenSSL::Crypto
    TIMEOUT 120)
  target_compile_definitions(integration_spawner PRIVATE KELOS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()
