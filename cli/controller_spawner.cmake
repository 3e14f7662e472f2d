# The TaskSpawner controller runs inside kelos-controller (and kelos up): the controller
# runtime starts the spawner supervisor next to the Task supervisor.
target_link_libraries(kelos_controller_runtime PUBLIC kelos_spawner)
