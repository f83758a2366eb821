# Layer 3 of the conformance suite: seeded property checks of the planner.
cwp_add_cmocka_test(NAME properties
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_properties.c
  LIBS cwp_core
  LABEL conformance
  TIMEOUT 600
  CASES property_safety_rules property_plan_independent_of_input_order
        property_second_plan_changes_nothing)
