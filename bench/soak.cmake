# soak: repeated syncs between two in-process mocks with random faults for a
# set time, the fault matrix's invariants after every round and the RSS
# staying flat (docs/RELIABILITY.md, "Soak"). A program, not a test:
#   build/release/bin/soak 600          # ten minutes
#   build/dev/bin/soak                  # 60 s
if(TARGET mock_emby AND TARGET emby_client)
  add_executable(soak ${CMAKE_CURRENT_LIST_DIR}/soak.c ${CMAKE_CURRENT_LIST_DIR}/bench_mem.c)
  target_link_libraries(soak PRIVATE cwp_sync emby_client mock_emby PkgConfig::CJSON)
  target_compile_definitions(soak PRIVATE CWP_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endif()
