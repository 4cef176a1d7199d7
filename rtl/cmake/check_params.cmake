# cmake -DTOP=mmu_tlb "-DPARAMS=-GWays=3;-GEntries=12" -P rtl/cmake/check_params.cmake
# Fails, naming the parameter, when the RTL rejects the combination.
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/mmusim_rtl.cmake")
mmusim_rtl_check_params(${TOP} ${PARAMS})
message(STATUS "RTL ${TOP} accepts ${PARAMS}")
