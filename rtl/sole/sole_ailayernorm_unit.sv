// sole_ailayernorm_unit: SOLE's AILayerNorm (Wang et al., ICCAD 2023) over rows of Dim
// channels, Lanes channels per beat, rows back to back. Bit-exact with models/sole.py
// (AILayerNorm.forward, then the folded affine of ai_layernorm), where the datapath is
// written out; per row:
//
//   x = q << alpha_c                          PTF: power-of-two per-channel factors
//   S1 = sum x,  S2 = sum SQ[m] << 2(e+alpha)  |q| compressed to m << e, m < 2^CompressBits
//                                              (sole_ailn_compress, 16-entry square table)
//   mu, factor = f(S1, S2)                     low-precision statistics (sole_ailn_stats)
//   out = sat(sat(round(((x << F) - mu) * factor 2^-30)) + bias_c)   (sole_ailn_norm)
//
// Formats at the defaults: input INT8 PTF codes q (x * s, s the per-tensor scale, which only
// enters through EpsInt = round(eps 2^2F / s^2), AILayerNorm.eps_int); output SQ16.10 codes.
// With the affine folded as in I-BERT, channel c's output stands for
// out * gamma_c * 2^-OutFrac, bias_c = round_half_even(beta_c / gamma_c * 2^OutFrac) (SQ16.10
// by default); gamma stays a per-channel output scale for the consumer.
//
// Per-channel constants (sole_ailn_params): param_we_i writes alpha_i and bias_i of channel
// param_idx_i at the clock edge (indices >= Dim ignored, alpha above PtfMax stored as
// PtfMax). They are a memory without reset (channel_regs): write every channel once after
// power-up; they keep their values through rst_ni. A beat reads its alphas when it is accepted
// and again, with its biases, when it enters the output stage: write between rows with the
// unit idle for every row to see one consistent set.
//
// Streams: in_valid_i/in_ready_o/in_data_i and out_valid_o/out_ready_i/out_data_o, lane l at
// [l*W +: W]; a row is RowBeats = Dim / Lanes consecutive beats, channel j*Lanes + l in beat
// j, lane l. in_ready_o comes from registers only.
//
// Stages, joined by a queue of beats (row_queue) so a slot is held only while its beat waits:
//   input: compress, lane sums, row sums (2 register stages) ->  statistics (one row at a time
//   per sequential unit) -> the queue's (mu, factor);  q codes -> the queue (XDepth beats)
//   output: a row whose (mu, factor) is stored is read beat by beat (sole_ailn_norm)
// The row sums wait in one register for the statistics: a row's last beat is accepted only
// once the previous row's sums have been taken.
//
// Throughput: Lanes elements per cycle in and out for back-to-back rows when RowBeats >=
// StatInterval (the slowest sequential unit's cycles + 1: 20 at the defaults); shorter rows
// run at one row per StatInterval cycles. Backpressure fills the x FIFO, then drops
// in_ready_o; nothing is lost, duplicated or reordered.
//
// Row latency (RowLatency = StatCycles + 8, out_ready_i high, statistics idle): clock edges
// from the handshake of a row's last input beat (E) to that of its first output beat. The
// beat's lane sums register at E+1, the row sums at E+2, the statistics accept them at E+3 and
// deliver after E+3+StatCycles (StatCycles = DivCycles + SqrtCycles + RecipCycles + 3, see
// sole_ailn_stats), (mu, factor) is stored at the next edge, the first beat enters the output
// stage one edge later and leaves 3 edges after that: 56 at the defaults (19 + 10 + 16 + 3 + 8).
//
// Reset (rst_ni, asynchronous) empties every FIFO and stage (the per-channel constants stay);
// the next accepted beat starts a new row.
`include "assert.svh"
`include "port_groups.svh"
`include "sole_ailn.svh"

module sole_ailayernorm_unit #(
  `SOLE_AILN_FORMAT_PARAMS,
  parameter  int unsigned     Dim           = 384,
  parameter  int unsigned     Lanes         = 4,
  parameter  int unsigned     CompressBits  = 4,
  parameter  longint unsigned EpsInt        = 0,
  parameter  int unsigned     StepsPerCycle = 2,
  `SOLE_AILN_ALPHA_BITS,
  localparam int unsigned     IdxBits       = (Dim > 1) ? $clog2(Dim) : 1
) (
  input  logic                       clk_i, rst_ni,
  // The per-channel constants' write port (see the header), then the streams.
  `CHANNEL_PARAM_WRITE_PORTS(IdxBits),
  input  logic [AlphaBits-1:0]       alpha_i,
  input  logic [BiasWidth-1:0]       bias_i,
  `STREAM_IN_PORTS(Lanes*InWidth),
  `STREAM_OUT_PORTS(Lanes*OutWidth)
);

  // ---------------------------------------------------------------------------
  // Sizes. Guarded so that impossible values reach their $fatal below.
  // ---------------------------------------------------------------------------
  localparam int unsigned RowBeats    = (Lanes >= 1 && Dim % Lanes == 0) ? Dim / Lanes : 1;
  localparam int unsigned DimBits     = (Dim > 1) ? $clog2(Dim) : 1;
  localparam int unsigned XWidth      = InWidth + PtfMax;
  localparam int unsigned SqWidth     = 2 * (InWidth - 1 + PtfMax) + 1;
  localparam int unsigned S1Width     = XWidth + DimBits;
  localparam int unsigned S2Width     = SqWidth + DimBits;
  localparam int unsigned MuWidth     = XWidth + StatFrac;
  localparam int unsigned FactorWidth = 31;
  // The statistics' sequential units (sole_ailn_stats).
  localparam int unsigned EpsBits     = (EpsInt > 0) ? $clog2(EpsInt + 1) : 1;
  localparam int unsigned Ex2Width    = SqWidth + 2 * StatFrac;
  localparam int unsigned VarWidth    = ((Ex2Width > EpsBits) ? Ex2Width : EpsBits) + 1;
  localparam int unsigned Steps       = (StepsPerCycle > 0) ? StepsPerCycle : 1;
  localparam int unsigned StatCycles  = (Ex2Width + Steps - 1) / Steps +
                                        ((VarWidth + 1) / 2 + Steps - 1) / Steps +
                                        (FactorWidth + Steps - 1) / Steps + 3;
  // Edges from a row's last input beat to its first pop into the output stage.
  localparam int unsigned LastToPop   = StatCycles + 5;
  // A beat waits RowBeats - 1 + LastToPop edges at full rate.
  localparam int unsigned XDepth      = RowBeats + LastToPop;
  // Rows with (mu, factor) stored each hold at least one beat, all but the oldest all of them.
  localparam int unsigned PDepth      = 1 + (XDepth - 1) / RowBeats;
  localparam int unsigned PosBits     = (RowBeats > 1) ? $clog2(RowBeats) : 1;

  // ---------------------------------------------------------------------------
  // Parameter checks
  // ---------------------------------------------------------------------------
  if (Dim < 2 || Dim > 65536) begin : gen_check_dim
    $fatal(1, "sole_ailayernorm_unit: Dim must be in [2, 65536] (got %0d)", Dim);
  end
  if (Lanes < 1 || Dim % Lanes != 0) begin : gen_check_lanes
    $fatal(1, "sole_ailayernorm_unit: Lanes (%0d) must be >= 1 and divide Dim (%0d)", Lanes, Dim);
  end
  if (InWidth < 2 || InWidth > 16 || PtfMax > 8) begin : gen_check_in
    $fatal(1, "sole_ailayernorm_unit: InWidth (%0d) must be in [2, 16] and PtfMax (%0d) <= 8",
           InWidth, PtfMax);
  end
  if (CompressBits < 1 || CompressBits > InWidth) begin : gen_check_compress
    $fatal(1, "sole_ailayernorm_unit: CompressBits (%0d) must be in [1, InWidth = %0d]",
           CompressBits, InWidth);
  end
  if (StatFrac > 12) begin : gen_check_stat_frac
    $fatal(1, "sole_ailayernorm_unit: StatFrac must be <= 12 (got %0d)", StatFrac);
  end
  if (StepsPerCycle < 1) begin : gen_check_steps
    $fatal(1, "sole_ailayernorm_unit: StepsPerCycle must be >= 1 (got %0d)", StepsPerCycle);
  end
  if (OutWidth < 2 || OutWidth > 32 || OutFrac > 30 || OutFrac > OutWidth) begin : gen_check_out
    $fatal(1, "sole_ailayernorm_unit: output SQ%0d.%0d needs OutWidth in [2, 32], OutFrac <= min(OutWidth, 30)",
           OutWidth, OutFrac);
  end
  if (BiasWidth < 2 || BiasWidth > 32) begin : gen_check_bias
    $fatal(1, "sole_ailayernorm_unit: BiasWidth must be in [2, 32] (got %0d)", BiasWidth);
  end

  // ---------------------------------------------------------------------------
  // Per-channel constants
  // ---------------------------------------------------------------------------
  logic [PosBits-1:0]          in_pos, out_pos;
  logic [Lanes*AlphaBits-1:0]  in_alpha, out_alpha;
  logic [Lanes*BiasWidth-1:0]  out_bias;

  // Per channel {alpha, bias}. Reader 0 is the input side
  // (alphas), reader 1 the output side (alphas and biases).
  localparam int unsigned ParamWidth = AlphaBits + BiasWidth;

  logic [AlphaBits-1:0]          alpha_in;
  logic [2*Lanes*ParamWidth-1:0] params;

  // Alpha above PtfMax (the largest factor the datapath is sized for) is stored as PtfMax.
  assign alpha_in = (32'(alpha_i) > PtfMax) ? AlphaBits'(PtfMax) : alpha_i;

  channel_regs #(
    .Entries(Dim), .Width(ParamWidth), .Lanes(Lanes), .Readers(2)
  ) u_params (
    .clk_i,
    .we_i  (param_we_i),
    .idx_i (param_idx_i),
    .data_i({alpha_in, bias_i}),
    .beat_i({out_pos, in_pos}),
    .data_o(params)
  );

  for (genvar l = 0; l < Lanes; l++) begin : gen_params
    logic [BiasWidth-1:0] unused_in_bias;
    assign {in_alpha[l*AlphaBits +: AlphaBits], unused_in_bias} =
        params[l*ParamWidth +: ParamWidth];
    assign {out_alpha[l*AlphaBits +: AlphaBits], out_bias[l*BiasWidth +: BiasWidth]} =
        params[(Lanes + l)*ParamWidth +: ParamWidth];
  end

  // ---------------------------------------------------------------------------
  // Input side
  // ---------------------------------------------------------------------------
  logic in_fire, in_first, in_last, in_space, pending_q, sums_take;

  // A last beat also needs the row-sum register to be free by the time its sums arrive.
  assign in_ready_o = in_space && !(in_last && pending_q);
  assign in_fire    = in_valid_i && in_ready_o;

  row_counter #(
    .RowBeats(RowBeats)
  ) u_in_pos (
    .clk_i, .rst_ni, .step_i(in_fire), .pos_o(in_pos), .first_o(in_first), .last_o(in_last)
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pending_q <= 1'b0;
    end else if (in_fire && in_last) begin
      pending_q <= 1'b1;
    end else if (sums_take) begin
      pending_q <= 1'b0;
    end
  end

  // Stage 1: the accepted beat and its alphas
  logic                       s1_valid_q, s1_last_q;
  logic [Lanes*InWidth-1:0]   s1_q_q;
  logic [Lanes*AlphaBits-1:0] s1_alpha_q;

  beat_stage #(.Width(Lanes*(InWidth + AlphaBits))) u_stage_s1 (
    .clk_i, .rst_ni, .valid_i(in_fire), .last_i(in_last), .data_i({in_data_i, in_alpha}),
    .valid_o(s1_valid_q), .last_o(s1_last_q), .data_o({s1_q_q, s1_alpha_q}));

  // Stage 2: x and compressed squares per lane, summed over the lanes
  logic signed [S1Width-1:0] beat_s1;
  logic [S2Width-1:0]        beat_s2;
  logic [Lanes*XWidth-1:0]   lane_x;
  logic [Lanes*SqWidth-1:0]  lane_sq;

  for (genvar l = 0; l < Lanes; l++) begin : gen_lane
    sole_ailn_compress #(
      .InWidth     (InWidth),
      .PtfMax      (PtfMax),
      .CompressBits(CompressBits)
    ) u_compress (
      .q_i    (s1_q_q[l*InWidth +: InWidth]),
      .alpha_i(s1_alpha_q[l*AlphaBits +: AlphaBits]),
      .x_o    (lane_x[l*XWidth +: XWidth]),
      .sq_o   (lane_sq[l*SqWidth +: SqWidth])
    );
  end

  always_comb begin
    beat_s1 = '0;
    beat_s2 = '0;
    for (int unsigned l = 0; l < Lanes; l++) begin
      beat_s1 = beat_s1 + S1Width'($signed(lane_x[l*XWidth +: XWidth]));
      beat_s2 = beat_s2 + S2Width'(lane_sq[l*SqWidth +: SqWidth]);
    end
  end

  logic                      s2_valid_q, s2_last_q;
  logic signed [S1Width-1:0] s2_s1_q;
  logic [S2Width-1:0]        s2_s2_q;

  beat_stage #(.Width(S1Width + S2Width)) u_stage_s2 (
    .clk_i, .rst_ni, .valid_i(s1_valid_q), .last_i(s1_last_q), .data_i({beat_s1, beat_s2}),
    .valid_o(s2_valid_q), .last_o(s2_last_q), .data_o({s2_s1_q, s2_s2_q}));

  // Stage 3: row sums, held until the statistics take them
  logic signed [S1Width-1:0] acc1_q, sums1_q;
  logic [S2Width-1:0]        acc2_q, sums2_q;
  logic                      sums_valid_q, stats_ready;

  assign sums_take = sums_valid_q && stats_ready;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc1_q       <= '0;
      acc2_q       <= '0;
      sums_valid_q <= 1'b0;
    end else begin
      if (s2_valid_q) begin
        acc1_q <= s2_last_q ? '0 : acc1_q + s2_s1_q;
        acc2_q <= s2_last_q ? '0 : acc2_q + s2_s2_q;
      end
      // in_ready_o keeps a new row's sums from arriving while these still wait.
      if (s2_valid_q && s2_last_q) begin
        sums_valid_q <= 1'b1;
      end else if (sums_take) begin
        sums_valid_q <= 1'b0;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (s2_valid_q && s2_last_q) begin
      sums1_q <= acc1_q + s2_s1_q;
      sums2_q <= acc2_q + s2_s2_q;
    end
  end

  // ---------------------------------------------------------------------------
  // Statistics into the (mu, factor) FIFO
  // ---------------------------------------------------------------------------
  localparam int unsigned PWidth   = MuWidth + FactorWidth;

  logic                   stats_valid;
  logic [MuWidth-1:0]     stats_mu;
  logic [FactorWidth-1:0] stats_factor;
  logic [PWidth-1:0]      p_head;
  logic                   p_ready;

  sole_ailn_stats #(
    .Dim          (Dim),
    .XWidth       (XWidth),
    .SqWidth      (SqWidth),
    .StatFrac     (StatFrac),
    .EpsInt       (EpsInt),
    .StepsPerCycle(StepsPerCycle)
  ) u_stats (
    .clk_i, .rst_ni,
    .in_valid_i (sums_valid_q),
    .in_ready_o (stats_ready),
    .s1_i       (sums1_q),
    .s2_i       (sums2_q),
    .out_valid_o(stats_valid),
    .out_ready_i(p_ready),
    .mu_o       (stats_mu),
    .factor_o   (stats_factor)
  );

  // The queue's row FIFO is never full by the sizing above; its assertion would say so.
  assign p_ready = 1'b1;

  // ---------------------------------------------------------------------------
  // x queue (q codes, and each row's (mu, factor)); the output reads a row whose (mu, factor)
  // is stored, which has all its beats stored too
  // ---------------------------------------------------------------------------
  logic [Lanes*InWidth-1:0] x_head;
  logic                     out_pending, out_take, out_first, out_last, norm_ready, x_frame;

  row_queue #(
    .BeatWidth(Lanes * InWidth),
    .RowWidth (PWidth),
    .BeatDepth(XDepth),
    .RowDepth (PDepth),
    .RowBeats (RowBeats)
  ) u_x_queue (
    .clk_i, .rst_ni,
    .push_i     (in_fire),
    .beat_i     (in_data_i),
    .row_push_i (stats_valid),
    .row_i      ({stats_mu, stats_factor}),
    .reserve_i  (1'b0),
    .frame_i    (1'b0),
    .space_o    (in_space),
    .row_valid_o(out_pending),
    .pop_i      (out_take),
    .beat_o     (x_head),
    .row_o      (p_head),
    .pos_o      (out_pos),
    .first_o    (out_first),
    .last_o     (out_last),
    .frame_o    (x_frame)
  );

  assign out_take = out_pending && norm_ready;

  logic unused_row_ends;
  assign unused_row_ends = ^{in_first, out_first, out_last, x_frame};

  sole_ailn_norm #(
    .Lanes    (Lanes),
    `SOLE_AILN_FORMAT_OVERRIDES
  ) u_norm (
    .clk_i, .rst_ni,
    .in_valid_i (out_pending),
    .in_ready_o (norm_ready),
    .q_i        (x_head),
    .alpha_i    (out_alpha),
    .bias_i     (out_bias),
    .mu_i       (p_head[PWidth-1 -: MuWidth]),
    .factor_i   (p_head[FactorWidth-1:0]),
    .out_valid_o, .out_ready_i, .out_data_o
  );

  // Both ports follow the stream rules (rtl/common/assert.svh); the input's are the caller's.
  `ASSERT_STREAM(InStream, in_valid_i, in_ready_o, in_data_i, clk_i, !rst_ni)
  `ASSERT_STREAM(OutStream, out_valid_o, out_ready_i, out_data_o, clk_i, !rst_ni)

endmodule : sole_ailayernorm_unit
