// sole_ailn_stats: AILayerNorm row statistics, from the row sums S1 = sum x and
// S2 = sum sq to the mean mu and the normalising factor (bit-exact with models/sole.py):
//
//   mu     = floor((S1 2^(F+1) + Dim) / (2 Dim))        round half up of S1 2^F / Dim
//   ex2    = floor((S2 2^(2F+1) + Dim) / (2 Dim))       round half up of S2 2^2F / Dim
//   var    = max(ex2 - mu^2, 0) + EpsInt
//   std    = max(floor(sqrt(var)), 1)
//   factor = floor(2^30 / std)                           (F = StatFrac)
//
// A chain of sequential units joined by valid/ready, each working on one row at a time:
// the two divisions by the constant 2 Dim (seq_divider, side by side), one register for
// var (one multiplier, for mu^2), the square root (seq_isqrt), the reciprocal
// (seq_divider). mu travels with its row as the later units' tag. Rows are independent, so
// while one row is in the square root the next can be in the divisions.
//
// S1 is signed; the divider works on S1 + Dim 2^(XWidth-1) >= 0 and the constant offset
// 2^(XWidth-1+F) comes off the quotient, so the floor is exact for negative means too.
//
// Latency with every unit idle: sums accepted at edge n -> out_valid_o after edge
// n + DivCycles + SqrtCycles + RecipCycles + 3, where each unit's Cycles is its result width
// divided by StepsPerCycle, rounded up (ex2: SqWidth + 2F bits; root: ceil(VarWidth / 2);
// factor: 31). One row every max of those + 1 edges at most.
`include "port_groups.svh"

module sole_ailn_stats #(
  parameter  int unsigned     Dim           = 384,
  parameter  int unsigned     XWidth        = 11,
  parameter  int unsigned     SqWidth       = 21,
  parameter  int unsigned     StatFrac      = 8,
  parameter  longint unsigned EpsInt        = 0,
  parameter  int unsigned     StepsPerCycle = 2,
  localparam int unsigned     DimBits       = (Dim > 1) ? $clog2(Dim) : 1,
  localparam int unsigned     S1Width       = XWidth + DimBits,
  localparam int unsigned     S2Width       = SqWidth + DimBits,
  localparam int unsigned     MuWidth       = XWidth + StatFrac,
  localparam int unsigned     FactorWidth   = 31
) (
  input  logic                      clk_i, rst_ni,
  `STREAM_IN_HANDSHAKE,
  input  logic [S1Width-1:0]        s1_i,
  input  logic [S2Width-1:0]        s2_i,
  `STREAM_OUT_HANDSHAKE,
  output logic [MuWidth-1:0]        mu_o,
  output logic [FactorWidth-1:0]    factor_o
);

  localparam int unsigned RecipShift = 30;
  localparam int unsigned DenWidth   = $clog2(2 * Dim + 1);
  // S1 + Dim 2^(XWidth-1) lies in [0, Dim 2^XWidth): S1Width bits unsigned.
  localparam int unsigned MuNumWidth = S1Width + StatFrac + 1;
  localparam int unsigned Ex2Num     = S2Width + 2 * StatFrac + 1;
  // ex2 <= 2^(SqWidth - 1 + 2F)
  localparam int unsigned Ex2Width   = SqWidth + 2 * StatFrac;
  localparam int unsigned EpsBits    = (EpsInt > 0) ? $clog2(EpsInt + 1) : 1;
  localparam int unsigned VarWidth   = ((Ex2Width > EpsBits) ? Ex2Width : EpsBits) + 1;
  localparam int unsigned RootWidth  = (VarWidth + 1) / 2;
  localparam int unsigned DiffWidth  = ((Ex2Width > 2 * MuWidth) ? Ex2Width : 2 * MuWidth) + 1;

  if (Dim < 1 || Dim > 65536) begin : gen_check_dim
    $fatal(1, "sole_ailn_stats: Dim must be in [1, 65536] (got %0d)", Dim);
  end
  if (VarWidth > 62 || MuNumWidth > 62 || Ex2Num > 62) begin : gen_check_widths
    $fatal(1, "sole_ailn_stats: statistics of %0d bits exceed 62 (Dim %0d, StatFrac %0d)", Ex2Num,
           Dim, StatFrac);
  end

  // ---------------------------------------------------------------------------
  // Divisions by 2 Dim, side by side (the longer one sets the pace)
  // ---------------------------------------------------------------------------
  localparam logic [S1Width-1:0]  S1Offset = S1Width'(64'(Dim) << (XWidth - 1));
  localparam logic [DenWidth-1:0] TwoDim   = DenWidth'(2 * Dim);

  logic                    mu_ready, ex2_ready, mu_valid, ex2_valid, div_in, div_out;
  logic [MuNumWidth-1:0]   mu_num;
  logic [Ex2Num-1:0]       ex2_num;
  logic [MuWidth-1:0]      mu_biased;
  logic [Ex2Width-1:0]     ex2;
  logic                    var_ready;
  logic                    mu_tag, ex2_tag;

  assign mu_num  = {s1_i + S1Offset, (StatFrac+1)'(0)} + MuNumWidth'(Dim);
  assign ex2_num = {s2_i, (2*StatFrac+1)'(0)} + Ex2Num'(Dim);

  assign in_ready_o = mu_ready && ex2_ready;
  assign div_in     = in_valid_i && in_ready_o;
  assign div_out    = mu_valid && ex2_valid && var_ready;

  seq_divider #(
    .NumWidth(MuNumWidth), .DenWidth(DenWidth), .QuoWidth(MuWidth), .BitsPerCycle(StepsPerCycle),
    .TagWidth(1)
  ) u_div_mu (
    .clk_i, .rst_ni,
    .in_valid_i(div_in), .in_ready_o(mu_ready), .num_i(mu_num), .den_i(TwoDim), .tag_i(1'b0),
    .out_valid_o(mu_valid), .out_ready_i(div_out), .quo_o(mu_biased), .rem_o(mu_rem), .tag_o(mu_tag)
  );

  seq_divider #(
    .NumWidth(Ex2Num), .DenWidth(DenWidth), .QuoWidth(Ex2Width), .BitsPerCycle(StepsPerCycle),
    .TagWidth(1)
  ) u_div_ex2 (
    .clk_i, .rst_ni,
    .in_valid_i(div_in), .in_ready_o(ex2_ready), .num_i(ex2_num), .den_i(TwoDim), .tag_i(1'b0),
    .out_valid_o(ex2_valid), .out_ready_i(div_out), .quo_o(ex2), .rem_o(ex2_rem), .tag_o(ex2_tag)
  );

  // The divisions by 2 Dim have nothing to carry, and every division here floors.
  logic [DenWidth-1:0] mu_rem, ex2_rem;
  logic unused_div;
  assign unused_div = ^{mu_tag, ex2_tag, mu_rem, ex2_rem};

  // ---------------------------------------------------------------------------
  // Variance register
  // ---------------------------------------------------------------------------
  logic signed [MuWidth-1:0]   mu;
  logic signed [2*MuWidth-1:0] mu_sq;
  logic signed [DiffWidth-1:0] centred;
  logic [VarWidth-1:0]         var_d, var_q;
  logic signed [MuWidth-1:0]   var_mu_q;
  logic                        var_valid_q, sqrt_ready;

  // The quotient carries the offset 2^(XWidth-1+F); removing it is a flip of the top bit.
  assign mu      = $signed(mu_biased ^ (MuWidth'(1) << (MuWidth - 1)));
  assign mu_sq   = mu * mu;
  assign centred = $signed(DiffWidth'(ex2)) - DiffWidth'(mu_sq);
  assign var_d   = (centred < 0) ? VarWidth'(EpsInt) : VarWidth'(centred) + VarWidth'(EpsInt);

  assign var_ready = !var_valid_q || sqrt_ready;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      var_valid_q <= 1'b0;
    end else if (var_ready) begin
      var_valid_q <= div_out;
    end
  end

  always_ff @(posedge clk_i) begin
    if (div_out) begin
      var_q    <= var_d;
      var_mu_q <= mu;
    end
  end

  // ---------------------------------------------------------------------------
  // Square root, then the reciprocal 2^30 / max(root, 1)
  // ---------------------------------------------------------------------------
  logic                 root_valid, recip_ready;
  logic [RootWidth-1:0] root;
  logic [MuWidth-1:0]   root_mu;

  seq_isqrt #(
    .InWidth      (VarWidth),
    .StepsPerCycle(StepsPerCycle),
    .TagWidth     (MuWidth)
  ) u_sqrt (
    .clk_i, .rst_ni,
    .in_valid_i (var_valid_q),
    .in_ready_o (sqrt_ready),
    .n_i        (var_q),
    .tag_i      (var_mu_q),
    .out_valid_o(root_valid),
    .out_ready_i(recip_ready),
    .root_o     (root),
    .tag_o      (root_mu)
  );

  logic [RootWidth-1:0] std_dev, recip_rem;
  logic                 unused_recip_rem;
  assign unused_recip_rem = ^recip_rem;
  assign std_dev = (root == '0) ? RootWidth'(1) : root;

  seq_divider #(
    .NumWidth(RecipShift + 1), .DenWidth(RootWidth), .QuoWidth(FactorWidth),
    .BitsPerCycle(StepsPerCycle), .TagWidth(MuWidth)
  ) u_recip (
    .clk_i, .rst_ni,
    .in_valid_i(root_valid), .in_ready_o(recip_ready), .num_i((RecipShift+1)'(1) << RecipShift),
    .den_i(std_dev), .tag_i(root_mu),
    .out_valid_o, .out_ready_i, .quo_o(factor_o), .rem_o(recip_rem), .tag_o(mu_o)
  );

endmodule : sole_ailn_stats
