# CMake generated Testfile for 
# Source directory: /work/main
# Build directory: /work/main/build-nopch
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build-nopch/parley_unit_tests[1]_include.cmake")
add_test([=[layering.chat_includes_net]=] "/usr/bin/cmake" "--build" "/work/main/build-nopch" "--target" "layer_probe_chat_includes_net")
set_tests_properties([=[layering.chat_includes_net]=] PROPERTIES  PASS_REGULAR_EXPRESSION "No such file or directory" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;111;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[layering.store_includes_chat]=] "/usr/bin/cmake" "--build" "/work/main/build-nopch" "--target" "layer_probe_store_includes_chat")
set_tests_properties([=[layering.store_includes_chat]=] PROPERTIES  PASS_REGULAR_EXPRESSION "No such file or directory" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;111;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[layering.api_includes_app]=] "/usr/bin/cmake" "--build" "/work/main/build-nopch" "--target" "layer_probe_api_includes_app")
set_tests_properties([=[layering.api_includes_app]=] PROPERTIES  PASS_REGULAR_EXPRESSION "No such file or directory" _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;111;add_test;/work/main/CMakeLists.txt;0;")
add_test([=[layering.chat_includes_conversation]=] "/usr/bin/cmake" "--build" "/work/main/build-nopch" "--target" "layer_probe_chat_includes_conversation")
set_tests_properties([=[layering.chat_includes_conversation]=] PROPERTIES  _BACKTRACE_TRIPLES "/work/main/CMakeLists.txt;111;add_test;/work/main/CMakeLists.txt;0;")
