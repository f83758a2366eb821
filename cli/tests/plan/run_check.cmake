# Runs one `cwprogress plan` command and checks its exit status and output.
#   cmake -DCMD="<exe>@@arg@@arg" -DRC=<expected exit status>
#         [-DOUT=<regex stdout must match>] [-DERR=<regex stderr must match>]
#         [-DNOT_OUT=<regex stdout must not match>] -P run_check.cmake
string(REPLACE "@@" ";" argv "${CMD}")
execute_process(COMMAND ${argv} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(problems "")
if(NOT rc STREQUAL RC)
  string(APPEND problems "exit status ${rc}, expected ${RC}\n")
endif()
if(DEFINED OUT AND NOT out MATCHES "${OUT}")
  string(APPEND problems "stdout does not match: ${OUT}\n")
endif()
if(DEFINED ERR AND NOT err MATCHES "${ERR}")
  string(APPEND problems "stderr does not match: ${ERR}\n")
endif()
if(DEFINED NOT_OUT AND out MATCHES "${NOT_OUT}")
  string(APPEND problems "stdout matches what it must not: ${NOT_OUT}\n")
endif()
if(problems)
  message(FATAL_ERROR "${problems}--- stdout:\n${out}--- stderr:\n${err}")
endif()
