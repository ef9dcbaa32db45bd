# Compiler settings shared by every sipua target.
#
#   sipua_enable_sanitizers()          ASan + UBSan on everything defined after
#                                      the call (SIPUA_SANITIZE)
#   sipua_target_warnings(target)      the project's warning set, -Werror with
#                                      SIPUA_WERROR
#   sipua_target_defaults(target KIND) warnings, feature macros and include
#                                      directories for KIND = CORE (the sans-IO
#                                      library), IO, APP or TEST

include_guard(GLOBAL)

set(SIPUA_WARNING_FLAGS -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes)
set(SIPUA_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)

macro(sipua_enable_sanitizers)
    add_compile_options(${SIPUA_SANITIZE_FLAGS})
    add_link_options(${SIPUA_SANITIZE_FLAGS})
endmacro()

function(sipua_target_warnings target)
    target_compile_options(${target} PRIVATE ${SIPUA_WARNING_FLAGS})
    if(SIPUA_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()

function(sipua_target_defaults target kind)
    sipua_target_warnings(${target})
    target_include_directories(${target} PRIVATE "${PROJECT_SOURCE_DIR}/include")
    if(kind STREQUAL "CORE")
        # The core is plain C11 plus POSIX.1-2008 at most: it does no I/O.
        target_compile_definitions(${target} PRIVATE _POSIX_C_SOURCE=200809L)
        target_include_directories(${target} PRIVATE "${PROJECT_SOURCE_DIR}/src")
    elseif(kind STREQUAL "IO" OR kind STREQUAL "TEST")
        target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
        target_include_directories(${target} PRIVATE "${PROJECT_SOURCE_DIR}/src")
    elseif(kind STREQUAL "APP")
        target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
    else()
        message(FATAL_ERROR "sipua_target_defaults: unknown kind '${kind}'")
    endif()
endfunction()
