// Assertion macros in the style of lowRISC's prim_assert.sv, reduced to what the MMU RTL uses.
// Concurrent assertions run in simulators that support them (Verilator with --assert); the
// parameter checks run at time zero everywhere.
`ifndef MMU_ASSERT_SVH
`define MMU_ASSERT_SVH

`define MMU_STRINGIFY(__x) `"__x`"

// A property of the parameters, checked once at time zero (prim_assert ASSERT_INIT).
`define MMU_ASSERT_INIT(__name, __prop)                                                        \
  initial begin : __name                                                                        \
    if (!(__prop)) $fatal(1, "%m: parameter check %s failed", `MMU_STRINGIFY(__name));          \
  end

// A property that holds at every rising edge of clk_i out of reset (prim_assert ASSERT).
`define MMU_ASSERT(__name, __prop)                                                             \
  __name: assert property (@(posedge clk_i) disable iff (!rst_ni) (__prop))                     \
    else $error("%m: assertion %s failed", `MMU_STRINGIFY(__name));

// A signal carries no X or Z out of reset (prim_assert ASSERT_KNOWN).
`define MMU_ASSERT_KNOWN(__name, __sig) `MMU_ASSERT(__name, !$isunknown(__sig))

`endif  // MMU_ASSERT_SVH
