# kelos_job_sync: the pure decision of the embedded Job controller (batch/v1 Job -> Pods,
# counters, conditions, deadline, TTL). No CAF, no I/O.
add_library(kelos_job_sync STATIC ${CMAKE_CURRENT_LIST_DIR}/jobs/job_sync.cpp)
target_link_libraries(kelos_job_sync PUBLIC kelos_core PRIVATE kelos_warnings)

# kelos_job_controller: the Job controller actor (local mode) executing kelos_job_sync
# plans through the KUBE actor.
add_library(kelos_job_controller STATIC ${CMAKE_CURRENT_LIST_DIR}/jobs/job_controller.cpp)
target_link_libraries(kelos_job_controller PUBLIC kelos_job_sync kelos_actors_kube PRIVATE kelos_warnings)
