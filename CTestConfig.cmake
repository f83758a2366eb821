# CDash submission settings (ctest -D Experimental / ctest -S). Labels are
# reported as subprojects: unit, conformance, e2e, fuzzreg.
set(CTEST_PROJECT_NAME "cwprogress")
set(CTEST_NIGHTLY_START_TIME "01:00:00 UTC")
set(CTEST_SUBMIT_URL "https://my.cdash.org/submit.php?project=cwprogress")
set(CTEST_DROP_METHOD "https")
set(CTEST_DROP_SITE "my.cdash.org")
set(CTEST_DROP_LOCATION "/submit.php?project=cwprogress")
set(CTEST_DROP_SITE_CDASH TRUE)
set(CTEST_LABELS_FOR_SUBPROJECTS unit conformance e2e fuzzreg)
