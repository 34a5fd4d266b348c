// sole_e2softmax_code: SOLE's base-2 log code of exp(d) for one max-subtracted input d <= 0
// (combinational; bit-exact with models/sole.py E2Softmax.log2_code).
//
//   t = d + (d >>> 1) - (d >>> 4)          1.4375 d ~ d * log2(e): two shifts, no multiplier
//   k = min(-((t [+ 2^(InFrac-1)]) >>> InFrac), 2^CodeBits - 1)
//
// so that exp(d 2^-InFrac) ~ 2^-k. CodeNearest adds half a unit before the floor (rounds
// the code to nearest), which bounds the code's own error by sqrt(2) instead of 2.
`include "sole_e2softmax.svh"

module sole_e2softmax_code #(
  `SOLE_E2_CODE_PARAMS,
  // d is the difference of two InWidth-bit codes
  localparam int unsigned DWidth      = InWidth + 1
) (
  input  logic [DWidth-1:0]   d_i,
  output logic [CodeBits-1:0] k_o
);

  // |t| <= 1.4375 * 2^InWidth < 2^(InWidth+1): one more bit for the sign.
  localparam int unsigned TWidth = InWidth + 2;
  localparam int unsigned KMax   = (1 << CodeBits) - 1;
  localparam logic signed [TWidth-1:0] Half =
      (CodeNearest && InFrac > 0) ? TWidth'(1) <<< (InFrac - 1) : '0;

  if (InFrac >= InWidth) begin : gen_check_frac
    $fatal(1, "sole_e2softmax_code: InFrac (%0d) must be below InWidth (%0d)", InFrac, InWidth);
  end
  if (CodeBits < 1 || CodeBits > 5) begin : gen_check_code_bits
    $fatal(1, "sole_e2softmax_code: CodeBits must be in [1, 5] (got %0d)", CodeBits);
  end

  logic signed [TWidth-1:0] d, t, t_floor, neg;

  always_comb begin
    d       = TWidth'($signed(d_i));
    t       = d + (d >>> 1) - (d >>> 4) + Half;
    t_floor = t >>> InFrac;
    // t <= 2^(InFrac-1) - 1 even when rounding, so t_floor <= 0 and neg >= 0.
    neg     = -t_floor;
    k_o     = (neg > TWidth'(KMax)) ? CodeBits'(KMax) : neg[CodeBits-1:0];
  end

endmodule : sole_e2softmax_code
