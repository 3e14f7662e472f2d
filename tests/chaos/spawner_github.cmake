# TaskSpawners against a failing GitHub stand-in (5xx, 403/429 rate limits with reset and
# Retry-After, storms, slow and dropped answers, items opening and closing) while
# kelos-controller is killed (-9) at random: maxConcurrency, one Task per item, every open
# item served, rate-limit resets honoured (15 kills in CI; seed 2 has rate-limit storms).
if(TARGET kelos-apiserver AND TARGET kelos-controller)
  add_test(NAME chaos.spawner_github
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/spawner_github_test.py
            --apiserver $<TARGET_FILE:kelos-apiserver> --controller $<TARGET_FILE:kelos-controller>
            --kills 15 --seed 2)
  set_tests_properties(chaos.spawner_github PROPERTIES LABELS chaos TIMEOUT 600)
endif()
