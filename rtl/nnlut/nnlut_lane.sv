// nnlut_lane: datapath of one NN-LUT lane, y = sat(round(s[k] * x + t[k])).
//
// Register stages, each loaded by its en_i bit from the shared stream_pipe_ctrl:
//   search stages (BinarySearch only, SearchStages = log2(Entries) of them): one level of a
//            binary search for the segment k each,
//   stage 0: x and the coefficients s[k], t[k] of x's segment k (with parallel comparators,
//            k is found in the same cycle the input is accepted),
//   stage 1: the exact product s*x and the intercept,
//   stage 2: the rounded, saturated output code.
// Parallel comparators count the breakpoints at or below x (Entries - 1 comparators); the
// binary search finds the last breakpoint at or below x with one comparison per level, which
// is the same segment for any table whose breakpoints do not decrease (the table's documented
// invariant; the generator guarantees it).
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
  parameter  bit          BinarySearch   = 1'b0,
  localparam int unsigned IdxWidth       = (Entries > 1) ? $clog2(Entries) : 1,
  localparam int unsigned SearchStages   = BinarySearch ? IdxWidth : 0
) (
  input  logic                                clk_i,
  input  logic [SearchStages+2:0]             en_i,
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
  logic [InWidth-1:0]        seg_x;
  logic [SlopeWidth-1:0]     slope_sel;
  logic [InterceptWidth-1:0] intercept_sel;
  logic [2:0]                en;

  if (BinarySearch) begin : gen_binary_search
    // Level s decides index bit IdxWidth-1-s: the candidate sets it on top of the bits found so
    // far, and stays if its breakpoint is at or below x (candidates past the table never are).
    logic [InWidth-1:0]  level_x   [SearchStages+1];
    logic [IdxWidth-1:0] level_idx [SearchStages+1];

    assign level_x[0]   = x_i;
    assign level_idx[0] = '0;

    for (genvar s = 0; s < SearchStages; s++) begin : gen_level
      logic [IdxWidth-1:0] candidate;
      logic                at_or_above;
      logic [InWidth-1:0]  x_q;
      logic [IdxWidth-1:0] idx_q;

      assign candidate   = level_idx[s] | (IdxWidth'(1) << (IdxWidth - 1 - s));
      assign at_or_above = (32'(candidate) < Entries) &&
          ($signed(level_x[s]) >= $signed(breakpoints_i[(32'(candidate) - 1)*InWidth +: InWidth]));

      always_ff @(posedge clk_i) begin
        if (en_i[s]) begin
          x_q   <= level_x[s];
          idx_q <= at_or_above ? candidate : level_idx[s];
        end
      end

      assign level_x[s+1]   = x_q;
      assign level_idx[s+1] = idx_q;
    end

    assign seg_x   = level_x[SearchStages];
    assign seg_idx = level_idx[SearchStages];
  end else begin : gen_parallel_search
    nnlut_segment_select #(
      .Entries (Entries),
      .InWidth (InWidth)
    ) u_segment_select (
      .x_i          (x_i),
      .breakpoints_i(breakpoints_i),
      .idx_o        (seg_idx)
    );
    assign seg_x = x_i;
  end

  assign en = en_i[SearchStages +: 3];

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
    if (en[0]) begin
      x_q            <= seg_x;
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
    if (en[1]) begin
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
    if (en[2]) begin
      y_q <= y_d;
    end
  end

  assign y_o = y_q;

endmodule
