# The Kelos CRDs (deploy/crds) and examples (examples/0*) applied with real kubectl against
# a fresh kelos-apiserver per entry (kelos_crds_test.py). Exit 77 means a case was skipped
# because of a named API server bug.
if(TARGET kelos-apiserver)
  set(kelos_crds_cases docs:32 crds:29 crds:30 crds:31 crds:32 crds:33 examples:32
      invalid:32 immutable:32)
  foreach(entry ${kelos_crds_cases})
    string(REPLACE ":" ";" parts ${entry})
    list(GET parts 0 kelos_crds_case)
    list(GET parts 1 kelos_crds_minor)
    set(kelos_crds_name conformance.kelos_crds.${kelos_crds_case}_${kelos_crds_minor})
    add_test(NAME ${kelos_crds_name}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/kelos_crds_test.py
              --binary $<TARGET_FILE:kelos-apiserver>
              --case ${kelos_crds_case} --minor ${kelos_crds_minor})
    set_tests_properties(${kelos_crds_name} PROPERTIES
      LABELS conformance TIMEOUT 120 SKIP_RETURN_CODE 77)
  endforeach()
endif()
