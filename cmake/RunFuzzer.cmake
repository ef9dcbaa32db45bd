# CTest driver for `fuzz.<target>` (cmake -P): runs one libFuzzer binary for a
# fixed time on a scratch copy of its seed corpus, so the seeds in the
# repository are never written to.
#
# Inputs: FUZZER (path of the binary), TARGET, WORK_DIR, SECONDS,
#         TARGET_CORPUS (fuzz/corpus/<target>, may be absent),
#         SHARED_CORPUS (*.dat and *.sip below it), TEST_DATA (every file)

cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS FUZZER TARGET WORK_DIR SECONDS)
    if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
        message(FATAL_ERROR "RunFuzzer.cmake: ${var} is not set")
    endif()
endforeach()
if(NOT EXISTS "${FUZZER}")
    message(FATAL_ERROR "fuzz target not built: ${FUZZER} (the sanitizer build needs SIPUA_FUZZ=ON)")
endif()

set(corpus "${WORK_DIR}/corpus")
set(artifacts "${WORK_DIR}/artifacts")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${corpus}" "${artifacts}")

set(seeds)
if(TARGET_CORPUS AND IS_DIRECTORY "${TARGET_CORPUS}")
    file(GLOB_RECURSE found LIST_DIRECTORIES false "${TARGET_CORPUS}/*")
    list(APPEND seeds ${found})
endif()
if(SHARED_CORPUS AND IS_DIRECTORY "${SHARED_CORPUS}")
    file(GLOB_RECURSE found LIST_DIRECTORIES false "${SHARED_CORPUS}/*.dat" "${SHARED_CORPUS}/*.sip")
    list(APPEND seeds ${found})
endif()
if(TEST_DATA AND IS_DIRECTORY "${TEST_DATA}")
    file(GLOB_RECURSE found LIST_DIRECTORIES false "${TEST_DATA}/*")
    list(APPEND seeds ${found})
endif()
# Name each copy by its content: the same message in two places is one seed.
foreach(seed IN LISTS seeds)
    file(SHA1 "${seed}" hash)
    file(COPY_FILE "${seed}" "${corpus}/${hash}")
endforeach()
file(GLOB unique LIST_DIRECTORIES false "${corpus}/*")
list(LENGTH seeds nseeds)
list(LENGTH unique nunique)
message(STATUS "${TARGET}: ${nunique} distinct seeds from ${nseeds} files; running ${SECONDS} s")

set(log "${WORK_DIR}/fuzz.log")
execute_process(
    COMMAND "${FUZZER}"
        -max_total_time=${SECONDS}
        -timeout=10
        -rss_limit_mb=2048
        -print_final_stats=1
        "-artifact_prefix=${artifacts}/"
        "${corpus}"
    WORKING_DIRECTORY "${WORK_DIR}"
    OUTPUT_FILE "${log}"
    ERROR_FILE "${log}"
    RESULT_VARIABLE rc)

# libFuzzer logs a line per new input: show the log without those (the whole
# log stays in WORK_DIR), and only its end, where the report and the final
# statistics are.
file(READ "${log}" text)
string(REGEX REPLACE "#[0-9]+\t(NEW|REDUCE|pulse|RELOAD)[^\n]*\n" "" text "${text}")
string(LENGTH "${text}" size)
set(keep 12000)
if(size GREATER keep)
    math(EXPR offset "${size} - ${keep}")
    string(SUBSTRING "${text}" ${offset} -1 text)
    message("... (full log: ${log})")
endif()
message("${text}")

file(GLOB found LIST_DIRECTORIES false "${artifacts}/*")
if(NOT rc EQUAL 0 OR found)
    message(FATAL_ERROR "${TARGET}: libFuzzer exited with ${rc}; reproducers: ${found}\n"
        "replay with: ${FUZZER} <file>")
endif()
message(STATUS "${TARGET}: no crash, leak, timeout or failed check in ${SECONDS} s")
