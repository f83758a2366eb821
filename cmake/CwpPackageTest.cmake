# package.deb_runs_both_runners (cmake/CwpPackaging.cmake): builds the .deb
# with CPack, unpacks it into a clean root (dpkg-deb -x: no root rights, no
# system change) and runs what a port's CI would run, from that root only:
# the planner runner against the packaged planner and the sync runner against
# the packaged sync through the packaged wrapper, each with the default
# vectors/scenarios (found beside the executable, not in the source tree).
#   -DBIN=<build folder> -DCPACK=<cpack> -DWORK=<scratch folder>
find_program(DPKG_DEB dpkg-deb)
if(NOT DPKG_DEB)
  message(STATUS "SKIPPED: dpkg-deb not found, so the Debian package cannot be unpacked")
  return()
endif()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/root)

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(run_out "${out}${err}" PARENT_SCOPE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what}: exit status ${rc}\n${out}${err}")
  endif()
endfunction()

run("cpack -G DEB" ${CPACK} -G DEB --config ${BIN}/CPackConfig.cmake -B ${WORK}/pkg)
file(GLOB debs ${WORK}/pkg/*.deb)
list(LENGTH debs n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one .deb in ${WORK}/pkg, found ${n}: ${debs}")
endif()
run("dpkg-deb -I" ${DPKG_DEB} -I ${debs})
foreach(field "Package: cwprogress" "Depends: [^\n]*libcurl4")
  if(NOT run_out MATCHES "${field}")
    message(FATAL_ERROR "the package's control file lacks ${field}:\n${run_out}")
  endif()
endforeach()
run("dpkg-deb -x" ${DPKG_DEB} -x ${debs} ${WORK}/root)

set(R ${WORK}/root/usr)
set(C ${R}/share/cwprogress/conformance)
foreach(f bin/cwprogress bin/mock-emby share/man/man1/cwprogress.1 share/man/man1/mock-emby.1
          share/cwprogress/conformance/vectors/planner
          share/cwprogress/conformance/scenarios/README.md
          share/cwprogress/conformance/scenarios/apply-01-active-session/source/server.json
          share/cwprogress/conformance/examples/sync/cwprogress-sync.sh
          share/doc/cwprogress/PORTING.md)
  if(NOT EXISTS ${R}/${f})
    message(FATAL_ERROR "the package has no usr/${f}")
  endif()
endforeach()
file(GLOB_RECURSE stray ${C}/scenarios/*.c ${C}/scenarios/*.cmake)
if(stray)
  message(FATAL_ERROR "the package holds test sources: ${stray}")
endif()

run("mock-emby --help" ${R}/bin/mock-emby --help)
# Both runners with their defaults, no source tree named anywhere.
set(ENV{CWP_SOURCE_DIR} "")
unset(ENV{CWP_SOURCE_DIR})
run("the planner runner" ${R}/bin/cwprogress conform
    --planner-cmd "${R}/bin/cwprogress conform --planner")
if(NOT run_out MATCHES "[1-9][0-9]* passed, 0 failed, 0 expected failures, 0 unexpected")
  message(FATAL_ERROR "the planner runner did not pass:\n${run_out}")
endif()
set(ENV{CWPROGRESS} ${R}/bin/cwprogress)
run("the sync runner" ${R}/bin/cwprogress conform --exit-codes
    --sync-cmd "sh ${C}/examples/sync/cwprogress-sync.sh")
if(NOT run_out MATCHES "[1-9][0-9]* scenarios from ${C}/scenarios"
   OR NOT run_out MATCHES "[1-9][0-9]* passed, 0 failed, 0 expected failures, 0 unexpected")
  message(FATAL_ERROR "the sync runner did not pass from the package:\n${run_out}")
endif()
message(STATUS "ok: ${debs} unpacked and both runners passed from it")
file(REMOVE_RECURSE ${WORK})
