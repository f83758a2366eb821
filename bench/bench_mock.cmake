# bench_mock: the mock Emby server's small requests/s over one keep-alive
# connection and its time per 500-item page of a 100k-item library
# (docs/PERFORMANCE.md, "mock"). Uses libcurl as the client.
if(TARGET mock_emby)
  if(NOT TARGET CURL::libcurl)
    find_package(CURL REQUIRED)
  endif()
  add_executable(bench_mock ${CMAKE_CURRENT_LIST_DIR}/bench_mock.c)
  target_link_libraries(bench_mock PRIVATE mock_emby CURL::libcurl)
  target_compile_definitions(bench_mock PRIVATE CWP_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()
