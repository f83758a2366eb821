# cJSON built from a source tree (CWP_CJSON_SOURCE_DIR) instead of the system
# libcjson, compiled with this build's flags, so that a sanitizer that must
# see every access (ThreadSanitizer, MemorySanitizer) instruments cJSON too:
# an uninstrumented libcjson.so hides its races and reads from them.
# .ci/cjson-source fetches Debian's source package (with Debian's patches).
# The target keeps the name the rest of the tree links: PkgConfig::CJSON.
if(NOT EXISTS "${CWP_CJSON_SOURCE_DIR}/cJSON.c")
  message(FATAL_ERROR "CWP_CJSON_SOURCE_DIR=${CWP_CJSON_SOURCE_DIR} has no cJSON.c "
                      "(run .ci/cjson-source to fetch Debian's cJSON source)")
endif()
# The header under cjson/ as the code includes it, ahead of /usr/include.
set(_cwp_cjson_inc ${CMAKE_BINARY_DIR}/cjson-source/include)
configure_file(${CWP_CJSON_SOURCE_DIR}/cJSON.h ${_cwp_cjson_inc}/cjson/cJSON.h COPYONLY)
add_library(cwp_cjson STATIC ${CWP_CJSON_SOURCE_DIR}/cJSON.c)
set_target_properties(cwp_cjson PROPERTIES POSITION_INDEPENDENT_CODE ON C_STANDARD 99
                                           C_EXTENSIONS OFF)
# Third-party code: none of the project's warnings (or -Werror) apply to it.
target_compile_options(cwp_cjson PRIVATE -w)
target_include_directories(cwp_cjson PUBLIC
  $<BUILD_INTERFACE:${_cwp_cjson_inc}> $<BUILD_INTERFACE:${_cwp_cjson_inc}/cjson>)
target_link_libraries(cwp_cjson PUBLIC m)
add_library(PkgConfig::CJSON ALIAS cwp_cjson)
# cwp_core links it publicly: it goes into the same export set.
install(TARGETS cwp_cjson EXPORT cwprogressTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
message(STATUS "cJSON: built from ${CWP_CJSON_SOURCE_DIR}")
