// row_counter: position of a stream's beat within a row of RowBeats beats.
//
// step_i advances the position (one beat of the row consumed); rows are consecutive groups
// of RowBeats steps. pos_o is the current beat's index, first_o and last_o mark the row's
// first and last beat; all three describe the beat the next step consumes, so a caller can
// act on "this is the row's last beat" in the same cycle it takes it. Reset returns to the
// start of a row.
`include "assert.svh"
`include "flops.svh"

module row_counter #(
  parameter  int unsigned RowBeats = 32,
  localparam int unsigned PosWidth = (RowBeats > 1) ? $clog2(RowBeats) : 1
) (
  input  logic                clk_i, rst_ni,
  input  logic                step_i,
  output logic [PosWidth-1:0] pos_o,
  output logic                first_o,
  output logic                last_o
);

  if (RowBeats < 1) begin : gen_check_row_beats
    $fatal(1, "row_counter: RowBeats must be >= 1 (got %0d)", RowBeats);
  end

  logic [PosWidth-1:0] pos_q;

  assign first_o = (pos_q == '0);
  assign last_o  = (pos_q == PosWidth'(RowBeats - 1));
  assign pos_o   = pos_q;

  `FFL_AR(pos_q, last_o ? '0 : pos_q + PosWidth'(1), step_i, '0)

  `ASSERT(PosInRow, 32'(pos_q) < RowBeats, clk_i, !rst_ni)

endmodule : row_counter
