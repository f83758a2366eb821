# Keys and tokens (KEY-01..07), the index and matching, index JSON (CLI-02).
cwp_add_cmocka_test(NAME test_keys
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_keys.c
  LIBS cwp_core LABEL unit
  CASES id_names_case_insensitive id_values_absent_spellings id_values_numeric_digits_only
        id_values_imdb_tt_digits key_movie_best_id_by_priority
        key_movie_without_ids_uses_title_year key_episode_show_id_season_episode
        key_episode_season_zero_is_real key_episode_without_numbers_or_ids key_errors
        tokens_movie_every_id tokens_episode_show_and_own_ids
        prefer_newer_timestamp_then_ratio_then_ms_then_item_id prefer_percent_only_records)

cwp_add_cmocka_test(NAME test_index
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_index.c
  LIBS cwp_core LABEL unit
  CASES index_put_computes_key_and_copies index_put_given_key_is_used_as_is
        index_rejects_untyped_record index_at_is_key_order_after_any_input_order
        index_duplicates_same_winner_in_every_order index_duplicate_tie_smallest_item_id_wins
        index_item_ids_single_none_and_kept index_pointers_stable_and_many_records
        match_exact_key_then_alias_token match_ambiguous_token_not_used
        match_same_record_naming_token_twice_is_not_ambiguous match_tmdb_never_matches_tvdb
        match_movie_never_matches_episode match_episode_tokens_season_zero
        match_token_priority_is_deterministic match_empty_indexes
        match_many_records_by_key_and_token)

cwp_add_cmocka_test(NAME test_index_json
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_index_json.c
  LIBS cwp_core LABEL unit
  CASES index_json_object_form_every_field index_json_lines_form_detected
        index_json_keys_named_like_fields_stay_object_form
        index_json_empty_inputs_are_empty_indexes index_json_ids_names_and_values
        index_json_numeric_strings_accepted index_json_bad_field_absent_with_warning
        index_json_absent_values_are_not_warnings index_json_record_without_type_dropped
        index_json_not_json_is_parse_error index_json_not_an_index_is_parse_error
        index_json_load_errors_name_the_path index_json_load_empty_then_written_file
        index_json_buffer_is_not_nul_terminated index_json_duplicate_keys_merge
        index_json_write_exact_bytes index_json_round_trip_identical_bytes
        record_to_json_matches_the_writer put_json_direct_computes_key_and_reports_drops
        index_json_many_records_both_forms)
