# `cwprogress plan` (CLI-01..03): exit statuses, messages and output, run on
# the bundled examples (cli/examples) and on malformed inputs (tests/plan).
set(CWP_PLAN_EX ${CMAKE_CURRENT_SOURCE_DIR}/examples)
set(CWP_PLAN_FX ${CMAKE_CURRENT_SOURCE_DIR}/tests/plan)

# cwp_plan_cli_test(NAME <name> RC <status> ARGS <args...> [OUT re] [ERR re] [NOT_OUT re])
function(cwp_plan_cli_test)
  cmake_parse_arguments(T "" "NAME;RC;OUT;ERR;NOT_OUT" "ARGS" ${ARGN})
  set(defs -DRC=${T_RC})
  foreach(v OUT ERR NOT_OUT)
    if(DEFINED T_${v})
      list(APPEND defs "-D${v}=${T_${v}}")
    endif()
  endforeach()
  string(REPLACE ";" "@@" cmd "$<TARGET_FILE:cwprogress>;plan;${T_ARGS}")
  add_test(NAME cli.plan.${T_NAME}
    COMMAND ${CMAKE_COMMAND} "-DCMD=${cmd}" ${defs} -P ${CWP_PLAN_FX}/run_check.cmake)
  set_tests_properties(cli.plan.${T_NAME} PROPERTIES LABELS unit TIMEOUT 60
    ENVIRONMENT "NO_COLOR=1")
endfunction()

set(EX --src ${CWP_PLAN_EX}/source.json --dst ${CWP_PLAN_EX}/destination.json
       --config ${CWP_PLAN_EX}/pair.json)

cwp_plan_cli_test(NAME help RC 0 ARGS --help OUT "usage: cwprogress plan")
cwp_plan_cli_test(NAME version RC 0 ARGS --version OUT "^cwprogress [0-9]+\\.[0-9]+\\.[0-9]+")
# The examples show one decision of each kind; the summary counts them.
cwp_plan_cli_test(NAME example_summary RC 0 ARGS ${EX}
  OUT "10 source keys, 6 destination keys, one-way.*upserts +4\n.*clears +1\n.*skips +5\n"
  ERR "warning: .*tvdb:121361#s01e01.*progress_ms.*\n.*1 warning\n"
  NOT_OUT "tmdb:13")
cwp_plan_cli_test(NAME example_explain_lists_every_source_key RC 0 ARGS ${EX} --explain
  OUT "upsert +destination_missing +imdb:tt0816692.*skip +within_delta +tmdb:27205.*skip +near_complete +tmdb:438631.*clear +explicit_zero +tmdb:550.*upsert +source_ahead +tmdb:603 .*matched imdb:tt0133093.*skip +below_min +tmdb:680.*skip +would_regress +tmdb:78.*skip +no_progress +tvdb:121361#s01e01.*upsert +destination_missing +tvdb:81189#s00e03.*upsert +source_newer +tvdb:81189#s01e02")
# PLAN-02: the destination-only key gets no decision, not even with remove:true.
cwp_plan_cli_test(NAME example_absent_key_not_planned RC 0 ARGS ${EX} --explain
  NOT_OUT "tmdb:13")
cwp_plan_cli_test(NAME example_json RC 0 ARGS ${EX} --json
  OUT "^\\{\"mode\":\"one-way\",\"disabled\":false,\"summary\":\\{\"decisions\":10,.*\"decisions\":\\[\n\\{\"key\":\"imdb:tt0816692\".*\n\\]\\}\n$")
cwp_plan_cli_test(NAME defaults_without_config RC 0
  ARGS --src ${CWP_PLAN_EX}/source.json --dst ${CWP_PLAN_EX}/destination.json
  OUT "skips +6\n.*remove_disabled +1")
cwp_plan_cli_test(NAME disabled RC 0
  ARGS --src ${CWP_PLAN_EX}/source.json --dst ${CWP_PLAN_EX}/destination.json
       --config ${CWP_PLAN_FX}/disabled.json
  OUT "disabled")
# UNIT-03: a bad field is dropped with a warning and the record is still planned.
cwp_plan_cli_test(NAME bad_field_planned_without_it RC 0 ARGS
  --src ${CWP_PLAN_FX}/bad_field.json --dst ${CWP_PLAN_FX}/empty.json --explain
  OUT "skip +no_progress +tmdb:1 .*upsert +destination_missing +tmdb:2 "
  ERR "tmdb:1.*progress_ms.*\n.*tmdb:2.*duration_ms.*\n.*2 warnings\n")
# CLI-03: malformed input and configuration exit 2, naming the file.
cwp_plan_cli_test(NAME not_json_exits_2 RC 2 ARGS
  --src ${CWP_PLAN_FX}/not_json.json --dst ${CWP_PLAN_FX}/empty.json
  ERR "not_json\\.json")
cwp_plan_cli_test(NAME not_an_index_exits_2 RC 2 ARGS
  --src ${CWP_PLAN_FX}/empty.json --dst ${CWP_PLAN_FX}/not_an_index.json
  ERR "destination index.*not_an_index\\.json")
cwp_plan_cli_test(NAME bad_config_exits_2_naming_key RC 2 ARGS ${EX}
  --config ${CWP_PLAN_FX}/bad_config.json
  ERR "bad_config\\.json: config: features\\.progress\\.min_seconds = -5 .*0 to 2147483647")
cwp_plan_cli_test(NAME config_not_json_exits_2 RC 2 ARGS ${EX}
  --config ${CWP_PLAN_FX}/config_not_json.json ERR "config_not_json\\.json: config: not valid JSON")
cwp_plan_cli_test(NAME missing_file_exits_3 RC 3 ARGS
  --src ${CWP_PLAN_FX}/no_such_file.json --dst ${CWP_PLAN_FX}/empty.json
  ERR "no_such_file\\.json.*(No such file|cannot open)")
cwp_plan_cli_test(NAME missing_dst_is_usage_error RC 2 ARGS --src ${CWP_PLAN_FX}/empty.json
  ERR "--src and --dst")
cwp_plan_cli_test(NAME unknown_option_is_usage_error RC 2 ARGS --frobnicate ERR "unknown option")
cwp_plan_cli_test(NAME json_and_explain_conflict RC 2 ARGS ${EX} --json --explain
  ERR "cannot be combined")
