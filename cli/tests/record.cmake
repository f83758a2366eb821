# End-to-end tests of `cwprogress record` (issue 9, label e2e): each case
# starts its mocks in-process on ephemeral ports, records one, replays the
# recording in a second mock and compares what the verbs see.
if(TARGET mock_emby AND TARGET emby_client)
  cwp_add_cmocka_test(NAME e2e_record
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/record_e2e.c
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e_support.c
    LIBS cwp_cli
    LABEL e2e
    TIMEOUT 300
    CASES
      record_roundtrip_index_identical
      record_roundtrip_sync_plans_identical
      record_whole_library_plans_identical_both_ways
      record_library_selection_roundtrip
      record_limit_keeps_first_n_resumable
      record_sends_the_clients_own_requests
      record_never_writes_the_token
      record_redacted_holds_none_of_the_values
      record_failed_read_exits_3_and_leaves_nothing
      record_bad_arguments_exit_2
      record_keeps_verbatim_pages_the_model_cannot_reproduce
      record_reproduces_rows_the_model_cannot_hold)
  target_include_directories(e2e_record PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests)
endif()
