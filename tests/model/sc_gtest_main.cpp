// sc_main for SystemC test suites: runs GoogleTest. Every case runs in a
// process of its own (gtest_discover_tests), as SystemC elaborates once.
#include <gtest/gtest.h>

#include <systemc>

int sc_main(int argc, char* argv[]) {
  testing::InitGoogleTest(&argc, argv);
  // A SystemC warning in a test is a failure, not noise.
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING,
                                          sc_core::SC_DISPLAY | sc_core::SC_THROW);
  return RUN_ALL_TESTS();
}
