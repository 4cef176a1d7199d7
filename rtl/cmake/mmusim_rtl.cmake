# Verilator helpers for rtl/: the source list of each top module, a parameter check that runs at
# configure time (so that an illegal combination fails with the RTL's own message naming the
# parameter) and one verilated variant per parameter set. Usable from a CMakeLists.txt and from
# `cmake -P` scripts (cmake/check_params.cmake).
get_filename_component(MMUSIM_RTL_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(MMUSIM_RTL_WAIVERS "${MMUSIM_RTL_DIR}/lint/verilator_waivers.vlt")

if(NOT MMUSIM_VERILATOR)
  if(VERILATOR_BIN)
    set(MMUSIM_VERILATOR "${VERILATOR_BIN}")
  else()
    find_program(MMUSIM_VERILATOR verilator REQUIRED)
  endif()
endif()

# The SystemVerilog files of `top`, dependencies first, in OUT.
function(mmusim_rtl_sources top out)
  set(pkg "${MMUSIM_RTL_DIR}/mmu_pkg.sv")
  if(top STREQUAL "mmu_tlb")
    set(files ${pkg} "${MMUSIM_RTL_DIR}/mmu_tlb.sv")
  elseif(top STREQUAL "mmu_ptw")
    set(files ${pkg} "${MMUSIM_RTL_DIR}/mmu_ptw.sv")
  elseif(top STREQUAL "mmu_top")
    set(files ${pkg} "${MMUSIM_RTL_DIR}/mmu_tlb.sv" "${MMUSIM_RTL_DIR}/mmu_ptw.sv"
              "${MMUSIM_RTL_DIR}/mmu_top.sv")
  else()
    message(FATAL_ERROR "mmusim_rtl_sources: unknown RTL top '${top}'")
  endif()
  set(${out} ${files} PARENT_SCOPE)
endfunction()

# Lints `top` with the parameters in ARGN (-G<Name>=<value> ...). An illegal combination stops
# with the message of the RTL's elaboration check, which names the parameter.
function(mmusim_rtl_check_params top)
  mmusim_rtl_sources(${top} files)
  execute_process(
    COMMAND "${MMUSIM_VERILATOR}" --lint-only -Wall --assert "-I${MMUSIM_RTL_DIR}"
            "${MMUSIM_RTL_WAIVERS}" --top-module ${top} ${ARGN} ${files}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc)
    string(REGEX MATCHALL "USERFATAL: [^ ]+ ${top}: [^\n]*" reasons "${out}")
    list(TRANSFORM reasons REPLACE "^USERFATAL: [^ ]+ " "")
    string(REPLACE ";" " " params "${ARGN}")
    if(reasons)
      list(REMOVE_DUPLICATES reasons)
      string(REPLACE ";" "\n  " reasons "${reasons}")
      message(FATAL_ERROR "RTL ${top} cannot be built with ${params}:\n  ${reasons}")
    endif()
    message(FATAL_ERROR "RTL ${top} with ${params} does not lint cleanly:\n${out}")
  endif()
endfunction()

# Verilates `top` (C++, or SystemC with SYSTEMC) into `target` as class `prefix`, with the
# parameters in PARAMS (-G<Name>=<value> ...) checked first. FST tracing is compiled in and costs
# nothing until a trace is opened, except with FAST: a C++ model for speed alone, without tracing,
# with X assignments and initial values as cheap as Verilator makes them (the design resets or
# qualifies every flop it reads, so no result depends on them) and -O3 on the per-cycle code.
# The generated headers are added again as SYSTEM includes so that the project's warning flags
# do not apply to them.
function(mmusim_rtl_verilate target prefix top)
  cmake_parse_arguments(ARG "SYSTEMC;FAST" "" "PARAMS" ${ARGN})
  mmusim_rtl_check_params(${top} ${ARG_PARAMS})
  mmusim_rtl_sources(${top} files)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/verilated/${prefix}")
  set(mode TRACE_FST)
  set(args)
  set(opt_fast -O2)
  if(ARG_SYSTEMC)
    list(APPEND mode SYSTEMC)
  endif()
  if(ARG_FAST)
    set(mode)
    set(args --x-assign fast --x-initial fast -O3)
    set(opt_fast -O3)
  endif()
  verilate(${target} ${mode}
    PREFIX ${prefix} TOP_MODULE ${top} DIRECTORY "${dir}"
    SOURCES "${MMUSIM_RTL_WAIVERS}" ${files}
    VERILATOR_ARGS -Wall --assert "-I${MMUSIM_RTL_DIR}" ${args} ${ARG_PARAMS}
    OPT_SLOW -O1 OPT_FAST ${opt_fast} OPT_GLOBAL -O2)
  target_include_directories(${target} SYSTEM PUBLIC "${dir}")
endfunction()
