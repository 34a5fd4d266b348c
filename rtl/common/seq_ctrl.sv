// seq_ctrl: handshake and step counter of a multi-cycle iterative unit (divider, square
// root) that takes one operand at a time and runs a fixed number of Cycles per operand.
//
// An operand is taken at an edge where in_valid_i and in_ready_o are high (load_o high in
// that cycle); the unit then steps (step_o high) in each of the next Cycles cycles, and its
// result is valid (out_valid_o) from the edge of the last step until an edge with out_ready_i
// high. in_ready_o is high when no operand is being worked on and no result is waiting (or the
// waiting one is taken in the same cycle), so one operand every Cycles + 1 edges at best; with
// out_ready_i tied high out_valid_o is a one-cycle pulse and in_ready_o is !busy.
//
// Timing: an operand taken at edge n gives out_valid_o after edge n + Cycles.
`include "assert.svh"
`include "port_groups.svh"

module seq_ctrl #(
  parameter int unsigned Cycles = 8
) (
  input  logic clk_i, rst_ni,
  `STREAM_IN_HANDSHAKE,
  `STREAM_OUT_HANDSHAKE,
  output logic load_o,
  output logic step_o
);

  localparam int unsigned CntWidth = $clog2(Cycles + 1);

  if (Cycles < 1) begin : gen_check_cycles
    $fatal(1, "seq_ctrl: Cycles must be >= 1 (got %0d)", Cycles);
  end

  logic [CntWidth-1:0] left_q;
  logic                busy, done_q;

  assign busy        = (left_q != '0);
  assign in_ready_o  = !busy && (!done_q || out_ready_i);
  assign load_o      = in_valid_i && in_ready_o;
  assign step_o      = busy;
  assign out_valid_o = done_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      left_q <= '0;
      done_q <= 1'b0;
    end else if (load_o) begin
      left_q <= CntWidth'(Cycles);
      done_q <= 1'b0;
    end else if (busy) begin
      left_q <= left_q - CntWidth'(1);
      done_q <= (left_q == CntWidth'(1));
    end else if (out_ready_i) begin
      done_q <= 1'b0;
    end
  end

  `ASSERT_HANDSHAKE(In, in_valid_i, in_ready_o, clk_i, !rst_ni)
  `ASSERT_HANDSHAKE(Out, out_valid_o, out_ready_i, clk_i, !rst_ni)
  // A result waits only once its steps are done, and the step count stays in range.
  `ASSERT_NEVER(DoneWhileBusy, busy && done_q, clk_i, !rst_ni)
  `ASSERT(StepsInRange, 32'(left_q) <= Cycles, clk_i, !rst_ni)

endmodule : seq_ctrl
