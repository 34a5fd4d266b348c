// flops.svh: one spelling for the project's register idiom (after lowRISC's prim_flop_macros).
//
//   `FFL_AR(q, d, load, reset_value)   q loads d at a rising clk_i where load is high and is
//                                      reset_value while rst_ni is low (asynchronous reset)
//
// The clock and reset are the enclosing module's clk_i and rst_ni, as everywhere here.
`ifndef NNLUT_FLOPS_SVH
`define NNLUT_FLOPS_SVH

`define FFL_AR(__q, __d, __load, __reset_value) \
  always_ff @(posedge clk_i or negedge rst_ni) begin \
    if (!rst_ni) begin \
      __q <= __reset_value; \
    end else if (__load) begin \
      __q <= __d; \
    end \
  end

`endif
