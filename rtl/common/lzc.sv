// lzc: leading-zero count of an unsigned word (combinational).
//
// Normalises wide-range values into one octave: the NN-LUT 1/x and 1/sqrt(x) inputs, the
// start value of I-BERT's Newton square root, the dynamic compression of SOLE's AILayerNorm.
// cnt_o is the number of zeros above the most significant one; for an all-zero word
// cnt_o = Width and zero_o is set, so callers can saturate instead of shifting by an
// impossible amount.
module lzc #(
  parameter int unsigned Width    = 32,
  localparam int unsigned CntWidth = $clog2(Width + 1)
) (
  input  logic [Width-1:0]    data_i,
  output logic [CntWidth-1:0] cnt_o,
  output logic                zero_o
);

  if (Width < 1) begin : gen_check_width
    $fatal(1, "lzc: Width must be >= 1 (got %0d)", Width);
  end

  // A priority scan from the LSB up: the last one found is the most significant, so the
  // count is Width-1 minus its index. Synthesis turns this into a priority encoder.
  always_comb begin
    cnt_o = CntWidth'(Width);
    for (int unsigned i = 0; i < Width; i++) begin
      if (data_i[i]) begin
        cnt_o = CntWidth'(Width - 1 - i);
      end
    end
  end

  assign zero_o = (data_i == '0);

endmodule : lzc
