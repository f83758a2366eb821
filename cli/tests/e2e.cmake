# End-to-end tests of the cwprogress verbs (label e2e): each test process
# starts its own two mock servers on ephemeral ports and runs the verbs
# in-process (cwp_cli), so no fixed ports and no sleeps.
if(TARGET mock_emby AND TARGET emby_client)
  cwp_add_cmocka_test(NAME e2e_sync
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e_sync.c
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e_support.c
    LIBS cwp_cli
    LABEL e2e
    TIMEOUT 300
    CASES
      sync_oneway_writes_exactly_the_planned_items
      sync_oneway_second_run_writes_nothing
      sync_dry_run_equals_real_run_and_sends_no_write
      sync_active_session_not_written
      sync_target_newer_not_written
      sync_played_target_not_written_without_replay
      sync_played_target_replay_unwatches_then_writes
      sync_multiversion_each_item_written
      sync_journal_then_undo_restores_previous_userdata
      sync_journal_written_before_failing_writes
      sync_interrupted_run_completes_then_converges
      sync_twoway_converges
      sync_twoway_interrupted_converges
      sync_confirmed_zero_clears_destination
      sync_remove_off_never_clears
      sync_absent_from_source_never_cleared
      sync_failed_confirm_lookup_never_clears
      sync_unreadable_side_exits_3_nothing_written
      sync_config_errors_exit_2
      sync_token_file_group_readable_refused
      sync_insecure_only_by_full_name
      tokens_appear_nowhere
      index_prints_progress_index
      sync_no_color_honoured
      sync_progress_bar_only_on_a_terminal)
  target_include_directories(e2e_sync PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests)
endif()

if(TARGET mock_emby AND TARGET emby_client)
  cwp_add_cmocka_test(NAME e2e_demo
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e_demo.c
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e_support.c
    LIBS cwp_cli
    LABEL e2e
    TIMEOUT 300
    CASES
      demo_writes_exactly_the_expected_items
      demo_twoway_converges
      demo_without_fixtures_exits_2_with_a_hint)
  target_include_directories(e2e_demo PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests)
endif()

# APPLY-10..12: undo gives back, never takes; interruption; one run at a time.
if(TARGET mock_emby AND TARGET emby_client)
  cwp_add_cmocka_test(NAME e2e_undo
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e_undo.c
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e_support.c
    LIBS cwp_cli
    LABEL e2e
    TIMEOUT 300
    CASES
      undo_gives_back_an_unwatch_before_a_refused_write
      undo_leaves_progress_made_since_the_run
      sync_sigint_mid_write_then_undo
      sync_second_run_waits_then_names_the_other
      sync_takes_over_a_stale_lock)
  target_include_directories(e2e_undo PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests)
  add_dependencies(e2e_undo cwprogress) # APPLY-12: the second run is another process
endif()
