# bench_sync: the full `cwprogress sync` (100k items per side, 10k positions,
# 20 ms per request): wall time, requests per synced item, peak RSS
# (docs/PERFORMANCE.md, "sync"). Runs bin/cwprogress as a child process.
if(TARGET emby_client AND TARGET mock_emby AND TARGET cwprogress)
  add_executable(bench_sync ${CMAKE_CURRENT_SOURCE_DIR}/bench_sync.c)
  target_link_libraries(bench_sync PRIVATE mock_emby PkgConfig::CJSON)
  add_dependencies(bench_sync cwprogress)
endif()
