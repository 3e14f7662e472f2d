# Conformance suite (ctest label `conformance`): real clients against a fresh
# kelos-apiserver per entry (spec §9). Each entry is one scenario with its own server,
# temp dir and KUBECACHEDIR, so ctest -j runs them in parallel.
if(TARGET kelos-apiserver)
  set(KELOS_CONFORMANCE_PY /usr/bin/python3)
  set(kelos_conformance_kubectl crud apply_unchanged watch wait wait_gone secrets
      server_side_apply builtin_kinds selectors finalizers bad_input tls degraded durability multi_version graceful_stop)
  foreach(scenario ${kelos_conformance_kubectl})
    add_test(NAME conformance.kubectl.${scenario}
      COMMAND ${KELOS_CONFORMANCE_PY} ${CMAKE_CURRENT_LIST_DIR}/kubectl_scenarios.py
              --binary $<TARGET_FILE:kelos-apiserver> --scenario ${scenario})
    set_tests_properties(conformance.kubectl.${scenario} PROPERTIES LABELS conformance TIMEOUT 150)
  endforeach()
  # Row 2/3/4 per kubectl minor (the dispatcher runs kubectl 1.<minor>).
  foreach(minor 29 30 31 32 33)
    add_test(NAME conformance.kubectl.minor_${minor}
      COMMAND ${KELOS_CONFORMANCE_PY} ${CMAKE_CURRENT_LIST_DIR}/kubectl_scenarios.py
              --binary $<TARGET_FILE:kelos-apiserver> --scenario minor_matrix --minor ${minor})
    set_tests_properties(conformance.kubectl.minor_${minor} PROPERTIES LABELS conformance TIMEOUT 150)
  endforeach()
  set(kelos_conformance_python crud conflict watch lease job dynamic tls)
  foreach(scenario ${kelos_conformance_python})
    add_test(NAME conformance.python.${scenario}
      COMMAND ${KELOS_CONFORMANCE_PY} ${CMAKE_CURRENT_LIST_DIR}/python_scenarios.py
              --binary $<TARGET_FILE:kelos-apiserver> --scenario ${scenario})
    set_tests_properties(conformance.python.${scenario} PROPERTIES LABELS conformance TIMEOUT 120)
  endforeach()
  # Row 11: kubectl logs against an embedded server (the test appends the log text).
  kelos_test(kubectl_logs_test LABEL conformance
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/kubectl_logs_test.cpp
    LIBS kelos_apiserver
    TIMEOUT 120)
endif()
