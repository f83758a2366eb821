# The service's webhook listener (SVC-03, cli/serve_webhook.c) against a
# recording sync callback (label unit: no server, loopback only).
if(TARGET mock_emby AND TARGET emby_client)
  cwp_add_cmocka_test(NAME cli_webhook_listener
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/webhook_listener.c
    LIBS cwp_cli CURL::libcurl
    LABEL unit
    CASES
      listener_healthz_and_status
      listener_without_the_secret_401_no_sync
      listener_json_event_syncs_that_item
      listener_multipart_data_part
      listener_malformed_and_oversized_4xx_no_sync
      listener_unknown_or_foreign_events_acknowledged
      listener_burst_for_one_item_coalesced
      listener_bad_options_refused)
  target_compile_definitions(cli_webhook_listener PRIVATE CWP_HAVE_MOCK=1)
endif()
