# The port runner proves itself (issue 6): it passes on this project's planner
# and fails, naming the broken rule, on deliberately broken planners.
add_executable(broken_planner ${CMAKE_CURRENT_SOURCE_DIR}/tests/doubles/broken_planner.c
  ${CMAKE_CURRENT_SOURCE_DIR}/conform_proto.c)
target_include_directories(broken_planner PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(broken_planner PRIVATE cwp_core)

set(CWP_VECTORS ${PROJECT_SOURCE_DIR}/conformance/vectors/planner)
add_test(NAME conform.reference_planner_passes
  COMMAND cwprogress conform --vectors ${CWP_VECTORS}
          --planner-cmd "$<TARGET_FILE:cwprogress> conform --planner")
set_tests_properties(conform.reference_planner_passes PROPERTIES LABELS conformance
  PASS_REGULAR_EXPRESSION "[1-9][0-9]* passed, 0 failed")

foreach(pair "clear-absent;PLAN-02" "ignore-min;PLAN-04" "regress;PLAN-04"
             "ignore-max-percent;PLAN-04" "clear-anything;PLAN-03")
  list(GET pair 0 mode)
  list(GET pair 1 rule)
  add_test(NAME conform.catches_${mode}
    COMMAND cwprogress conform --vectors ${CWP_VECTORS}
            --planner-cmd "$<TARGET_FILE:broken_planner> ${mode}")
  # The run must fail (exit 1) and name the rule the double breaks.
  set_tests_properties(conform.catches_${mode} PROPERTIES LABELS conformance
    PASS_REGULAR_EXPRESSION "\n${rule} +[0-9]+ +FAIL")
endforeach()
