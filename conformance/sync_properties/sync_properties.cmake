# Layer 3 at the sync level (issue 6): seeded property checks over random
# pairs of in-process mock servers (test_sync_properties.c), one CTest entry
# per mode. CWP_SYNC_PROPERTY_SEED / CWP_SYNC_PROPERTY_CASES replay or widen
# a run. Needs the harness of conformance/scenarios (scenarios.cmake).
if(TARGET cwp_sync_harness)
  cwp_add_cmocka_test(NAME sync_properties
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sync_properties.c
    LIBS cwp_sync_harness m
    LABEL conformance
    TIMEOUT 300
    CASES sync_property_one_way sync_property_two_way)
endif()
