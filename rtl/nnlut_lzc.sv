// nnlut_lzc: leading-zero count of an unsigned word (combinational).
//
// Used to normalise the wide-range inputs of 1/x and 1/sqrt(x) into the table's octave
// before the NN-LUT lookup. cnt_o is the number of zeros above the most significant one;
// for an all-zero word cnt_o = Width and zero_o is set, so callers can saturate instead of
// shifting by an impossible amount.
module nnlut_lzc #(
  parameter int unsigned Width    = 32,
  localparam int unsigned CntWidth = $clog2(Width + 1)
) (
  input  logic [Width-1:0]    data_i,
  output logic [CntWidth-1:0] cnt_o,
  output logic                zero_o
);

  if (Width < 1) begin : gen_check_width
    $fatal(1, "nnlut_lzc: Width must be >= 1 (got %0d)", Width);
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

endmodule : nnlut_lzc
