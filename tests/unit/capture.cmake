# kelos-capture: usage tables, result lines and marker block (pure); libgit2 repository facts
# on real temporary repositories, gh runs, the output file and the binary as a subprocess.
kelos_test(unit_capture_usage LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/capture_usage_test.cpp
  LIBS kelos_capture_core
  TIMEOUT 60)

kelos_test(unit_capture_repo LABEL unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/capture_repo_test.cpp
  LIBS kelos_capture_io kelos_capture_git
  TIMEOUT 60)
target_compile_definitions(unit_capture_repo PRIVATE KELOS_CAPTURE_BIN="$<TARGET_FILE:kelos-capture>")
add_dependencies(unit_capture_repo kelos-capture)
