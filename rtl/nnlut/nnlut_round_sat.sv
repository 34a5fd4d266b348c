// nnlut_round_sat: drop Shift fraction bits with round-half-up, then saturate.
//
// data_o = clamp(floor((data_i + 2^(Shift-1)) / 2^Shift), OutWidth bits signed) for
// Shift > 0, and clamp(data_i) for Shift == 0. Ties therefore go towards +infinity
// (-2.5 -> -2, 2.5 -> 3), which is the cheapest rounding in hardware (one adder, no
// sign-dependent correction). Out-of-range results clamp to the most negative or most
// positive code instead of wrapping. Purely combinational.

module nnlut_round_sat #(
  parameter int unsigned DataWidth = 34,
  parameter int unsigned Shift     = 14,
  parameter int unsigned OutWidth  = 16
) (
  input  logic signed [DataWidth-1:0] data_i,
  output logic signed [OutWidth-1:0]  data_o
);

  if (DataWidth < 1) begin : gen_check_data_width
    $fatal(1, "nnlut_round_sat: DataWidth must be >= 1 (got %0d)", DataWidth);
  end
  if (OutWidth < 1) begin : gen_check_out_width
    $fatal(1, "nnlut_round_sat: OutWidth must be >= 1 (got %0d)", OutWidth);
  end

  // One extra bit so the rounding add cannot overflow; at least Shift+1 bits so that
  // the constant 2^(Shift-1) is representable as a positive number even when Shift
  // exceeds the data width (the result is then always 0 or -1 before clamping).
  localparam int unsigned AddWidth =
      (DataWidth + 1 > Shift + 1) ? DataWidth + 1 : Shift + 1;
  localparam int unsigned RndWidth = (Shift == 0) ? DataWidth : AddWidth - Shift;

  localparam logic [OutWidth-1:0] MinCode = OutWidth'(1) << (OutWidth - 1);
  localparam logic [OutWidth-1:0] MaxCode = ~MinCode;

  logic signed [RndWidth-1:0] rounded;

  if (Shift == 0) begin : gen_no_round
    assign rounded = data_i;
  end else begin : gen_round
    logic signed [AddWidth-1:0] biased;
    assign biased  = AddWidth'(data_i) + (AddWidth'(1) << (Shift - 1));
    // >>> on a signed operand is floor division by 2^Shift.
    assign rounded = RndWidth'(biased >>> Shift);
  end

  if (RndWidth > OutWidth) begin : gen_sat
    // The value fits iff every bit above the output's sign bit repeats that sign bit.
    logic [RndWidth-OutWidth:0] top;
    logic                       fits;
    assign top  = rounded[RndWidth-1:OutWidth-1];
    assign fits = (&top) || !(|top);
    always_comb begin
      if (fits) begin
        data_o = rounded[OutWidth-1:0];
      end else if (rounded[RndWidth-1]) begin
        data_o = MinCode;
      end else begin
        data_o = MaxCode;
      end
    end
  end else begin : gen_extend
    assign data_o = OutWidth'(rounded);
  end

endmodule
