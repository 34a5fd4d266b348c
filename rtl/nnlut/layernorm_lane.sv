// layernorm_lane: normalise one element, out = sat(round(y * gamma + beta)),
// y = sat(round(N * r / 2^shift)), N = Dim*x - S1 (bit-exact with models/layernorm.py).
// Affine = 0 drops gamma and beta (out = sat(round(y)), exactly what gamma = 1 and beta = 0
// give): no multiplier and no gamma/beta registers, for models that fold the affine into the
// next layer.
//
// Four register stages, each loaded by its en_i bit from the parent's stream_pipe_ctrl:
//   stage 0: x, gamma, beta as read from the row buffer and the parameter store,
//   stage 1: the exact product N * r (the row's S1 and r come from the parent's stage 0),
//   stage 2: y, rounded half up at the row's shift (parent's stage 1) and clamped,
//   stage 3: the output code.
// Rounding y without a variable constant: floor((floor(2P / 2^shift) + 1) / 2) equals
// floor((P + 2^(shift-1)) / 2^shift) for shift >= 1 and P for shift = 0, which is what
// nnlut_round_sat with Shift = 1 computes from 2P >>> shift. Data registers have no reset:
// they are only meaningful under the parent's valid bits.

`include "layernorm_lane.svh"

module layernorm_lane #(
  `LAYERNORM_LANE_PARAMS
) (
  input  logic                      clk_i,
  input  logic [3:0]                en_i,
  input  logic [InWidth-1:0]        x_i,
  input  logic [GammaWidth-1:0]     gamma_i,
  input  logic [BetaWidth-1:0]      beta_i,
  // per-row values, already registered by the parent at the stage that uses them
  input  logic signed [S1Width-1:0] s1_i,
  input  logic signed [RWidth-1:0]  r_i,
  input  logic [ShiftWidth-1:0]     shift_i,
  output logic [OutWidth-1:0]       out_o
);

  localparam int unsigned ProdWidth = NumWidth + RWidth;
  localparam int unsigned SumWidth  =
      ((YWidth + GammaWidth > BetaWidth + BetaAlign) ? YWidth + GammaWidth : BetaWidth + BetaAlign) + 1;
  localparam logic signed [NumWidth-1:0] DimCode = NumWidth'(Dim);

  // ---------------------------------------------------------------------------
  // Stage 0: operands
  // ---------------------------------------------------------------------------
  logic signed [InWidth-1:0] x_q;

  always_ff @(posedge clk_i) begin
    if (en_i[0]) begin
      x_q <= x_i;
    end
  end

  // ---------------------------------------------------------------------------
  // Stage 1: N * r, exact (|N| < 2^(NumWidth-1) by the parent's sizing)
  // ---------------------------------------------------------------------------
  logic signed [NumWidth-1:0]  num;
  logic signed [ProdWidth-1:0] prod_q;

  assign num = DimCode * NumWidth'(x_q) - NumWidth'(s1_i);

  always_ff @(posedge clk_i) begin
    if (en_i[1]) begin
      prod_q <= ProdWidth'(num) * ProdWidth'(r_i);
    end
  end

  // ---------------------------------------------------------------------------
  // Stage 2: y = round(N*r / 2^shift), clamped to YWidth (never reached: |y| <= sqrt(Dim-1))
  // ---------------------------------------------------------------------------
  logic signed [ProdWidth:0]  prod_x2_shifted;
  logic signed [YWidth-1:0]   y_d, y_q;

  assign prod_x2_shifted = $signed({prod_q, 1'b0}) >>> shift_i;

  nnlut_round_sat #(
    .DataWidth(ProdWidth + 1),
    .Shift    (1),
    .OutWidth (YWidth)
  ) u_round_y (
    .data_i(prod_x2_shifted),
    .data_o(y_d)
  );

  always_ff @(posedge clk_i) begin
    if (en_i[2]) begin
      y_q <= y_d;
    end
  end

  // ---------------------------------------------------------------------------
  // Stage 3: y * gamma + beta (or y alone), rounded half up and saturated to the output
  // ---------------------------------------------------------------------------
  logic signed [OutWidth-1:0] out_d, out_q;

  if (Affine) begin : gen_affine
    // gamma and beta travel beside x, N*r and y to the stage that uses them.
    logic signed [GammaWidth-1:0] gamma_s0_q, gamma_s1_q, gamma_s2_q;
    logic signed [BetaWidth-1:0]  beta_s0_q, beta_s1_q, beta_s2_q;
    logic signed [SumWidth-1:0]   sum;

    always_ff @(posedge clk_i) begin
      if (en_i[0]) begin
        gamma_s0_q <= gamma_i;
        beta_s0_q  <= beta_i;
      end
      if (en_i[1]) begin
        gamma_s1_q <= gamma_s0_q;
        beta_s1_q  <= beta_s0_q;
      end
      if (en_i[2]) begin
        gamma_s2_q <= gamma_s1_q;
        beta_s2_q  <= beta_s1_q;
      end
    end

    assign sum = SumWidth'(y_q) * SumWidth'(gamma_s2_q) + (SumWidth'(beta_s2_q) <<< BetaAlign);

    nnlut_round_sat #(
      .DataWidth(SumWidth),
      .Shift    (OutShift),
      .OutWidth (OutWidth)
    ) u_round_out (
      .data_i(sum),
      .data_o(out_d)
    );
  end else begin : gen_plain
    // y * 2^GammaFrac rounded at OutShift is y rounded at OutShift - GammaFrac.
    nnlut_round_sat #(
      .DataWidth(YWidth),
      .Shift    (OutShift - GammaFrac),
      .OutWidth (OutWidth)
    ) u_round_out (
      .data_i(y_q),
      .data_o(out_d)
    );

    logic unused_affine;
    assign unused_affine = ^{gamma_i, beta_i};
  end

  always_ff @(posedge clk_i) begin
    if (en_i[3]) begin
      out_q <= out_d;
    end
  end

  assign out_o = out_q;

endmodule : layernorm_lane
