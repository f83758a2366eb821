# cwp/json.h: cJSON's parser under one lock (threads may parse at once).
cwp_add_cmocka_test(NAME test_json
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/test_json.c
  LIBS cwp_core Threads::Threads LABEL unit
  CASES json_parse_reads_exactly_len_bytes json_parse_opts_sets_end_after_the_value
        json_parse_str_reads_a_c_string json_parse_on_many_threads_at_once)
