# The sync runner proves itself (issue 14): this project's own `cwprogress
# sync`, wrapped in the runner's environment contract, passes every scenario
# (exit codes, reports and output included); deliberately broken sync tools
# (tests/doubles/sync_broken.c: the real sync plus one defect) fail, naming
# the rule they break; the runner's own errors are clear.
if(TARGET mock_emby AND TARGET CURL::libcurl)
  set(CWP_SCENARIOS ${PROJECT_SOURCE_DIR}/conformance/scenarios)
  set(CWP_SYNC_WRAPPER ${PROJECT_SOURCE_DIR}/conformance/examples/sync/cwprogress-sync.sh)
  set(CWP_SYNC_ENV "CWPROGRESS=$<TARGET_FILE:cwprogress>" "CWP_SYNC_WRAPPER=${CWP_SYNC_WRAPPER}")

  add_executable(sync_broken ${CMAKE_CURRENT_SOURCE_DIR}/tests/doubles/sync_broken.c)
  target_link_libraries(sync_broken PRIVATE CURL::libcurl PkgConfig::CJSON)

  add_test(NAME conform.sync_reference_passes
    COMMAND cwprogress conform --scenarios ${CWP_SCENARIOS} --exit-codes
            --sync-cmd "sh ${CWP_SYNC_WRAPPER}")
  set_tests_properties(conform.sync_reference_passes PROPERTIES LABELS conformance
    TIMEOUT 240 ENVIRONMENT "${CWP_SYNC_ENV}"
    PASS_REGULAR_EXPRESSION "[1-9][0-9]* passed, 0 failed, 0 expected failures, 0 unexpected")

  foreach(pair "clear-absent;PLAN-02" "clear-absent;READ-05" "ignore-sessions;APPLY-01")
    list(GET pair 0 mode)
    list(GET pair 1 rule)
    add_test(NAME conform.sync_catches_${mode}_${rule}
      COMMAND ${CMAKE_COMMAND}
        "-DCMD=$<TARGET_FILE:cwprogress>|conform|--scenarios|${CWP_SCENARIOS}|--sync-cmd|$<TARGET_FILE:sync_broken> ${mode}"
        -DRC=1 "-DMATCH=\n${rule} +[0-9]+ +FAIL"
        -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/doubles/conform_check.cmake)
    set_tests_properties(conform.sync_catches_${mode}_${rule} PROPERTIES LABELS conformance
      TIMEOUT 240 ENVIRONMENT "${CWP_SYNC_ENV}")
  endforeach()

  # A tool that hangs is killed after --timeout and fails its scenario.
  add_test(NAME conform.sync_timeout_kills_a_hung_tool
    COMMAND ${CMAKE_COMMAND}
      "-DCMD=$<TARGET_FILE:cwprogress>|conform|--scenarios|${CWP_SCENARIOS}|--rule|APPLY-01|--timeout|0.5|--sync-cmd|sleep 30"
      -DRC=1 "-DMATCH=ran longer than 0.5 s and was killed|\nAPPLY-01 +1 +FAIL"
      -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/doubles/conform_check.cmake)
  set_tests_properties(conform.sync_timeout_kills_a_hung_tool PROPERTIES LABELS conformance
    TIMEOUT 60)
  # No scenario folder: a usage error that names the folder.
  add_test(NAME conform.sync_no_scenarios_exits_2
    COMMAND ${CMAKE_COMMAND}
      "-DCMD=$<TARGET_FILE:cwprogress>|conform|--scenarios|${CMAKE_CURRENT_BINARY_DIR}/no-such-dir|--sync-cmd|true"
      -DRC=2 "-DMATCH=no scenario \\(a folder with scenario.json\\) in .*no-such-dir"
      -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/doubles/conform_check.cmake)
  set_tests_properties(conform.sync_no_scenarios_exits_2 PROPERTIES LABELS conformance TIMEOUT 60)
endif()
