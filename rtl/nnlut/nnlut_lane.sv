// nnlut_lane: datapath of one NN-LUT lane, y = sat(round(s[k] * x + t[k])).
//
// Three register stages, each loaded by its en_i bit from the shared stream_pipe_ctrl:
//   stage 0: x and the coefficients s[k], t[k] of x's segment k (fetched from the
//            table in the same cycle the input is accepted),
//   stage 1: the exact product s*x and the intercept,
//   stage 2: the rounded, saturated output code.
// The intercept is carried unshifted through stage 1: its alignment to the product's
// binary point only appends zero bits, so storing them would waste flops.
// Data registers have no reset: their content is only meaningful under the valid bits
// kept in stream_pipe_ctrl.

module nnlut_lane #(
  parameter  int unsigned Entries        = 16,
  parameter  int unsigned InWidth        = 16,
  parameter  int unsigned SlopeWidth     = 16,
  parameter  int unsigned InterceptWidth = 20,
  parameter  int unsigned OutWidth       = 16,
  // Left shift that puts the intercept on the product's binary point.
  parameter  int unsigned AlignShift     = 10,
  // Fraction bits dropped (with rounding) from the sum to reach the output format.
  parameter  int unsigned RoundShift     = 14,
  // Width of the exact sum product + aligned intercept (chosen by the parent).
  parameter  int unsigned SumWidth       = 33,
  localparam int unsigned IdxWidth       = (Entries > 1) ? $clog2(Entries) : 1
) (
  input  logic                                clk_i,
  input  logic [2:0]                          en_i,
  input  logic [InWidth-1:0]                  x_i,
  // bp[j] for j = 1..Entries-1 at [(j-1)*InWidth +: InWidth]
  input  logic [(Entries-1)*InWidth-1:0]      breakpoints_i,
  input  logic [Entries*SlopeWidth-1:0]       slopes_i,
  input  logic [Entries*InterceptWidth-1:0]   intercepts_i,
  output logic [OutWidth-1:0]                 y_o
);

  localparam int unsigned ProdWidth = SlopeWidth + InWidth;

  // ---------------------------------------------------------------------------
  // Segment search and coefficient fetch (before stage 0)
  // ---------------------------------------------------------------------------
  logic [IdxWidth-1:0]       seg_idx;
  logic [SlopeWidth-1:0]     slope_sel;
  logic [InterceptWidth-1:0] intercept_sel;

  nnlut_segment_select #(
    .Entries (Entries),
    .InWidth (InWidth)
  ) u_segment_select (
    .x_i          (x_i),
    .breakpoints_i(breakpoints_i),
    .idx_o        (seg_idx)
  );

  // AND-OR mux over the entries; seg_idx never exceeds Entries-1.
  always_comb begin
    slope_sel     = '0;
    intercept_sel = '0;
    for (int unsigned e = 0; e < Entries; e++) begin
      if (seg_idx == IdxWidth'(e)) begin
        slope_sel     = slopes_i[e*SlopeWidth +: SlopeWidth];
        intercept_sel = intercepts_i[e*InterceptWidth +: InterceptWidth];
      end
    end
  end

  // ---------------------------------------------------------------------------
  // Stage 0: operands
  // ---------------------------------------------------------------------------
  logic signed [InWidth-1:0]        x_q;
  logic signed [SlopeWidth-1:0]     slope_q;
  logic signed [InterceptWidth-1:0] intercept_s0_q;

  always_ff @(posedge clk_i) begin
    if (en_i[0]) begin
      x_q            <= x_i;
      slope_q        <= slope_sel;
      intercept_s0_q <= intercept_sel;
    end
  end

  // ---------------------------------------------------------------------------
  // Stage 1: exact product (a ProdWidth-bit signed product cannot overflow)
  // ---------------------------------------------------------------------------
  logic signed [ProdWidth-1:0]      prod_d, prod_q;
  logic signed [InterceptWidth-1:0] intercept_s1_q;

  assign prod_d = ProdWidth'(slope_q) * ProdWidth'(x_q);

  always_ff @(posedge clk_i) begin
    if (en_i[1]) begin
      prod_q         <= prod_d;
      intercept_s1_q <= intercept_s0_q;
    end
  end

  // ---------------------------------------------------------------------------
  // Stage 2: add, round, saturate
  // ---------------------------------------------------------------------------
  logic signed [SumWidth-1:0] sum;
  logic signed [OutWidth-1:0] y_d, y_q;

  assign sum = SumWidth'(prod_q) + (SumWidth'(intercept_s1_q) <<< AlignShift);

  nnlut_round_sat #(
    .DataWidth(SumWidth),
    .Shift    (RoundShift),
    .OutWidth (OutWidth)
  ) u_round_sat (
    .data_i(sum),
    .data_o(y_d)
  );

  always_ff @(posedge clk_i) begin
    if (en_i[2]) begin
      y_q <= y_d;
    end
  end

  assign y_o = y_q;

endmodule
