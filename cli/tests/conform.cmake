# The port runner proves itself (issues 6 and 14): it passes on this
# project's planner and fails, naming the broken rule, on deliberately broken
# planners; every runner option has a test (checked by
# tests/doubles/conform_check.cmake: exit status, output, report files).
add_executable(broken_planner ${CMAKE_CURRENT_SOURCE_DIR}/tests/doubles/broken_planner.c
  ${CMAKE_CURRENT_SOURCE_DIR}/conform_proto.c)
target_include_directories(broken_planner PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(broken_planner PRIVATE cwp_core)

set(CWP_VECTORS ${PROJECT_SOURCE_DIR}/conformance/vectors/planner)
set(CWP_DOUBLES ${CMAKE_CURRENT_SOURCE_DIR}/tests/doubles)
set(CWP_REF "$<TARGET_FILE:cwprogress> conform --planner")
add_test(NAME conform.reference_planner_passes
  COMMAND cwprogress conform --vectors ${CWP_VECTORS} --planner-cmd ${CWP_REF})
set_tests_properties(conform.reference_planner_passes PROPERTIES LABELS conformance
  PASS_REGULAR_EXPRESSION "[1-9][0-9]* passed, 0 failed, 0 expected failures, 0 unexpected")

foreach(pair "clear-absent;PLAN-02" "ignore-min;PLAN-04" "regress;PLAN-04"
             "ignore-max-percent;PLAN-04" "clear-anything;PLAN-03")
  list(GET pair 0 mode)
  list(GET pair 1 rule)
  add_test(NAME conform.catches_${mode}
    COMMAND cwprogress conform --vectors ${CWP_VECTORS} --tz UTC0
            --planner-cmd "$<TARGET_FILE:broken_planner> ${mode}")
  # The run must fail (exit 1) and name the rule the double breaks. One zone
  # (and, below, one rule where that is enough) keeps these runs short: the
  # zones have their own tests.
  set_tests_properties(conform.catches_${mode} PROPERTIES LABELS conformance
    PASS_REGULAR_EXPRESSION "\n${rule} +[0-9]+ +FAIL")
endforeach()

# conform_check(NAME n RC rc ARGS a|b MATCH re|re [NOMATCH re|re] [FILE f FILE_MATCH re|re])
# runs `cwprogress conform --vectors V ARGS…`.
function(conform_check)
  cmake_parse_arguments(C "" "NAME;RC;ARGS;MATCH;NOMATCH;FILE;FILE_MATCH" "" ${ARGN})
  add_test(NAME conform.${C_NAME}
    COMMAND ${CMAKE_COMMAND} "-DCMD=$<TARGET_FILE:cwprogress>|conform|--vectors|${CWP_VECTORS}|${C_ARGS}"
            "-DRC=${C_RC}" "-DMATCH=${C_MATCH}" "-DNOMATCH=${C_NOMATCH}"
            "-DFILE=${C_FILE}" "-DFILE_MATCH=${C_FILE_MATCH}"
            -P ${CWP_DOUBLES}/conform_check.cmake)
  set_tests_properties(conform.${C_NAME} PROPERTIES LABELS conformance TIMEOUT 120)
endfunction()

set(BP "$<TARGET_FILE:broken_planner>")
set(OUT ${CMAKE_CURRENT_BINARY_DIR}/conform-out)
file(MAKE_DIRECTORY ${OUT})

# --check actions: reasons are not compared, actions are.
conform_check(NAME check_actions_ignores_reasons RC 0
  ARGS "--tz|UTC0|--check|actions|--planner-cmd|${BP} unknown-reason"
  MATCH "[1-9][0-9]* passed, 0 failed")
conform_check(NAME check_actions_still_compares_actions RC 1
  ARGS "--rule|PLAN-04|--tz|UTC0|--check|actions|--planner-cmd|${BP} ignore-min"
  MATCH "\nPLAN-04 +[0-9]+ +FAIL|~ forward [^ ]+: expected skip/below_min, planner gave upsert")
conform_check(NAME check_bad_value_exits_2 RC 2
  ARGS "--check|reasons|--planner-cmd|${CWP_REF}" MATCH "--check takes strict or actions")
# Strict: an unknown reason code, a second decision for one key, and the
# wrong order fail, each with its own message.
conform_check(NAME catches_unknown_reason RC 1 ARGS "--rule|PLAN-04|--tz|UTC0|--planner-cmd|${BP} unknown-reason"
  MATCH "unknown reason code \"missing_on_destination\"|\nPLAN-04 +[0-9]+ +FAIL")
conform_check(NAME catches_duplicate_decisions RC 1 ARGS "--rule|PLAN-02|--tz|UTC0|--planner-cmd|${BP} duplicate"
  MATCH "duplicate decision for forward [^ ]+ \\(one per key and direction\\)|\nPLAN-02 +[0-9]+ +FAIL")
conform_check(NAME catches_wrong_order RC 1 ARGS "--rule|PLAN-04|--tz|UTC0|--planner-cmd|${BP} reverse-order"
  MATCH "order: decision 0 is|\nPLAN-05 +[0-9]+ +FAIL|\nPLAN-04 +[0-9]+ +pass")
# A hung planner is killed after --timeout; its vectors fail, the run goes on.
conform_check(NAME catches_hang_by_timeout RC 1
  ARGS "--rule|PLAN-01|--tz|UTC0|--timeout|0.3|--planner-cmd|${BP} hang"
  MATCH "no answer within 0.3 s: the planner was killed|\n0 passed, 3 failed")
conform_check(NAME timeout_bad_value_exits_2 RC 2
  ARGS "--timeout|0|--planner-cmd|${CWP_REF}" MATCH "--timeout takes seconds")
# Zone-less timestamps read as local time: right in UTC, caught by the
# second zone only.
conform_check(NAME catches_local_time_by_tz RC 1 ARGS "--rule|UNIT-05|--planner-cmd|${BP} local-time"
  MATCH "TZ=EST5EDT,M3.2.0,M11.1.0: ~ forward|\nUNIT-05 +[0-9]+ +FAIL")
conform_check(NAME local_time_passes_in_utc_alone RC 0
  ARGS "--tz|UTC0|--planner-cmd|${BP} local-time" MATCH " passed, 0 failed")
conform_check(NAME tz_option_names_the_zone RC 1
  ARGS "--rule|UNIT-05|--tz|IST-5:30|--planner-cmd|${BP} local-time" MATCH "TZ=IST-5:30: ~ forward")
# --rule (several), --exclude by rule and by vector name.
conform_check(NAME rule_and_exclude_select RC 0
  ARGS "-v|--rule|PLAN-01|--rule|KEY-03,KEY-02|--exclude|plan-01-enabled-is-not-disabled|--planner-cmd|${CWP_REF}"
  MATCH "PASS plan-01-disabled-empty-plan\n|PASS key-03-priority\n|PASS key-02-normalized-values\n|\n4 passed, 0 failed"
  NOMATCH "plan-01-enabled-is-not-disabled|PLAN-04")
conform_check(NAME exclude_rule RC 0
  ARGS "--rule|PLAN-01|--exclude|CFG-01|-v|--planner-cmd|${CWP_REF}"
  MATCH "PASS plan-01-disabled-empty-plan" NOMATCH "CFG-01")
conform_check(NAME no_vector_selected_exits_2 RC 2
  ARGS "--rule|NOPE-01|--planner-cmd|${CWP_REF}" MATCH "no case selected")
# --expect-fail: listed deviations are expected failures (green); a listed
# one that passes fails the run so that the list shrinks; every entry needs
# a reason.
conform_check(NAME expect_fail_lists_deviations RC 0
  ARGS "--tz|UTC0|--expect-fail|${CWP_DOUBLES}/ignore-min.expect-fail|--planner-cmd|${BP} ignore-min"
  MATCH "XFAIL plan-04-below-min-boundary \\(expected: we write positions below|\nPLAN-04 +[0-9]+ +xfail|, 0 failed, [1-9][0-9]* expected failures, 0 unexpected passes")
conform_check(NAME expect_fail_unexpected_pass_fails RC 1
  ARGS "--tz|UTC0|--expect-fail|${CWP_DOUBLES}/ignore-min-stale.expect-fail|--planner-cmd|${BP} ignore-min"
  MATCH "XPASS plan-03-clear: passes, but the expect-fail list says \"fixed too\"|XPASS KEY-07: no case failed on it|, 2 unexpected passes")
conform_check(NAME expect_fail_needs_reasons RC 2
  ARGS "--expect-fail|${CWP_DOUBLES}/no-reason.expect-fail|--planner-cmd|${CWP_REF}"
  MATCH "no-reason.expect-fail:2: \"PLAN-04\" has no reason")
conform_check(NAME expect_fail_missing_file_exits_2 RC 2
  ARGS "--expect-fail|${CWP_DOUBLES}/absent.expect-fail|--planner-cmd|${CWP_REF}"
  MATCH "--expect-fail: cannot open")
# --junit and --json: one test case per vector, failures with their diff,
# expected failures as skipped.
conform_check(NAME junit_report RC 0
  ARGS "--tz|UTC0|--expect-fail|${CWP_DOUBLES}/ignore-min.expect-fail|--junit|${OUT}/junit.xml|--planner-cmd|${BP} ignore-min"
  MATCH "expected failures"
  FILE ${OUT}/junit.xml
  FILE_MATCH "<testsuite name=\"cwprogress-conform-planner\" tests=\"[1-9][0-9]*\" failures=\"0\" errors=\"0\" skipped=\"9\"|<testcase classname=\"cwprogress.conform.planner\" name=\"plan-04-below-min-boundary\" time=\"[0-9.]+\">\n +<skipped message=\"expected failure: we write")
conform_check(NAME junit_report_failure RC 1
  ARGS "--rule|PLAN-02|--junit|${OUT}/junit-fail.xml|--planner-cmd|${BP} clear-absent"
  MATCH "FAIL"
  FILE ${OUT}/junit-fail.xml
  FILE_MATCH "<failure message=\"failed rules \\[&quot;PLAN-02&quot;\\]\">    TZ=UTC0: \\+ forward")
conform_check(NAME json_report RC 1
  ARGS "--rule|PLAN-02|--json|${OUT}/report.json|--planner-cmd|${BP} clear-absent"
  MATCH "FAIL"
  FILE ${OUT}/report.json
  FILE_MATCH "\"runner\":\t\"planner\"|\"failed\":\t[1-9]|\"rule\":\t\"PLAN-02\",\n\t+\"cases\":\t[0-9]+,\n\t+\"result\":\t\"fail\"|\"status\":\t\"fail\"")
conform_check(NAME report_unwritable_exits_2 RC 2
  ARGS "--rule|PLAN-01|--json|${OUT}/no/such/dir/report.json|--planner-cmd|${CWP_REF}"
  MATCH "cannot write --json")

# The example port (conformance/examples/planner.py, Python 3 stdlib only)
# passes every planner vector strictly, in both default zones. Skipped, not
# failed, where no python3 is installed. /usr/bin first: a version manager's
# shim in PATH costs ~0.1 s per vector.
find_program(CWP_PYTHON3 python3 HINTS /usr/bin)
if(CWP_PYTHON3)
  conform_check(NAME example_python_port RC 0
    ARGS "--junit|${OUT}/example-python.xml|--planner-cmd|${CWP_PYTHON3} ${PROJECT_SOURCE_DIR}/conformance/examples/planner.py"
    MATCH "[1-9][0-9]* passed, 0 failed, 0 expected failures, 0 unexpected passes")
  set_tests_properties(conform.example_python_port PROPERTIES TIMEOUT 300)
else()
  add_test(NAME conform.example_python_port
    COMMAND sh -c "echo 'python3 not found: the example port is not run'; exit 77")
  set_tests_properties(conform.example_python_port PROPERTIES LABELS conformance
    SKIP_RETURN_CODE 77)
endif()

# Bad input: a folder without vectors, a file that is not a vector.
conform_check(NAME vectors_folder_missing_exits_2 RC 2
  ARGS "--vectors|${CWP_DOUBLES}/absent|--planner-cmd|${CWP_REF}"
  MATCH "cannot open vectors directory [^\n]*/absent")
conform_check(NAME not_a_vector_exits_2 RC 2
  ARGS "--vectors|${CWP_DOUBLES}/bad-vectors|--planner-cmd|${CWP_REF}"
  MATCH "bad-vectors/not-a-vector.json: not a planner vector \\(no \"rules\"\\)")
