# kelos-capture: runs in every agent image after the agent (seed §5). Three layers:
# kelos_capture_core (pure: usage tables, result lines, marker block), kelos_capture_git
# (libgit2 repository facts) and kelos_capture_io (gh via fork/exec, the output file).
add_library(kelos_capture_core STATIC
  ${CMAKE_CURRENT_LIST_DIR}/capture/usage.cpp
  ${CMAKE_CURRENT_LIST_DIR}/capture/markers.cpp)
target_link_libraries(kelos_capture_core PUBLIC kelos_task_logic nlohmann_json::nlohmann_json
  PRIVATE kelos_warnings)

add_library(kelos_capture_git STATIC ${CMAKE_CURRENT_LIST_DIR}/capture/repo_info.cpp)
target_link_libraries(kelos_capture_git PUBLIC PkgConfig::LIBGIT2 PRIVATE kelos_warnings)

add_library(kelos_capture_io STATIC ${CMAKE_CURRENT_LIST_DIR}/capture/run_command.cpp)
target_link_libraries(kelos_capture_io PUBLIC kelos_capture_core PRIVATE kelos_warnings)

add_executable(kelos-capture ${CMAKE_CURRENT_LIST_DIR}/capture/kelos_capture_main.cpp)
target_link_libraries(kelos-capture PRIVATE kelos_capture_io kelos_capture_git kelos_warnings)
