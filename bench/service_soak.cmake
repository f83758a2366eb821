# service_soak: the service's schedule (SVC-02) run thousands of times in one
# process with the heap and RSS sampled (docs/PERFORMANCE.md). A program:
#   build/dev/bin/service_soak [RUNS]      # default 2000
if(TARGET mock_emby AND TARGET emby_client AND TARGET cwp_cli)
  add_executable(service_soak ${CMAKE_CURRENT_LIST_DIR}/service_soak.c ${CMAKE_CURRENT_LIST_DIR}/bench_mem.c)
  target_link_libraries(service_soak PRIVATE cwp_cli mock_emby)
  target_compile_definitions(service_soak PRIVATE CWP_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()
