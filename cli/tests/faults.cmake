# The fault matrix of issue 8 (label e2e, docs/RELIABILITY.md): one CTest
# entry per applicable cell of conformance/faults/matrix.json, named
# faults.<phase>.<fault>, plus faults.matrix_is_complete and
# faults.invariants_catch_lost_positions (the checker can fail). The list is read
# from the JSON at configure time (string(JSON)); editing the file
# re-configures.
set(CWP_FAULTS_MATRIX ${PROJECT_SOURCE_DIR}/conformance/faults/matrix.json)
if(TARGET mock_emby AND TARGET emby_client AND EXISTS ${CWP_FAULTS_MATRIX})
  add_executable(e2e_faults ${CMAKE_CURRENT_SOURCE_DIR}/tests/faults.c
                            ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e_support.c)
  target_link_libraries(e2e_faults PRIVATE cwp_cli PkgConfig::CMOCKA)
  target_include_directories(e2e_faults PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests
                                                ${PROJECT_SOURCE_DIR}/core/tests/support)
  target_compile_definitions(e2e_faults PRIVATE
    CWP_SOURCE_DIR="${PROJECT_SOURCE_DIR}" CWP_BINARY_DIR="${PROJECT_BINARY_DIR}")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CWP_FAULTS_MATRIX})

  file(READ ${CWP_FAULTS_MATRIX} _fx_json)
  set(_fx_names matrix_is_complete invariants_catch_lost_positions)
  set(_fx_args --check --selftest)
  string(JSON _fx_n LENGTH "${_fx_json}" cells)
  math(EXPR _fx_last "${_fx_n} - 1")
  foreach(i RANGE ${_fx_last})
    string(JSON _fx_expect GET "${_fx_json}" cells ${i} expect)
    if(_fx_expect STREQUAL "n/a")
      continue()
    endif()
    string(JSON _fx_phase GET "${_fx_json}" cells ${i} phase)
    string(JSON _fx_fault GET "${_fx_json}" cells ${i} fault)
    list(APPEND _fx_names ${_fx_phase}.${_fx_fault})
    list(APPEND _fx_args ${_fx_phase}.${_fx_fault})
  endforeach()
  foreach(name arg IN ZIP_LISTS _fx_names _fx_args)
    add_test(NAME faults.${name} COMMAND e2e_faults ${arg})
    set_tests_properties(faults.${name} PROPERTIES
      LABELS e2e
      TIMEOUT 120
      ENVIRONMENT "CWP_SOURCE_DIR=${PROJECT_SOURCE_DIR};CWP_BINARY_DIR=${PROJECT_BINARY_DIR}"
      FAIL_REGULAR_EXPRESSION "Running 0 test")
  endforeach()
endif()
