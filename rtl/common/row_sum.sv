// row_sum: the running sum of a row's elements, a beat of Lanes elements at a time (the I-BERT
// units' row sums: the LayerNorm mean's numerator, the Softmax denominator).
//
// sum_o is combinational: the sum of the row's beats up to and including beat_i, restarting at
// a beat with first_i high; it is registered at every beat with valid_i high, so the caller
// takes the row's sum from sum_o on the row's last beat. Elements are Width-bit two's
// complement numbers (Signed) or unsigned ones; SumWidth must hold the largest row sum (the
// caller sizes it; the sum wraps modulo 2^SumWidth otherwise). Reset clears the register.
`include "flops.svh"

module row_sum #(
  parameter int unsigned Lanes    = 4,
  parameter int unsigned Width    = 16,
  parameter bit          Signed   = 1'b0,
  parameter int unsigned SumWidth = 24
) (
  input  logic                   clk_i, rst_ni,
  input  logic                   valid_i,
  input  logic                   first_i,
  input  logic [Lanes*Width-1:0] beat_i,
  output logic [SumWidth-1:0]    sum_o
);

  if (Lanes < 1 || Width < 1 || SumWidth < Width) begin : gen_check_params
    $fatal(1, "row_sum: Lanes (%0d) and Width (%0d) must be >= 1 and SumWidth (%0d) >= Width",
           Lanes, Width, SumWidth);
  end

  logic [SumWidth-1:0] beat_sum, sum_q;

  always_comb begin
    beat_sum = '0;
    for (int unsigned l = 0; l < Lanes; l++) begin
      beat_sum = beat_sum + (Signed ? SumWidth'($signed(beat_i[l*Width +: Width]))
                                    : SumWidth'(beat_i[l*Width +: Width]));
    end
    sum_o = first_i ? beat_sum : sum_q + beat_sum;
  end

  `FFL_AR(sum_q, sum_o, valid_i, '0)

endmodule : row_sum
