# Households, the schedule and webhooks end to end (SVC-01..03, label e2e):
# two in-process demo mocks, the service on a thread, the mock's player.
if(TARGET mock_emby AND TARGET emby_client)
  cwp_add_cmocka_test(NAME e2e_service
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/service_e2e.c
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/service_support.c
    LIBS cwp_cli CURL::libcurl
    LABEL e2e
    TIMEOUT 120
    CASES
      household_names_resolved_each_pair_its_own_report
      household_unreadable_pair_never_stops_the_other
      household_bad_users_refused_before_any_write
      household_one_probe_one_sessions_read_per_server
      every_each_run_probes_and_reads_sessions_again
      every_stop_between_runs_exits_0_at_once
      every_failed_run_then_a_good_one
      every_runs_never_overlap_with_a_slow_server
      every_sigterm_during_a_run_exits_130)
  target_compile_definitions(e2e_service PRIVATE CWP_HAVE_MOCK=1)
  target_include_directories(e2e_service PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests)
  cwp_add_cmocka_test(NAME e2e_service_webhook
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/service_webhook_e2e.c
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/service_support.c
    LIBS cwp_cli CURL::libcurl
    LABEL e2e
    TIMEOUT 120
    CASES
      webhook_stop_syncs_that_one_item
      webhook_every_event_kind_syncs_its_item
      webhook_wrong_secret_401_nothing_written
      webhook_burst_for_one_item_a_handful_of_syncs
      webhook_failed_write_loses_nothing_next_event_writes
      webhook_faults_lose_nothing_then_next_event_writes)
  target_compile_definitions(e2e_service_webhook PRIVATE CWP_HAVE_MOCK=1)
  target_include_directories(e2e_service_webhook PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests)
endif()
