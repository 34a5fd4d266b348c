// sole_ailn_norm: output stage of the AILayerNorm unit: per lane (bit-exact with
// models/sole.py AILayerNorm.trace and the folded affine of ai_layernorm):
//
//   z   = sat( ((x << F) - mu) * factor, rounded half up to OutFrac bits of 2^-30 )
//   out = sat( z + bias )                                   both to signed OutWidth
//
// Three register stages under stream_pipe_ctrl (centred value, exact product, rounded and
// biased output): an input accepted at edge n can leave at edge n+3; output backpressure
// stalls the stages without loss, duplication or reordering, and in_ready_o follows
// out_ready_i combinationally.
`include "port_groups.svh"
`include "sole_ailn.svh"

module sole_ailn_norm #(
  parameter  int unsigned Lanes       = 4,
  `SOLE_AILN_FORMAT_PARAMS,
  `SOLE_AILN_ALPHA_BITS,
  localparam int unsigned MuWidth     = InWidth + PtfMax + StatFrac,
  localparam int unsigned FactorWidth = 31
) (
  input  logic                       clk_i, rst_ni,
  `STREAM_IN_HANDSHAKE,
  input  logic [Lanes*InWidth-1:0]   q_i,
  input  logic [Lanes*AlphaBits-1:0] alpha_i,
  input  logic [Lanes*BiasWidth-1:0] bias_i,
  input  logic [MuWidth-1:0]         mu_i,
  input  logic [FactorWidth-1:0]     factor_i,
  `STREAM_OUT_PORTS(Lanes*OutWidth)
);

  localparam int unsigned RecipShift = 30;
  localparam int unsigned RoundShift = RecipShift - OutFrac;
  // (x << F) and mu are both MuWidth-bit signed: their difference needs one more bit.
  localparam int unsigned DiffWidth  = MuWidth + 1;
  localparam int unsigned ProdWidth  = DiffWidth + FactorWidth + 1;
  localparam int unsigned ZWidth     = ProdWidth - RoundShift;
  localparam int unsigned SumWidth   = ((OutWidth > BiasWidth) ? OutWidth : BiasWidth) + 1;

  if (OutFrac > RecipShift || OutWidth < 2 || OutWidth > 32) begin : gen_check_out
    $fatal(1, "sole_ailn_norm: output SQ%0d.%0d needs OutWidth in [2, 32] and OutFrac <= 30",
           OutWidth, OutFrac);
  end
  if (ZWidth < OutWidth) begin : gen_check_z
    $fatal(1, "sole_ailn_norm: OutWidth (%0d) is wider than any result (%0d bits)", OutWidth, ZWidth);
  end

  localparam logic signed [ZWidth-1:0]   ZMax   = ZWidth'((64'd1 << (OutWidth - 1)) - 64'd1);
  localparam logic signed [ZWidth-1:0]   ZMin   = -ZWidth'(64'd1 << (OutWidth - 1));
  localparam logic signed [SumWidth-1:0] SumMax = SumWidth'((64'd1 << (OutWidth - 1)) - 64'd1);
  localparam logic signed [SumWidth-1:0] SumMin = -SumWidth'(64'd1 << (OutWidth - 1));
  localparam logic signed [ProdWidth-1:0] Half  =
      (RoundShift > 0) ? ProdWidth'(64'd1 << (RoundShift - 1)) : '0;

  logic [2:0] en;

  stream_pipe_ctrl #(.Stages(3)) u_ctrl (
    .clk_i, .rst_ni, .in_valid_i, .in_ready_o, .out_valid_o, .out_ready_i, .en_o(en)
  );

  // Stage 0: (q << alpha << F) - mu
  logic [Lanes*DiffWidth-1:0] diff_q;
  logic [Lanes*BiasWidth-1:0] bias_s0_q;
  logic [FactorWidth-1:0]     factor_q;

  always_ff @(posedge clk_i) begin
    if (en[0]) begin
      bias_s0_q <= bias_i;
      factor_q  <= factor_i;
      for (int unsigned l = 0; l < Lanes; l++) begin
        logic signed [DiffWidth-1:0] x_frac;
        x_frac = DiffWidth'($signed(q_i[l*InWidth +: InWidth])) <<< (32'(alpha_i[l*AlphaBits +: AlphaBits]) + StatFrac);
        diff_q[l*DiffWidth +: DiffWidth] <= x_frac - DiffWidth'($signed(mu_i));
      end
    end
  end

  // Stage 1: exact products (factor is positive: one zero bit on top makes it signed)
  logic [Lanes*ProdWidth-1:0] prod_q;
  logic [Lanes*BiasWidth-1:0] bias_s1_q;

  always_ff @(posedge clk_i) begin
    if (en[1]) begin
      bias_s1_q <= bias_s0_q;
      for (int unsigned l = 0; l < Lanes; l++) begin
        prod_q[l*ProdWidth +: ProdWidth] <=
            ProdWidth'($signed(diff_q[l*DiffWidth +: DiffWidth])) * $signed({1'b0, factor_q});
      end
    end
  end

  // Stage 2: round half up, saturate, add the bias, saturate
  logic [Lanes*OutWidth-1:0] out_d, out_q;

  always_comb begin
    for (int unsigned l = 0; l < Lanes; l++) begin
      logic signed [ZWidth-1:0]    z;
      logic signed [SumWidth-1:0]  z_sat, biased;
      // The bits above ZWidth after the shift are copies of the sign.
      z       = ZWidth'(($signed(prod_q[l*ProdWidth +: ProdWidth]) + Half) >>> RoundShift);
      z_sat   = (z > ZMax) ? SumMax : (z < ZMin) ? SumMin : SumWidth'(z);
      biased  = z_sat + SumWidth'($signed(bias_s1_q[l*BiasWidth +: BiasWidth]));
      out_d[l*OutWidth +: OutWidth] =
          OutWidth'((biased > SumMax) ? SumMax : (biased < SumMin) ? SumMin : biased);
    end
  end

  always_ff @(posedge clk_i) begin
    if (en[2]) begin
      out_q <= out_d;
    end
  end

  assign out_data_o = out_q;

endmodule : sole_ailn_norm
