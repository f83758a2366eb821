# The engine over in-memory providers (sync/tests/mem_provider.c): no HTTP.
# test_sync.sync_two_pairs_at_once_in_threads runs two syncs in two threads
# (reentrancy; the TSan build checks it).
cwp_add_cmocka_test(NAME test_sync
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_sync.c
          ${CMAKE_CURRENT_SOURCE_DIR}/tests/mem_provider.c
  LIBS cwp_sync PkgConfig::CJSON Threads::Threads LABEL unit
  CASES sync_writes_every_resolved_item_and_journals_first sync_second_run_writes_nothing
        sync_dry_run_sends_nothing_same_plan sync_only_restricts_the_run_to_given_keys
        sync_cancel_mid_batch_starts_no_new_write sync_cancel_before_writes_sends_nothing
        sync_failed_index_writes_nothing sync_options_and_providers_are_versioned
        sync_two_pairs_at_once_in_threads sync_confirmed_zero_clears_only_with_remove
        sync_two_way_writes_both_sides_then_converges
        undo_restores_items_that_still_hold_the_write undo_leaves_progress_made_since_the_run
        undo_leaves_an_item_playing_now undo_gives_back_an_unwatch_before_a_refused_write
        undo_counts_a_timed_out_write_as_applied
        undo_skips_writes_that_never_reached_the_server)
