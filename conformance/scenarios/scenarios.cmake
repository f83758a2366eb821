# Layer 2 of the conformance suite (issue 6): end-to-end scenarios as data,
# one CTest entry per folder conformance/scenarios/<name>/ (label
# conformance), plus the catalogue check (every scenario names real rules,
# the sync-level rules each have one, CONFORMANCE.md lists them). Needs the
# mock, the client and the cwp_cli library (cli/).
if(TARGET cwp_cli AND TARGET mock_emby AND TARGET emby_client)
  set(CWP_SCEN_DIR ${CMAKE_CURRENT_LIST_DIR})
  add_library(cwp_sync_harness STATIC ${CWP_SCEN_DIR}/sync_harness.c)
  target_include_directories(cwp_sync_harness PUBLIC ${CWP_SCEN_DIR})
  target_link_libraries(cwp_sync_harness PUBLIC cwp_cli cwp_scenario_kit mock_emby PkgConfig::CJSON)

  add_executable(test_scenarios ${CWP_SCEN_DIR}/test_scenarios.c)
  target_link_libraries(test_scenarios PRIVATE cwp_sync_harness cwp_scenario_kit PkgConfig::CMOCKA)
  target_include_directories(test_scenarios PRIVATE ${PROJECT_SOURCE_DIR}/core/tests/support)
  target_compile_definitions(test_scenarios PRIVATE CWP_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

  file(GLOB CWP_SCENARIO_FILES CONFIGURE_DEPENDS ${CWP_SCEN_DIR}/*/scenario.json)
  foreach(f IN LISTS CWP_SCENARIO_FILES)
    get_filename_component(dir ${f} DIRECTORY)
    get_filename_component(name ${dir} NAME)
    add_test(NAME conformance.scenario.${name} COMMAND test_scenarios ${dir})
    set_tests_properties(conformance.scenario.${name} PROPERTIES
      LABELS conformance TIMEOUT 120
      ENVIRONMENT "CWP_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
      FAIL_REGULAR_EXPRESSION "Running 0 test"
      SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
  endforeach()
  add_test(NAME conformance.scenarios_catalogue COMMAND test_scenarios scenarios_catalogue)
  set_tests_properties(conformance.scenarios_catalogue PROPERTIES
    LABELS conformance TIMEOUT 60
    ENVIRONMENT "CWP_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    FAIL_REGULAR_EXPRESSION "Running 0 test")
endif()
