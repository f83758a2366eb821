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

  # sync_check(NAME n RC rc ARGS a|b MATCH re|re): `cwprogress conform
  # --scenarios S ARGS…` through tests/doubles/conform_check.cmake.
  function(sync_check)
    cmake_parse_arguments(C "" "NAME;RC;ARGS;MATCH;FILE;FILE_MATCH" "" ${ARGN})
    add_test(NAME conform.sync_${C_NAME}
      COMMAND ${CMAKE_COMMAND}
        "-DCMD=$<TARGET_FILE:cwprogress>|conform|--scenarios|${CWP_SCENARIOS}|${C_ARGS}"
        "-DRC=${C_RC}" "-DMATCH=${C_MATCH}" "-DFILE=${C_FILE}" "-DFILE_MATCH=${C_FILE_MATCH}"
        -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/doubles/conform_check.cmake)
    set_tests_properties(conform.sync_${C_NAME} PROPERTIES LABELS conformance TIMEOUT 240
      ENVIRONMENT "${CWP_SYNC_ENV}")
  endfunction()
  set(SB "$<TARGET_FILE:sync_broken>")

  # Each broken tool fails the rule it breaks, in the scenario made for it.
  sync_check(NAME catches_clear_absent RC 1 ARGS "--sync-cmd|${SB} clear-absent"
    MATCH "\nPLAN-02 +[0-9]+ +FAIL|FAIL plan-02-items-gone-from-source-not-cleared")
  sync_check(NAME catches_clear_after_failed_read RC 1 ARGS "--sync-cmd|${SB} clear-absent"
    MATCH "\nREAD-05 +[0-9]+ +FAIL|FAIL read-05-failed-read-after-good-run-never-clears[^\n]*\n(    [^\n]*\n)*    step 2: [+] destination: unexpected POST")
  sync_check(NAME catches_ignored_sessions RC 1 ARGS "--sync-cmd|${SB} ignore-sessions"
    MATCH "\nAPPLY-01 +[0-9]+ +FAIL|FAIL apply-01-active-session")
  sync_check(NAME catches_source_item_ids RC 1 ARGS "--sync-cmd|${SB} source-ids"
    MATCH "\nRES-01 +[0-9]+ +FAIL|\nRES-02 +[0-9]+ +FAIL|FAIL res-01-colliding-item-ids-never-used")

  # The shared options work for scenarios as for vectors: listed deviations
  # (a scenario name, a rule) keep the run green and show in the JUnit file.
  set(SYNC_OUT ${CMAKE_CURRENT_BINARY_DIR}/conform-sync-out)
  file(MAKE_DIRECTORY ${SYNC_OUT})
  sync_check(NAME expect_fail_keeps_a_port_green RC 0
    ARGS "--sync-cmd|${SB} ignore-sessions|--expect-fail|${CMAKE_CURRENT_SOURCE_DIR}/tests/doubles/sync_ignore_sessions.expect-fail|--junit|${SYNC_OUT}/junit.xml"
    MATCH "XFAIL apply-01-active-session|XFAIL read-04-paging-ends|[1-9][0-9]* passed, 0 failed, 2 expected failures, 0 unexpected passes"
    FILE ${SYNC_OUT}/junit.xml
    FILE_MATCH "<testsuite name=\"cwprogress-conform-sync\"|<testcase [^>]*name=\"apply-01-active-session\"[^>]*>[^<]*<skipped")
  sync_check(NAME rule_and_exclude_select_scenarios RC 0
    ARGS "--rule|RES-01|--exclude|read-04-paging-ends|--sync-cmd|sh ${CWP_SYNC_WRAPPER}"
    MATCH "\nRES-01 +[0-9]+ +pass|[1-9] passed, 0 failed")

  # A tool that hangs is killed after --timeout and fails its scenario.
  sync_check(NAME timeout_kills_a_hung_tool RC 1
    ARGS "--rule|APPLY-01|--timeout|0.5|--sync-cmd|sleep 30"
    MATCH "ran longer than 0.5 s and was killed|\nAPPLY-01 +1 +FAIL")
  # No scenario folder: a usage error that names the folder.
  add_test(NAME conform.sync_no_scenarios_exits_2
    COMMAND ${CMAKE_COMMAND}
      "-DCMD=$<TARGET_FILE:cwprogress>|conform|--scenarios|${CMAKE_CURRENT_BINARY_DIR}/no-such-dir|--sync-cmd|true"
      -DRC=2 "-DMATCH=no scenario [(]a folder with scenario.json[)] in .*no-such-dir"
      -P ${CMAKE_CURRENT_SOURCE_DIR}/tests/doubles/conform_check.cmake)
  set_tests_properties(conform.sync_no_scenarios_exits_2 PROPERTIES LABELS conformance TIMEOUT 60)
endif()
