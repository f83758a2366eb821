# Suites of the configuration, planner, write policy and plan JSON
# (core/src/config.c, plan.c, policy.c, plan_json.c). One CTest entry per case;
# the case list is read from each source's cmocka_unit_test(...) lines so it
# cannot drift from the code.
function(cwp_plan_suite name src)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${src})
  file(STRINGS ${src} lines REGEX "cmocka_unit_test\\([a-z0-9_]+\\)")
  set(cases "")
  foreach(l IN LISTS lines)
    string(REGEX REPLACE ".*cmocka_unit_test\\(([a-z0-9_]+)\\).*" "\\1" c "${l}")
    list(APPEND cases ${c})
  endforeach()
  cwp_add_cmocka_test(NAME ${name} SOURCES ${src} LIBS cwp_core LABEL unit CASES ${cases})
endfunction()

cwp_plan_suite(cwp_test_config ${CMAKE_CURRENT_LIST_DIR}/test_config.c)
foreach(s plan policy plan_json)
  if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/test_${s}.c)
    cwp_plan_suite(cwp_test_${s} ${CMAKE_CURRENT_LIST_DIR}/test_${s}.c)
  endif()
endforeach()
