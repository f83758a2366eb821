# mock_emby suites: one cmocka binary per area, one CTest entry per case
# (label unit). The case list is read from each source's cmocka_unit_test()
# lines so that a new case cannot be forgotten here.
function(mock_emby_suite name)
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/tests/${name}.c)
  file(STRINGS ${src} lines REGEX "cmocka_unit_test\\(")
  set(cases)
  foreach(l IN LISTS lines)
    string(REGEX MATCH "cmocka_unit_test\\(([A-Za-z0-9_]+)\\)" _ "${l}")
    if(CMAKE_MATCH_1)
      list(APPEND cases ${CMAKE_MATCH_1})
    endif()
  endforeach()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${src})
  cwp_add_cmocka_test(NAME ${name}
    SOURCES ${src} ${CMAKE_CURRENT_SOURCE_DIR}/tests/support/mock_test.c
    LIBS mock_emby CURL::libcurl ${ARGN}
    LABEL unit
    CASES ${cases})
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests/support)
endfunction()

foreach(suite mock_routes mock_items mock_writes mock_faults mock_journal mock_fixtures mock_strict
              mock_webhooks)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/tests/${suite}.c)
    mock_emby_suite(${suite})
  endif()
endforeach()

# The project's client against the stricter mock (issue 15). emby_client is
# added after mock_emby, so the option is tested rather than if(TARGET).
if(CWP_WITH_CLIENT AND EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/tests/mock_client.c)
  mock_emby_suite(mock_client emby_client)
endif()

# The binary's tests run build/bin/mock-emby.
if(TARGET mock_fixtures)
  add_dependencies(mock_fixtures mock-emby)
endif()
