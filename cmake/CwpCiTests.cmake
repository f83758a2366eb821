# Tests of the CI scripts themselves (.ci/), label unit.
# ci.run_stops_at_first_failure: .ci/run with every command stubbed, failing
# at each step in turn, must stop there with that step's status (issue 13).
find_program(CWP_BASH bash)
if(CWP_BASH)
  add_test(NAME ci.run_stops_at_first_failure
    COMMAND ${CWP_BASH} ${PROJECT_SOURCE_DIR}/.ci/tests/run_test.sh ${PROJECT_SOURCE_DIR})
  set_tests_properties(ci.run_stops_at_first_failure PROPERTIES LABELS unit TIMEOUT 120)
endif()
