# The client against an in-process mock_emby (included when the mock target
# exists). The generated-fixture helper is shared with bench/bench_client.
cwp_add_cmocka_test(NAME emby_client_test
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_client.c
          ${CMAKE_CURRENT_SOURCE_DIR}/support/gen_fixture.c
  LIBS emby_client mock_emby PkgConfig::CJSON
  LABEL unit
  CASES
    client_probe_names_server_and_user
    client_wrong_token_is_auth_error_naming_server_not_token
    client_unknown_user_is_reported
    client_authenticate_by_name_finds_user_and_token
    client_base_url_prefix_kept
    client_tls_verified_unless_insecure
    client_index_records_read02
    client_index_request_count_pages_plus_series_batches
    client_index_bulk_counts_and_series_batches_of_100
    client_index_per_library_parent_id
    client_index_429_retry_after_honoured
    client_retry_after_capped_by_max
    client_backoff_doubles_without_retry_after
    client_index_500_then_success
    client_index_500_forever_fails_whole_index
    client_index_other_4xx_not_retried
    client_index_truncated_body_fails
    client_index_dropped_connection_retried
    client_index_invalid_json_fails
    client_index_repeated_page_is_paging_loop
    client_index_wrong_total_record_count
    client_timeout_is_reported
    client_oversized_body_is_error
    client_connection_refused_is_net_error
    client_resolve_verifies_ids_and_type
    client_resolve_ambiguous_and_show_id_collision
    client_resolve_batches_many_records_per_lookup
    client_confirm_zeros_only_found_at_zero
    client_read_states_batched_by_url_length
    client_playing_reads_sessions_once
    client_writes_upsert_clear_unwatch
    client_write_unwatch_failure_skips_write
    client_write_retried_then_each_reported
    client_apply_request_counts_k_writes
    client_writes_bounded_in_flight)
target_include_directories(emby_client_test PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/support)
