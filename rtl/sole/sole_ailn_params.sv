// sole_ailn_params: the AILayerNorm unit's per-channel constants, written through a port.
//
// Channel c holds its PTF factor alpha_c (x = q << alpha_c) and its output bias b_c (the
// folded beta / gamma in output codes). we_i writes channel idx_i at the clock edge; indices
// >= Dim are ignored and alpha values above PtfMax are stored as PtfMax (the largest factor
// the datapath is sized for). Reset: alpha = 0 and bias = 0 everywhere.
//
// Two read ports, each one beat of Lanes consecutive channels (beat j holds channels
// j*Lanes .. j*Lanes + Lanes - 1): the input side reads alphas, the output side alphas and
// biases. Reads are combinational.
module sole_ailn_params #(
  parameter  int unsigned Dim       = 384,
  parameter  int unsigned Lanes     = 4,
  parameter  int unsigned PtfMax    = 3,
  parameter  int unsigned BiasWidth = 16,
  localparam int unsigned AlphaBits = (PtfMax > 0) ? $clog2(PtfMax + 1) : 1,
  localparam int unsigned IdxBits   = (Dim > 1) ? $clog2(Dim) : 1,
  localparam int unsigned Beats     = (Lanes > 0 && Dim % Lanes == 0) ? Dim / Lanes : 1,
  localparam int unsigned BeatBits  = (Beats > 1) ? $clog2(Beats) : 1
) (
  input  logic                         clk_i, rst_ni,
  input  logic                         we_i,
  input  logic [IdxBits-1:0]           idx_i,
  input  logic [AlphaBits-1:0]         alpha_i,
  input  logic [BiasWidth-1:0]         bias_i,
  input  logic [BeatBits-1:0]          in_beat_i,
  output logic [Lanes*AlphaBits-1:0]   in_alpha_o,
  input  logic [BeatBits-1:0]          out_beat_i,
  output logic [Lanes*AlphaBits-1:0]   out_alpha_o,
  output logic [Lanes*BiasWidth-1:0]   out_bias_o
);

  logic [AlphaBits-1:0] alpha_q [Dim];
  logic [BiasWidth-1:0] bias_q  [Dim];
  logic [AlphaBits-1:0] alpha_in;

  // Clamp only where the port can carry a factor the datapath is not sized for.
  if (PtfMax + 1 == (1 << AlphaBits)) begin : gen_alpha_full
    assign alpha_in = alpha_i;
  end else begin : gen_alpha_clamp
    assign alpha_in = (32'(alpha_i) > PtfMax) ? AlphaBits'(PtfMax) : alpha_i;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      for (int unsigned c = 0; c < Dim; c++) begin
        alpha_q[c] <= '0;
        bias_q[c]  <= '0;
      end
    end else if (we_i && 32'(idx_i) < Dim) begin
      alpha_q[idx_i] <= alpha_in;
      bias_q[idx_i]  <= bias_i;
    end
  end

  always_comb begin
    for (int unsigned l = 0; l < Lanes; l++) begin
      in_alpha_o[l*AlphaBits +: AlphaBits]  = alpha_q[32'(in_beat_i) * Lanes + l];
      out_alpha_o[l*AlphaBits +: AlphaBits] = alpha_q[32'(out_beat_i) * Lanes + l];
      out_bias_o[l*BiasWidth +: BiasWidth]  = bias_q[32'(out_beat_i) * Lanes + l];
    end
  end

endmodule : sole_ailn_params
