# The steps of the install tests (tests/install/CMakeLists.txt), run as cmake -P with STEP:
#   setup    installs BUILD_DIR into WORK/prefix; checks that the package's CMake files name no
#            path of the source or build tree (the prefix can be moved) and that the installed
#            tool's `--version` and the package's version are both VERSION (project(VERSION))
#   project  configures PROJECT against WORK/prefix (CMAKE_PREFIX_PATH) in a fresh WORK/NAME,
#            with the compiler, build type and sanitizer flags of this build, builds it, runs
#            PROGRAM once per argument in RUNS (once without one if RUNS is empty) and checks
#            that the lines of EXPECTED (%RUN% in its name replaced by the argument) are lines of
#            the output, in that order
#   cleanup  removes WORK
cmake_minimum_required(VERSION 3.25)

# Runs the command in ARGN; stops naming `what`, with its output, unless it exits 0. Sets `out`.
function(run_checked what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "${what} failed (${rc}): ${command}\n${stdout}\n${stderr}")
  endif()
  set(out "${stdout}" PARENT_SCOPE)
endfunction()

# Stops unless every line of file `expected` is a line of `text`, in the file's order. Plain
# string searches: outputs hold brackets and semicolons, which CMake lists do not keep.
function(expect_lines text expected)
  file(READ "${expected}" want)
  set(rest "\n${text}")
  while(NOT want STREQUAL "")
    string(FIND "${want}" "\n" end)
    if(end EQUAL -1)
      message(FATAL_ERROR "${expected}: the last line has no newline")
    endif()
    string(SUBSTRING "${want}" 0 ${end} line)
    math(EXPR next "${end} + 1")
    string(SUBSTRING "${want}" ${next} -1 want)
    string(FIND "${rest}" "\n${line}\n" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "the output has no line '${line}' (${expected}) where expected; "
                          "the output:\n${text}")
    endif()
    string(LENGTH "\n${line}" skip)
    math(EXPR at "${at} + ${skip}")
    string(SUBSTRING "${rest}" ${at} -1 rest)
  endwhile()
endfunction()

set(prefix "${WORK}/prefix")

if(STEP STREQUAL "setup")
  file(REMOVE_RECURSE "${WORK}")
  run_checked("cmake --install" "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --config "${CONFIG}"
              --prefix "${prefix}")
  file(GLOB_RECURSE package_files "${prefix}/*/cmake/mmusim/*.cmake")
  if(NOT package_files)
    message(FATAL_ERROR "no CMake package under ${prefix}")
  endif()
  foreach(f ${package_files})
    file(READ "${f}" text)
    foreach(tree "${SOURCE_DIR}" "${BUILD_DIR}")
      string(FIND "${text}" "${tree}" at)
      if(NOT at EQUAL -1)
        message(FATAL_ERROR "${f} names ${tree}: the package cannot be moved")
      endif()
    endforeach()
    if(f MATCHES "mmusimConfigVersion.cmake$")
      string(REGEX MATCH "set\\(PACKAGE_VERSION \"([^\"]*)\"\\)" _ "${text}")
      set(package_version "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  if(NOT package_version STREQUAL "${VERSION}")
    message(FATAL_ERROR "the package's version is '${package_version}', the project's ${VERSION}")
  endif()
  run_checked("mmusim --version" "${prefix}/bin/mmusim" --version)
  if(NOT out MATCHES "^mmusim ${VERSION} \\(")
    message(FATAL_ERROR "the installed mmusim --version prints '${out}', the package is ${VERSION}")
  endif()
  message(STATUS "installed mmusim ${package_version} into ${prefix}")
elseif(STEP STREQUAL "project")
  set(build "${WORK}/${NAME}")
  file(REMOVE_RECURSE "${build}")
  set(args -S "${PROJECT}" -B "${build}" -G "${GENERATOR}" "-DCMAKE_PREFIX_PATH=${prefix}"
      "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_BUILD_TYPE=${CONFIG}")
  if(LAUNCHER)
    list(APPEND args "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
  endif()
  if(SANITIZE)
    # As the top CMakeLists.txt instruments this build: the libraries need the sanitizer runtime.
    list(APPEND args
         "-DCMAKE_CXX_FLAGS=-fsanitize=${SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all"
         "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${SANITIZE}")
  endif()
  run_checked("configuring ${PROJECT}" "${CMAKE_COMMAND}" ${args})
  run_checked("building ${PROJECT}" "${CMAKE_COMMAND}" --build "${build}" --parallel 2)
  set(runs "${RUNS}")
  if(NOT runs)
    set(runs "-")  # once, without an argument
  endif()
  foreach(arg IN LISTS runs)
    if(arg STREQUAL "-")
      set(arg "")
    endif()
    string(STRIP "${PROGRAM} ${arg}" command)
    run_checked("${command}" "${build}/${PROGRAM}" ${arg})
    string(REPLACE "%RUN%" "${arg}" expected "${EXPECTED}")
    expect_lines("${out}" "${expected}")
    message(STATUS "${command}: every line of ${expected}")
  endforeach()
elseif(STEP STREQUAL "cleanup")
  file(REMOVE_RECURSE "${WORK}")
else()
  message(FATAL_ERROR "install_test.cmake: unknown STEP '${STEP}'")
endif()
