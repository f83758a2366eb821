# Packaging (issue 14): what `cmake --install` puts under the prefix beside
# the programs and libraries their own directories install, and the Debian
# package CPack builds from it (`cpack -G DEB` in the build folder).
#
#   bin/cwprogress, bin/mock-emby          (+ man1 pages)
#   share/cwprogress/conformance/vectors/   planner and policy vectors
#   share/cwprogress/conformance/scenarios/ sync scenarios (fixtures + JSON)
#   share/cwprogress/conformance/examples/  the sync wrapper, example ports
#   share/doc/cwprogress/                   PORTING.md, CONFORMANCE.md, SPEC-RULES.md
#
# `cwprogress conform` finds the vectors and scenarios there by default
# (../share/cwprogress/conformance beside the executable: an unpacked
# package works from any root), so a port's CI needs the package only.
set(CWP_CONFORMANCE_DEST ${CMAKE_INSTALL_DATADIR}/cwprogress/conformance)
if(TARGET mock-emby)
  install(TARGETS mock-emby RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(FILES ${PROJECT_SOURCE_DIR}/mock_emby/mock-emby.1
    DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/conformance/vectors/
  DESTINATION ${CWP_CONFORMANCE_DEST}/vectors FILES_MATCHING PATTERN "*.json")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/conformance/scenarios/
  DESTINATION ${CWP_CONFORMANCE_DEST}/scenarios
  FILES_MATCHING PATTERN "*.json" PATTERN "README.md")
if(EXISTS ${PROJECT_SOURCE_DIR}/conformance/examples)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/conformance/examples/
    DESTINATION ${CWP_CONFORMANCE_DEST}/examples USE_SOURCE_PERMISSIONS
    PATTERN "__pycache__" EXCLUDE PATTERN "*.pyc" EXCLUDE)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/docs/PORTING.md ${PROJECT_SOURCE_DIR}/docs/SPEC-RULES.md
  ${PROJECT_SOURCE_DIR}/conformance/CONFORMANCE.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cwprogress)
set(CPACK_PACKAGE_VENDOR cwprogress)
set(CPACK_PACKAGE_CONTACT "cwprogress maintainers <maintainers@users.noreply.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "Emby resume-position sync, a mock Emby server and a conformance kit for ports")
set(CPACK_PACKAGE_DESCRIPTION
  "cwprogress syncs the resume position (Continue Watching) of one Emby user to another server or user. The package also holds mock-emby and the conformance kit: planner vectors, sync scenarios and the runners (cwprogress conform --planner-cmd / --sync-cmd) that check a port in any language.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION video)
# The shared libraries the programs link (Debian 12 names); the static
# libraries and headers in the package need nothing at run time.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6, libcurl4, libcjson1, libcivetweb1")
include(CPack)

# The package, unpacked into a clean root, runs both runners against this
# project's own planner and sync (label e2e; skipped without dpkg-deb).
if(CWP_BUILD_TESTS AND TARGET cwprogress AND TARGET mock-emby)
  add_test(NAME package.deb_runs_both_runners
    COMMAND ${CMAKE_COMMAND} -DBIN=${PROJECT_BINARY_DIR} -DCPACK=${CMAKE_CPACK_COMMAND}
            -DWORK=${PROJECT_BINARY_DIR}/package-test
            -P ${PROJECT_SOURCE_DIR}/cmake/CwpPackageTest.cmake)
  set_tests_properties(package.deb_runs_both_runners PROPERTIES LABELS e2e TIMEOUT 300
    SKIP_REGULAR_EXPRESSION "SKIPPED: ")
endif()
