# bench_client: decode MB/s, index items/s + peak RSS, latency-bound writes at
# 1/4/8 in flight (docs/PERFORMANCE.md, "client"). Needs the client and mock.
if(TARGET emby_client AND TARGET mock_emby)
  add_executable(bench_client ${CMAKE_CURRENT_SOURCE_DIR}/bench_client.c
                 ${PROJECT_SOURCE_DIR}/emby_client/tests/support/gen_fixture.c)
  target_include_directories(bench_client PRIVATE
    ${PROJECT_SOURCE_DIR}/emby_client/tests/support)
  target_link_libraries(bench_client PRIVATE emby_client mock_emby PkgConfig::CJSON)
endif()
