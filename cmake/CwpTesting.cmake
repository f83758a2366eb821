# cwp_add_cmocka_test(NAME <target> SOURCES <src...> LIBS <libs...> LABEL <label>
#                     CASES <case...> [ENV <VAR=value...>])
#
# Builds one cmocka binary and registers one CTest entry per case, named
# <target>.<case>, run as `<target> <case>`: CWP_TEST_MAIN (core/tests/support/
# cwp_test.h) hands argv[1] to cmocka_set_test_filter so the entry runs exactly
# that case. cmocka 1.1.5 exits 0 when the filter matches nothing, so every entry
# fails on "Running 0 test" (see STYLE.md), and a case that calls skip() (a
# test that needs what the machine lacks, saying why) shows as skipped.
function(cwp_add_cmocka_test)
  cmake_parse_arguments(T "" "NAME;LABEL;TIMEOUT" "SOURCES;LIBS;CASES;ENV" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/core/tests/support)
  target_compile_definitions(${T_NAME} PRIVATE
    CWP_SOURCE_DIR="${PROJECT_SOURCE_DIR}" CWP_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  foreach(case IN LISTS T_CASES)
    add_test(NAME ${T_NAME}.${case} COMMAND ${T_NAME} ${case})
    set_tests_properties(${T_NAME}.${case} PROPERTIES
      LABELS "${T_LABEL}"
      TIMEOUT ${T_TIMEOUT}
      ENVIRONMENT "CWP_SOURCE_DIR=${PROJECT_SOURCE_DIR};CWP_BINARY_DIR=${PROJECT_BINARY_DIR};${T_ENV}"
      FAIL_REGULAR_EXPRESSION "Running 0 test"
      SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
  endforeach()
endfunction()
