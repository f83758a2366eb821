# Tests of the CI scripts themselves (.ci/), label unit.
# ci.run_stops_at_first_failure: .ci/run with every command stubbed, failing
# at each step in turn, must stop there with that step's status (issue 13).
find_program(CWP_BASH bash)
if(CWP_BASH)
  add_test(NAME ci.run_stops_at_first_failure
    COMMAND ${CWP_BASH} ${PROJECT_SOURCE_DIR}/.ci/tests/run_test.sh ${PROJECT_SOURCE_DIR})
  set_tests_properties(ci.run_stops_at_first_failure PROPERTIES LABELS unit TIMEOUT 120)
  # ci.checks_gates: each style gate of .ci/checks fails on what it guards
  # against (in a scratch repository) and passes once the tree is right.
  add_test(NAME ci.checks_gates
    COMMAND ${CWP_BASH} ${PROJECT_SOURCE_DIR}/.ci/tests/checks_test.sh ${PROJECT_SOURCE_DIR})
  set_tests_properties(ci.checks_gates PROPERTIES LABELS unit TIMEOUT 120 SKIP_RETURN_CODE 77)
endif()

# Tests that need a pseudo-terminal (CLI-06's progress bar) skip, saying why,
# where the machine has none. Run once more with /dev/pts hidden, each must
# report the skip (and nothing failed or leaked on the way out).
function(cwp_add_without_pts_test name)
  add_test(NAME ${name} COMMAND ${CWP_BASH} ${PROJECT_SOURCE_DIR}/.ci/tests/without-pts.sh ${ARGN})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 120 SKIP_RETURN_CODE 77
    ENVIRONMENT "CWP_SOURCE_DIR=${PROJECT_SOURCE_DIR};CWP_BINARY_DIR=${PROJECT_BINARY_DIR}"
    PASS_REGULAR_EXPRESSION "needs a pseudo-terminal and this machine has none"
    FAIL_REGULAR_EXPRESSION "\\[  FAILED  \\]|\\[  ERROR   \\]|Sanitizer|Running 0 test")
endfunction()
if(CWP_BASH AND TARGET e2e_sync)
  cwp_add_without_pts_test(pty.e2e_progress_bar_skips_without_pts
    $<TARGET_FILE:e2e_sync> sync_progress_bar_only_on_a_terminal)
endif()
set(_cli06 ${PROJECT_SOURCE_DIR}/conformance/scenarios/cli-06-progress-bar-on-a-terminal)
if(CWP_BASH AND TARGET test_scenarios AND EXISTS ${_cli06})
  cwp_add_without_pts_test(pty.scenario_progress_bar_skips_without_pts
    $<TARGET_FILE:test_scenarios> ${_cli06})
endif()
