# CTest driver for `install_consumer` (cmake -P): installs the build tree into
# a scratch prefix, then builds and runs tests/install-consumer against it,
# once through find_package(sipua) and once through pkg-config.
#
# Inputs: BUILD_DIR WORK_DIR CONSUMER_SOURCE_DIR C_COMPILER GENERATOR
#         [CONFIG] [EXTRA_FLAGS]

cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS BUILD_DIR WORK_DIR CONSUMER_SOURCE_DIR C_COMPILER GENERATOR)
    if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
        message(FATAL_ERROR "InstallConsumerTest.cmake: ${var} is not set")
    endif()
endforeach()

function(run)
    string(REPLACE ";" " " shown "${ARGN}")
    message(STATUS "$ ${shown}")
    execute_process(COMMAND ${ARGN} COMMAND_ERROR_IS_FATAL ANY)
endfunction()

function(require_file pattern what)
    file(GLOB_RECURSE found LIST_DIRECTORIES false "${prefix}/${pattern}")
    if(NOT found)
        message(FATAL_ERROR "not installed: ${what} (${pattern})")
    endif()
    list(GET found 0 first)
    message(STATUS "installed: ${first}")
    set(FOUND_${what} "${first}" PARENT_SCOPE)
endfunction()

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# 1. Install.
set(config_args)
if(CONFIG)
    set(config_args --config "${CONFIG}")
endif()
run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}" ${config_args})

require_file("include/sipua/base.h" header)
require_file("include/sipua/msg.h" msg_header)
require_file("lib*/libsipua.a" static_lib)
require_file("lib*/libsipua.so.0" shared_lib)
require_file("lib*/pkgconfig/sipua.pc" pc)
require_file("lib*/cmake/sipua/sipuaConfig.cmake" config)
require_file("lib*/cmake/sipua/sipuaConfigVersion.cmake" config_version)
require_file("lib*/cmake/sipua/sipuaTargets.cmake" targets)
if(EXISTS "${BUILD_DIR}/sipua")
    require_file("bin/sipua" program)
endif()

# 2. find_package(sipua): a shared and a static consumer.
set(build "${WORK_DIR}/build")
run("${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${build}" -G "${GENERATOR}"
    "-DCMAKE_C_COMPILER=${C_COMPILER}"
    "-DCMAKE_PREFIX_PATH=${prefix}"
    "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF"
    "-DCMAKE_FIND_PACKAGE_NO_SYSTEM_PACKAGE_REGISTRY=ON"
    -DCMAKE_BUILD_TYPE=Release
    "-DCMAKE_C_FLAGS=${EXTRA_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${EXTRA_FLAGS}"
    "-DEXPECTED_CONFIG=${FOUND_config}")
run("${CMAKE_COMMAND}" --build "${build}")
run("${build}/consumer_shared")
run("${build}/consumer_static")

# 3. pkg-config: compile by hand with the flags it prints.
find_program(PKG_CONFIG_EXECUTABLE NAMES pkg-config pkgconf REQUIRED)
get_filename_component(pcdir "${FOUND_pc}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} "${pcdir}")
foreach(what IN ITEMS cflags libs modversion)
    execute_process(COMMAND "${PKG_CONFIG_EXECUTABLE}" --${what} sipua
        OUTPUT_VARIABLE pc_${what} OUTPUT_STRIP_TRAILING_WHITESPACE
        COMMAND_ERROR_IS_FATAL ANY)
    message(STATUS "pkg-config --${what} sipua: ${pc_${what}}")
endforeach()
execute_process(COMMAND "${PKG_CONFIG_EXECUTABLE}" --variable=libdir sipua
    OUTPUT_VARIABLE pc_libdir OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
get_filename_component(real_libdir "${FOUND_shared_lib}" DIRECTORY)
file(REAL_PATH "${pc_libdir}" pc_libdir_real)
file(REAL_PATH "${real_libdir}" real_libdir)
if(NOT pc_libdir_real STREQUAL real_libdir)
    message(FATAL_ERROR "sipua.pc libdir ${pc_libdir} is not where the library is (${real_libdir})")
endif()
separate_arguments(pc_cflags UNIX_COMMAND "${pc_cflags}")
separate_arguments(pc_libs UNIX_COMMAND "${pc_libs}")
separate_arguments(extra UNIX_COMMAND "${EXTRA_FLAGS}")
run("${C_COMPILER}" -std=c11 -Wall -Werror ${extra} ${pc_cflags}
    "${CONSUMER_SOURCE_DIR}/main.c" -o "${WORK_DIR}/consumer_pkgconfig"
    ${pc_libs} "-Wl,-rpath,${pc_libdir_real}")
run("${WORK_DIR}/consumer_pkgconfig")

message(STATUS "install_consumer: OK")
