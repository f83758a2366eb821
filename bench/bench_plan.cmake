# bench_plan: load / match / plan throughput of the core (docs/PERFORMANCE.md).
# A program that prints figures, not a test: build it in a Release tree and run
#   build/release/bin/bench_plan --cli build/release/bin/cwprogress
add_executable(bench_plan ${CMAKE_CURRENT_LIST_DIR}/bench_plan.c)
target_link_libraries(bench_plan PRIVATE cwp_core)
