// assert.svh: assertion macros for the project's RTL, in the manner of lowRISC's prim_assert.
//
//   `ASSERT(Name, property, clk, reset)   concurrent assertion, checked at every rising clock
//                                          edge while reset is low (reset is active high here:
//                                          pass !rst_ni)
//   `ASSERT_NEVER(Name, expression, clk, reset)
//   `ASSERT_KNOWN(Name, signal, clk, reset)  no X or Z on signal outside reset
//   `ASSERT_HANDSHAKE(Name, valid, ready, clk, reset)
//                                          the valid/ready rules every stream in the project
//                                          follows (AXI-Stream style): valid and ready are
//                                          never X, and valid, once high, stays high until the
//                                          cycle it is taken (ready high); named NameValidKnown,
//                                          NameReadyKnown, NameValidHeld
//   `ASSERT_STREAM(Name, valid, ready, data, clk, reset)
//                                          the handshake rules plus the data's: no X on data
//                                          while valid (NameDataKnown) and data stable while
//                                          valid waits for ready (NameDataStable)
//
// Simulation only: synthesis (Yosys defines SYNTHESIS) sees nothing. Every bench build turns
// assertions on (--assert), so a failing one stops the simulation with its name and the
// instance path.
`ifndef NNLUT_ASSERT_SVH
`define NNLUT_ASSERT_SVH

`ifdef VERILATOR
// An assertion samples rst_ni synchronously (disable iff) while the design uses it as an
// asynchronous reset; Verilator reports that mix as SYNCASYNCNET. The waiver names rst_ni only,
// so any other signal used both ways is still reported.
`verilator_config
lint_off -rule SYNCASYNCNET -file "*" -match "*'rst_ni'*"
`verilog
`endif

`ifndef SYNTHESIS
`define ASSERT(__name, __prop, __clk, __rst) \
  __name: assert property (@(posedge __clk) disable iff (__rst) (__prop)) \
    else $error("[ASSERT FAILED] [%m] %s (%s:%0d)", `"__name`", `__FILE__, `__LINE__);

`define ASSERT_NEVER(__name, __expr, __clk, __rst) \
  `ASSERT(__name, !(__expr), __clk, __rst)

`define ASSERT_KNOWN(__name, __sig, __clk, __rst) \
  `ASSERT(__name, !$isunknown(__sig), __clk, __rst)

`define ASSERT_HANDSHAKE(__name, __valid, __ready, __clk, __rst) \
  `ASSERT_KNOWN(__name``ValidKnown, __valid, __clk, __rst) \
  `ASSERT_KNOWN(__name``ReadyKnown, __ready, __clk, __rst) \
  `ASSERT(__name``ValidHeld, (__valid) && !(__ready) |=> (__valid), __clk, __rst)

`define ASSERT_STREAM(__name, __valid, __ready, __data, __clk, __rst) \
  `ASSERT_HANDSHAKE(__name, __valid, __ready, __clk, __rst) \
  `ASSERT(__name``DataKnown, (__valid) |-> !$isunknown(__data), __clk, __rst) \
  `ASSERT(__name``DataStable, (__valid) && !(__ready) |=> $stable(__data), __clk, __rst)
`else
`define ASSERT(__name, __prop, __clk, __rst)
`define ASSERT_NEVER(__name, __expr, __clk, __rst)
`define ASSERT_KNOWN(__name, __sig, __clk, __rst)
`define ASSERT_HANDSHAKE(__name, __valid, __ready, __clk, __rst)
`define ASSERT_STREAM(__name, __valid, __ready, __data, __clk, __rst)
`endif

`endif  // NNLUT_ASSERT_SVH
