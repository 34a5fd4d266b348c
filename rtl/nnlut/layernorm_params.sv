// layernorm_params: per-feature gamma and beta, one write port, one Lanes-wide read port.
//
// Feature i (0 <= i < Dim) holds gamma[i] and beta[i]; reset makes gamma 1.0
// (GammaOne = 2^GammaFrac) and beta 0, i.e. plain normalisation. A write (we_i) of
// gamma_i/beta_i to feature idx_i lands at the clock edge; idx_i >= Dim is ignored.
// The read port returns features beat_i*Lanes .. beat_i*Lanes + Lanes-1 (lane l at
// [l*W +: W]), combinationally, for the parent to register with the beat it normalises.

module layernorm_params #(
  parameter  int unsigned Dim        = 384,
  parameter  int unsigned Lanes      = 4,
  parameter  int unsigned GammaWidth = 16,
  parameter  int unsigned GammaFrac  = 12,
  parameter  int unsigned BetaWidth  = 16,
  localparam int unsigned Beats      = Dim / Lanes,
  localparam int unsigned IdxWidth   = $clog2(Dim),
  localparam int unsigned BeatWidth  = (Beats > 1) ? $clog2(Beats) : 1
) (
  input  logic                        clk_i, rst_ni,
  input  logic                        we_i,
  input  logic [IdxWidth-1:0]         idx_i,
  input  logic [GammaWidth-1:0]       gamma_i,
  input  logic [BetaWidth-1:0]        beta_i,
  input  logic [BeatWidth-1:0]        beat_i,
  output logic [Lanes*GammaWidth-1:0] gamma_o,
  output logic [Lanes*BetaWidth-1:0]  beta_o
);

  if (GammaFrac + 2 > GammaWidth) begin : gen_check_gamma_one
    $fatal(1, "layernorm_params: gamma format SQ%0d.%0d cannot hold 1.0", GammaWidth, GammaFrac);
  end

  localparam logic [GammaWidth-1:0] GammaOne = GammaWidth'(1) << GammaFrac;

  logic [GammaWidth-1:0] gamma_q[Dim];
  logic [BetaWidth-1:0]  beta_q [Dim];

  // One process for all features (rather than one per feature) keeps the simulation model
  // small for wide rows; synthesis builds the same per-feature enables from the decode.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned i = 0; i < Dim; i++) begin
        gamma_q[i] <= GammaOne;
        beta_q[i]  <= '0;
      end
    end else if (we_i && (32'(idx_i) < Dim)) begin
      gamma_q[idx_i] <= gamma_i;
      beta_q[idx_i]  <= beta_i;
    end
  end

  for (genvar l = 0; l < Lanes; l++) begin : gen_read
    logic [IdxWidth-1:0] feature;
    // beat_i < Beats, so feature < Dim.
    assign feature = IdxWidth'(beat_i * Lanes + l);
    assign gamma_o[l*GammaWidth +: GammaWidth] = gamma_q[feature];
    assign beta_o[l*BetaWidth +: BetaWidth]    = beta_q[feature];
  end

endmodule : layernorm_params
