// softmax_unit: row Softmax on the NN-LUT core, Lanes elements per beat, rows back to back.
//
// A row is RowLength consecutive elements, i.e. RowBeats = RowLength / Lanes consecutive
// beats on in_data_i (lane l at [l*InWidth +: InWidth]). Its RowBeats output beats carry
// p_i ~ exp(x_i - M) / sum_j exp(x_j - M) in the same order. Formats at the defaults:
// input SQ16.11 ([-16, 16), LSB 2^-11), output UQ0.16 (p = code * 2^-16, saturating at
// 2^16 - 1). The datapath is bit-exact with models/softmax.py, where it is written out.
//
// Three stages connected by buffers, each moving one beat per cycle:
//   load/max (softmax_max)      -> x buffer (RowBeats+1 beats) + row-maximum buffer
//   exp/sum (softmax_exp)       -> e buffer (RowBeats+11 beats); the row sum goes to
//   reciprocal (softmax_recip)  -> 1/S buffer (one entry per row)
//   normalise/output (softmax_norm, valid/ready)
// The exp stage starts a row once its last beat and maximum are stored; the output stage
// starts a row once its reciprocal is known. Buffers are FIFOs of beats (stream_fifo), so a
// slot is held only while its beat waits, which is what lets rows of any length, down to one
// beat, stream without bubbles.
//
// Throughput: with no gaps in the input and out_ready_i high, back-to-back rows stream at
// Lanes elements per cycle in and out (in_ready_o stays high). Backpressure fills the e
// buffer, then the x buffer, then drops in_ready_o; nothing is lost, duplicated or reordered.
//
// Row latency (RowLatency = RowBeats + 14): the number of clock edges from the edge that
// accepts a row's last input beat to the edge of the row's first output handshake, with
// out_ready_i high. Derivation, for last input at edge t: the exp stage issues the row's
// beats in cycles t .. t+RowBeats-1; the last e and the sum appear 5 cycles after issue
// (u, table input, 3 core stages), the reciprocal 5 cycles after that (sum register,
// normalised mantissa, 3 core stages) and is buffered at the next edge; the output stage
// issues the first beat in that cycle and it leaves 3 edges later:
// (RowBeats - 1) + 5 + 5 + 1 + 3 + 1 = RowBeats + 14. The same holds for rows back to back.
//
// Reset (rst_ni, asynchronous) clears every buffer and stage, so a reset in the middle of a
// row drops that row and the rows still in flight; the next accepted beat starts a new row.
module softmax_unit #(
  parameter  int unsigned RowLength = 128,
  parameter  int unsigned Lanes     = 4,
  parameter  int unsigned InWidth   = 16,
  parameter  int unsigned InFrac    = 11,
  parameter  int unsigned OutWidth  = 16,
  parameter  int unsigned OutFrac   = OutWidth,
  parameter  int unsigned Entries   = 16,
  parameter  int unsigned ExpFrac   = 24,
  parameter  int unsigned Log2eFrac = 20,
  parameter  bit          ExpDirect = 1'b0
) (
  input  logic                       clk_i,
  input  logic                       rst_ni,

  input  logic                       in_valid_i,
  output logic                       in_ready_o,
  input  logic [Lanes*InWidth-1:0]   in_data_i,

  output logic                       out_valid_o,
  input  logic                       out_ready_i,
  output logic [Lanes*OutWidth-1:0]  out_data_o
);

  // ---------------------------------------------------------------------------
  // Parameter checks (first, so impossible values stop here with a message)
  // ---------------------------------------------------------------------------
  if (RowLength < 1) begin : gen_check_row_length
    $fatal(1, "softmax_unit: RowLength must be >= 1 (got %0d)", RowLength);
  end
  if (Lanes < 1) begin : gen_check_lanes
    $fatal(1, "softmax_unit: Lanes must be >= 1 (got %0d)", Lanes);
  end
  if (Lanes >= 1 && RowLength % Lanes != 0) begin : gen_check_row_beats
    $fatal(1, "softmax_unit: RowLength (%0d) must be a multiple of Lanes (%0d)", RowLength, Lanes);
  end
  if (InWidth < 2 || InFrac >= InWidth) begin : gen_check_in_format
    $fatal(1, "softmax_unit: input format SQ%0d.%0d needs InWidth >= 2 and InFrac < InWidth",
           InWidth, InFrac);
  end
  if (OutFrac < 1 || OutFrac > OutWidth) begin : gen_check_out_format
    $fatal(1, "softmax_unit: OutFrac (%0d) must be in [1, OutWidth = %0d]", OutFrac, OutWidth);
  end
  if (ExpFrac < recip_table_pkg::InFrac) begin : gen_check_exp_frac
    $fatal(1, "softmax_unit: ExpFrac (%0d) must be >= recip_table_pkg::InFrac (%0d)", ExpFrac,
           recip_table_pkg::InFrac);
  end

  // ---------------------------------------------------------------------------
  // Sizes
  // ---------------------------------------------------------------------------
  // Guarded so that a bad RowLength/Lanes reaches its $fatal above.
  localparam int unsigned RowBeats   =
      (Lanes >= 1 && RowLength >= Lanes && RowLength % Lanes == 0) ? RowLength / Lanes : 1;
  localparam int unsigned ExpWidth   = ExpFrac + 1;
  // Each e is below 2^ExpWidth, so a row's sum is below RowLength * 2^ExpWidth.
  localparam int unsigned SumWidth   = ExpWidth + ((RowLength > 1) ? $clog2(RowLength) : 0);
  localparam int unsigned RecipWidth = recip_table_pkg::OutFrac + 1;
  localparam int unsigned ShiftWidth = $clog2(SumWidth + recip_table_pkg::OutFrac - OutFrac);
  // Cycles from the exp stage's issue of a beat to the edge that writes its e (5 + 1), and
  // from the edge that captures a row sum to the edge that buffers its reciprocal (4 + 1).
  localparam int unsigned ExpLatency   = 6;
  localparam int unsigned RecipLatency = 5;
  // A beat of x waits RowBeats edges (until its row is complete and its turn comes), so
  // RowBeats + 1 slots keep in_ready_o high with beats arriving every cycle.
  localparam int unsigned XDepth = RowBeats + 1;
  // Rows whose maximum is stored hold all their beats in the x buffer except possibly the
  // one being read, so at most 1 + (XDepth - 1) / RowBeats of them exist.
  localparam int unsigned MDepth = 1 + (XDepth - 1) / RowBeats;
  // An e slot is reserved when its beat is issued and released when the output stage
  // takes it: RowBeats - 1 + ExpLatency + RecipLatency edges later at full rate (the
  // row's other beats, then the sum and the reciprocal), plus the cycle of its own issue.
  localparam int unsigned EDepth = RowBeats + ExpLatency + RecipLatency;
  // Rows with a reciprocal waiting all have their e buffered and at least one not yet
  // taken, all but the oldest with RowBeats of them: 1 + (EDepth - 1) / RowBeats rows.
  localparam int unsigned RDepth = 1 + (EDepth - 1) / RowBeats;
  localparam int unsigned BeatCntWidth = (RowBeats > 1) ? $clog2(RowBeats) : 1;
  localparam int unsigned XCntWidth = $clog2(XDepth + 1);
  localparam int unsigned MCntWidth = $clog2(MDepth + 1);
  localparam int unsigned ECntWidth = $clog2(EDepth + 1);
  localparam int unsigned RCntWidth = $clog2(RDepth + 1);

  // ---------------------------------------------------------------------------
  // Load/max stage
  // ---------------------------------------------------------------------------
  logic                 in_fire, in_row_last;
  logic [InWidth-1:0]   in_row_max;
  logic [XCntWidth-1:0] x_count;
  logic [MCntWidth-1:0] m_count;

  assign in_ready_o = (x_count < XCntWidth'(XDepth));
  assign in_fire    = in_valid_i && in_ready_o;

  softmax_max #(
    .Lanes   (Lanes),
    .InWidth (InWidth),
    .RowBeats(RowBeats)
  ) u_max (
    .clk_i,
    .rst_ni,
    .beat_valid_i(in_fire),
    .beat_i      (in_data_i),
    .row_last_o  (in_row_last),
    .row_max_o   (in_row_max)
  );

  // ---------------------------------------------------------------------------
  // x and row-maximum buffers; the exp stage reads a row once its maximum is stored
  // ---------------------------------------------------------------------------
  logic                     b_issue, b_last;
  logic [BeatCntWidth-1:0]  b_beat_q;
  logic [Lanes*InWidth-1:0] x_head;
  logic [InWidth-1:0]       m_head;
  logic [ECntWidth-1:0]     e_used_q;
  logic                     o_issue;

  stream_fifo #(
    .Width(Lanes*InWidth),
    .Depth(XDepth)
  ) u_x_buf (
    .clk_i,
    .rst_ni,
    .push_i (in_fire),
    .data_i (in_data_i),
    .pop_i  (b_issue),
    .data_o (x_head),
    .count_o(x_count)
  );

  stream_fifo #(
    .Width(InWidth),
    .Depth(MDepth)
  ) u_m_buf (
    .clk_i,
    .rst_ni,
    .push_i (in_fire && in_row_last),
    .data_i (in_row_max),
    .pop_i  (b_issue && b_last),
    .data_o (m_head),
    .count_o(m_count)
  );

  // The e buffer is reserved at issue, so the exp pipeline never has to stop.
  assign b_issue = (m_count != '0) && (e_used_q < ECntWidth'(EDepth));
  assign b_last  = (b_beat_q == BeatCntWidth'(RowBeats - 1));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      b_beat_q <= '0;
      e_used_q <= '0;
    end else begin
      if (b_issue) begin
        b_beat_q <= b_last ? '0 : b_beat_q + BeatCntWidth'(1);
      end
      e_used_q <= e_used_q + ECntWidth'(b_issue) - ECntWidth'(o_issue);
    end
  end

  // ---------------------------------------------------------------------------
  // Exp/sum stage and reciprocal
  // ---------------------------------------------------------------------------
  logic                      e_valid, sum_valid;
  logic [Lanes*ExpWidth-1:0] e_data;
  logic [SumWidth-1:0]       sum;

  softmax_exp #(
    .Lanes    (Lanes),
    .InWidth  (InWidth),
    .InFrac   (InFrac),
    .SumWidth (SumWidth),
    .ExpFrac  (ExpFrac),
    .Log2eFrac(Log2eFrac),
    .Entries  (Entries),
    .ExpDirect(ExpDirect)
  ) u_exp (
    .clk_i,
    .rst_ni,
    .issue_i    (b_issue),
    .last_i     (b_last),
    .x_i        (x_head),
    .max_i      (m_head),
    .e_valid_o  (e_valid),
    .e_o        (e_data),
    .sum_valid_o(sum_valid),
    .sum_o      (sum)
  );

  logic                  r_valid;
  logic [RecipWidth-1:0] r_data;
  logic [ShiftWidth-1:0] r_shift;

  softmax_recip #(
    .SumWidth(SumWidth),
    .OutFrac (OutFrac),
    .Entries (Entries)
  ) u_recip (
    .clk_i,
    .rst_ni,
    .sum_valid_i(sum_valid),
    .sum_i      (sum),
    .valid_o    (r_valid),
    .recip_o    (r_data),
    .shift_o    (r_shift)
  );

  // ---------------------------------------------------------------------------
  // e and reciprocal buffers; the output stage reads a row once its reciprocal is stored
  // (all of the row's e are buffered by then)
  // ---------------------------------------------------------------------------
  logic [Lanes*ExpWidth-1:0]       e_head;
  logic [RecipWidth+ShiftWidth-1:0] r_head;
  logic [RCntWidth-1:0]            r_count;
  logic [BeatCntWidth-1:0]         o_beat_q;
  logic                            o_last, o_ready;
  logic [$clog2(EDepth + 1)-1:0]   e_count;

  stream_fifo #(
    .Width(Lanes*ExpWidth),
    .Depth(EDepth)
  ) u_e_buf (
    .clk_i,
    .rst_ni,
    .push_i (e_valid),
    .data_i (e_data),
    .pop_i  (o_issue),
    .data_o (e_head),
    .count_o(e_count)
  );

  // Occupancy is tracked by the reservation count e_used_q instead.
  logic unused_e_count;
  assign unused_e_count = ^e_count;

  stream_fifo #(
    .Width(RecipWidth + ShiftWidth),
    .Depth(RDepth)
  ) u_r_buf (
    .clk_i,
    .rst_ni,
    .push_i (r_valid),
    .data_i ({r_data, r_shift}),
    .pop_i  (o_issue && o_last),
    .data_o (r_head),
    .count_o(r_count)
  );

  assign o_issue = (r_count != '0) && o_ready;
  assign o_last  = (o_beat_q == BeatCntWidth'(RowBeats - 1));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      o_beat_q <= '0;
    end else if (o_issue) begin
      o_beat_q <= o_last ? '0 : o_beat_q + BeatCntWidth'(1);
    end
  end

  // ---------------------------------------------------------------------------
  // Normalise/output stage
  // ---------------------------------------------------------------------------
  softmax_norm #(
    .Lanes     (Lanes),
    .ExpWidth  (ExpWidth),
    .RecipWidth(RecipWidth),
    .ShiftWidth(ShiftWidth),
    .OutWidth  (OutWidth)
  ) u_norm (
    .clk_i,
    .rst_ni,
    .in_valid_i (r_count != '0),
    .in_ready_o (o_ready),
    .e_i        (e_head),
    .recip_i    (r_head[ShiftWidth +: RecipWidth]),
    .shift_i    (r_head[ShiftWidth-1:0]),
    .out_valid_o,
    .out_ready_i,
    .out_data_o
  );

endmodule : softmax_unit
