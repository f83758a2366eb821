# Ticks (UNIT-01..04) and timestamps (UNIT-05..08).
cwp_add_cmocka_test(NAME test_ticks
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_ticks.c
  LIBS cwp_core LABEL unit
  CASES ticks_string_digits_accepted ticks_string_invalid_never_zero
        ticks_string_not_nul_terminated ticks_json_integer_and_string
        ticks_json_invalid_never_zero ticks_json_null_or_missing_is_absent
        ticks_to_ms_floors ms_to_ticks_multiplies_and_checks_range
        ticks_round_trip_through_ms)

cwp_add_cmocka_test(NAME test_time
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_time.c
  LIBS cwp_core LABEL unit
  CASES time_fraction_digits_zero_to_seven time_zones time_calendar_and_epoch_edges
        time_invalid_dates time_zero_date_is_absent time_not_nul_terminated
        time_json_epoch_seconds_and_ms time_json_absent_and_invalid
        time_format_seven_digits_utc time_format_range_and_buffer
        time_format_round_trip)
