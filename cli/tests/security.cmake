# Security end to end (issue 8, label e2e, docs/RELIABILITY.md "Security"):
# TLS with a certificate made at test time (openssl), tokens (CLI-04), the
# mock's defences, hostile server input. One CTest entry per case.
if(TARGET mock_emby AND TARGET emby_client)
  cwp_add_cmocka_test(NAME e2e_security
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/tests/security.c
            ${CMAKE_CURRENT_SOURCE_DIR}/tests/e2e_support.c
    LIBS cwp_cli
    LABEL e2e
    TIMEOUT 300
    CASES
      tls_verified_unless_ca_file_or_insecure
      tls_certificate_for_another_host_refused
      token_file_loose_permissions_refused
      token_never_read_from_argv
      tokens_absent_when_runs_fail
      mock_binds_loopback_by_default
      mock_refuses_without_valid_token_and_caps_requests
      hostile_wrong_types_and_huge_numbers_never_zero
      hostile_deep_nesting_is_an_error_not_a_crash
      hostile_long_strings_handled
      hostile_fresh_state_not_overwritten)
  target_include_directories(e2e_security PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests)
endif()
