# Runs one reliability case: `mmusim ARGS` (separated by ^) under a host address-
# space limit of LIMIT_KB, then checks the exit status against EXIT and the
# standard output (and, when given, the standard error) against files.
#   cmake -DBIN=... -DARGS=... -DEXIT=N -DLIMIT_KB=N -DOUT=FILE [-DERR=FILE]
#         [-DERR_MATCH=REGEX] -P run_case.cmake
# The time bound is the test's TIMEOUT property.
string(REPLACE "^" ";" args "${ARGS}")
execute_process(
  COMMAND sh -c "ulimit -v ${LIMIT_KB} && exec \"$0\" \"$@\"" ${BIN} ${args}
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
set(failed FALSE)
if(NOT rc STREQUAL EXIT)
  message(SEND_ERROR "exit status ${rc}, expected ${EXIT}\nstderr:\n${err}")
  set(failed TRUE)
endif()
file(READ ${OUT} want_out)
if(NOT out STREQUAL want_out)
  message(SEND_ERROR "stdout differs from ${OUT}:\n--- got\n${out}--- expected\n${want_out}")
  set(failed TRUE)
endif()
if(DEFINED ERR)
  file(READ ${ERR} want_err)
  if(NOT err STREQUAL want_err)
    message(SEND_ERROR "stderr differs from ${ERR}:\n--- got\n${err}--- expected\n${want_err}")
    set(failed TRUE)
  endif()
endif()
if(DEFINED ERR_MATCH AND NOT err MATCHES "${ERR_MATCH}")
  message(SEND_ERROR "stderr does not match '${ERR_MATCH}':\n${err}")
  set(failed TRUE)
endif()
if(failed)
  message(FATAL_ERROR "reliability case failed")
endif()
