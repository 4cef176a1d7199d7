# model/ (the hardware) and the bottom layer it shares with sw/ (model/arch,
# model/ports, model/stats, model/util) include nothing of the kernel layer,
# and the model library links none of it. Run by CTest: cmake -P with
# SOURCE_DIR and MODEL_LINKS (mmusim_model's LINK_LIBRARIES).
file(GLOB_RECURSE sources "${SOURCE_DIR}/model/*.h" "${SOURCE_DIR}/model/*.cpp"
     "${SOURCE_DIR}/model/*.sv")
set(bad "")
foreach(f IN LISTS sources)
  file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[\"<]sw/")
  if(lines)
    list(APPEND bad "${f}: ${lines}")
  endif()
endforeach()
if(bad)
  list(JOIN bad "\n" text)
  message(FATAL_ERROR "model/ includes the kernel layer:\n${text}")
endif()
if(MODEL_LINKS MATCHES "mmusim_sw|mmusim_system|mmusim_testbench")
  message(FATAL_ERROR "mmusim_model links the kernel layer: ${MODEL_LINKS}")
endif()
list(LENGTH sources n)
message(STATUS "model/: ${n} files, none includes sw/; mmusim_model links ${MODEL_LINKS}")
