# kelos_job_builder: the pure Task-to-Job builder of the Task controller (no CAF, no I/O).
# go_quote (Go's %q, for error messages like the original's) comes from kelos_sources_pure.
add_library(kelos_job_builder STATIC ${CMAKE_CURRENT_LIST_DIR}/task/job_builder.cpp)
target_link_libraries(kelos_job_builder PUBLIC kelos_core PRIVATE kelos_sources_pure kelos_warnings)
