# systemd units (docs/USAGE.md, "Run it as a service"): the service (schedule +
# webhooks) and the timer alternative (one-shot runs), installed with the
# command under <prefix>/lib/systemd/system. A test checks them with
# `systemd-analyze verify` (copies whose ExecStart is this build's binary).
set(_cwp_units cwprogress.service cwprogress-sync.service)
foreach(unit IN LISTS _cwp_units)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/${unit}.in
    ${CMAKE_CURRENT_BINARY_DIR}/systemd/${unit} @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/systemd/${unit}
    DESTINATION lib/systemd/system)
endforeach()
install(FILES ${CMAKE_CURRENT_LIST_DIR}/cwprogress-sync.timer
  DESTINATION lib/systemd/system)

find_program(CWP_SYSTEMD_ANALYZE systemd-analyze)
if(CWP_BUILD_TESTS AND CWP_SYSTEMD_ANALYZE)
  set(_saved_bindir ${CMAKE_INSTALL_FULL_BINDIR})
  set(CMAKE_INSTALL_FULL_BINDIR ${CMAKE_RUNTIME_OUTPUT_DIRECTORY})
  foreach(unit IN LISTS _cwp_units)
    configure_file(${CMAKE_CURRENT_LIST_DIR}/${unit}.in
      ${CMAKE_CURRENT_BINARY_DIR}/systemd-test/${unit} @ONLY)
  endforeach()
  set(CMAKE_INSTALL_FULL_BINDIR ${_saved_bindir})
  configure_file(${CMAKE_CURRENT_LIST_DIR}/cwprogress-sync.timer
    ${CMAKE_CURRENT_BINARY_DIR}/systemd-test/cwprogress-sync.timer COPYONLY)
  add_test(NAME cli_systemd_units_verify
    COMMAND ${CWP_SYSTEMD_ANALYZE} verify --man=no
      ${CMAKE_CURRENT_BINARY_DIR}/systemd-test/cwprogress.service
      ${CMAKE_CURRENT_BINARY_DIR}/systemd-test/cwprogress-sync.service
      ${CMAKE_CURRENT_BINARY_DIR}/systemd-test/cwprogress-sync.timer)
  set_tests_properties(cli_systemd_units_verify PROPERTIES LABELS unit TIMEOUT 60
    FAIL_REGULAR_EXPRESSION "[Ee]rror|not executable|[Uu]nknown")
endif()
