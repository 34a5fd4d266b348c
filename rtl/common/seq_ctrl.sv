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
// The tag (tag_i, TagWidth bits) is stored with the operand and stays on tag_o until the next
// operand is taken: the word a caller carries beside a division or a root.
//
// Timing: an operand taken at edge n gives out_valid_o after edge n + Cycles.
`include "assert.svh"
`include "port_groups.svh"

module seq_ctrl #(
  parameter int unsigned Cycles   = 8,
  parameter int unsigned TagWidth = 1
) (
  input  logic clk_i, rst_ni,
  `TAGGED_STREAM_IN(TagWidth),
  `TAGGED_STREAM_OUT(TagWidth),
  output logic load_o,
  output logic step_o
);

  localparam int unsigned CntWidth = $clog2(Cycles + 1);

  if (Cycles < 1 || TagWidth < 1) begin : gen_check_params
    $fatal(1, "seq_ctrl: Cycles (%0d) and TagWidth (%0d) must be >= 1", Cycles, TagWidth);
  end

  logic [CntWidth-1:0] left_q;
  logic                busy, done_q;
  logic [TagWidth-1:0] tag_q;

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

  always_ff @(posedge clk_i) begin
    if (load_o) begin
      tag_q <= tag_i;
    end
  end
  assign tag_o = tag_q;

  `ASSERT_HANDSHAKE(In, in_valid_i, in_ready_o, clk_i, !rst_ni)
  `ASSERT_HANDSHAKE(Out, out_valid_o, out_ready_i, clk_i, !rst_ni)
  // A result waits only once its steps are done, and the step count stays in range.
  `ASSERT_NEVER(DoneWhileBusy, busy && done_q, clk_i, !rst_ni)
  `ASSERT(StepsInRange, 32'(left_q) <= Cycles, clk_i, !rst_ni)

endmodule : seq_ctrl
