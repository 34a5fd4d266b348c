// softmax_rows: the row framing and buffering every Softmax unit shares (NN-LUT, I-BERT,
// SOLE). The unit supplies its exp stage, its per-row normaliser and its output stage; this
// module holds the rows between them.
//
//   in stream -> row maximum (row_max) -> x queue: beats with their frames, and each row's
//                maximum with its last beat
//   x queue   -> issue: one beat per cycle of a row whose maximum is stored, with its frame; an
//                e slot reserved
//   exp stage (the unit's; fixed latency, never stalls) -> e queue: e beats in issue order with
//   their frames (the unit carries each issued beat's frame through its exp stage), and each
//   row's normaliser once the unit has it (after the row's last e)
//   e queue   -> output: beats of a row whose normaliser is stored, with that normaliser and
//                the beat's frame
//
// Framing (AXI-Stream tlast/tkeep semantics): a row is the beats up to and including one with
// in_last_i high, from 1 beat to RowBeats beats; a row that reaches RowBeats beats ends there
// whatever in_last_i says (the cut shows on out_last_o). in_keep_i has one bit per lane: a lane
// with keep low is not an element of its row (a masked key, the padding of a final partial
// beat). The unit's exp stage gets the mask with each issued beat (issue_keep_o) and must
// give such lanes e = 0, so they neither win the maximum nor count in the sum; a row with no
// kept lane at all is legal and gives e = 0 throughout. The output carries each input beat's
// frame unchanged (out_last_o, out_keep_o), beat for beat.
//
// An e slot is reserved when its beat is issued and released when the output stage takes it,
// so the exp pipeline never has to stop: EDepth is the slot lifetime at full rate, RowBeats
// plus the unit's exp and normaliser latencies (each unit derives it). A beat of x waits up to
// RowBeats edges for its row to complete and its turn to come, so RowBeats + 1 x slots keep
// in_ready_o high with beats arriving every cycle. A row value is stored only while some of
// its row's beats are, so each row FIFO is as deep as its beat FIFO: rows of one beat behind a
// row of RowBeats also stream without a stall.
//
// Throughput: with no input gaps and the output stage ready, back-to-back rows of any lengths
// are accepted at Lanes elements per cycle (in_ready_o stays high) provided the unit's
// normaliser takes one row per cycle. The output cannot start a row before its sum is known,
// so a row longer than the one before it leaves a gap in the output (its length difference).
// Backpressure fills the e queue, then the x queue, then drops in_ready_o (which comes from
// registers only); nothing is lost, duplicated or reordered. Reset empties both queues.
`include "port_groups.svh"

module softmax_rows #(
  parameter  int unsigned Lanes    = 4,
  parameter  int unsigned InWidth  = 16,
  parameter  int unsigned RowBeats = 32,
  parameter  int unsigned EWidth   = 25,   // one beat of the exp stage's results
  parameter  int unsigned RowWidth = 17,   // the per-row normaliser
  parameter  int unsigned EDepth   = 43
) (
  input  logic                     clk_i, rst_ni,
  // the unit's input stream
  `ROW_STREAM_IN_PORTS(Lanes*InWidth, Lanes),
  // to the exp stage
  output logic                     issue_o,
  output logic                     issue_first_o,
  output logic                     issue_last_o,
  output logic [Lanes-1:0]         issue_keep_o,
  output logic [Lanes*InWidth-1:0] x_o,
  output logic [InWidth-1:0]       max_o,
  // from the exp stage and the normaliser
  input  logic                     e_valid_i,
  input  logic [EWidth-1:0]        e_i,
  input  logic                     e_last_i,    // the e beat's frame: issue_last_o and
  input  logic [Lanes-1:0]         e_keep_i,    // issue_keep_o of its beat, through the exp stage
  input  logic                     norm_valid_i,
  input  logic [RowWidth-1:0]      norm_i,
  // to the output stage
  `STREAM_OUT_HANDSHAKE,
  output logic [EWidth-1:0]        out_e_o,
  output logic [RowWidth-1:0]      out_norm_o,
  output logic                     out_last_o,
  output logic [Lanes-1:0]         out_keep_o
);

  if (RowBeats < 1) begin : gen_check_row_beats
    $fatal(1, "softmax_rows: RowBeats must be >= 1 (got %0d)", RowBeats);
  end
  if (EDepth < RowBeats) begin : gen_check_e_depth
    $fatal(1, "softmax_rows: EDepth (%0d) must hold a row (RowBeats %0d)", EDepth, RowBeats);
  end

  localparam int unsigned XDepth     = RowBeats + 1;
  localparam int unsigned PosWidth   = (RowBeats > 1) ? $clog2(RowBeats) : 1;
  localparam int unsigned FrameWidth = Lanes + 1;   // {keep, last}

  logic                  in_fire, in_last, x_row_valid, e_space, out_take;
  logic [InWidth-1:0]    in_max;
  logic [PosWidth-1:0]   issue_pos, out_pos;
  logic                  out_first, out_last;
  logic [FrameWidth-1:0] issue_frame, out_frame;

  assign in_fire = in_valid_i && in_ready_o;

  row_max #(
    .Lanes(Lanes), .InWidth(InWidth), .RowBeats(RowBeats)
  ) u_max (
    .clk_i, .rst_ni,
    .beat_valid_i(in_fire),
    .beat_last_i (in_last_i),
    .beat_keep_i (in_keep_i),
    .beat_i      (in_data_i),
    .row_last_o  (in_last),
    .row_max_o   (in_max)
  );

  row_queue #(
    .BeatWidth(Lanes*InWidth),
    .RowWidth (InWidth),
    .BeatDepth(XDepth),
    .RowDepth (XDepth),
    .RowBeats (RowBeats),
    .Framed   (1'b1),
    .FrameWidth(FrameWidth)
  ) u_x_queue (
    .clk_i, .rst_ni,
    .push_i     (in_fire),
    .beat_i     (in_data_i),
    .row_push_i (in_fire && in_last),
    .row_i      (in_max),
    .reserve_i  (1'b0),
    .frame_i    ({in_keep_i, in_last}),
    .space_o    (in_ready_o),
    .row_valid_o(x_row_valid),
    .pop_i      (issue_o),
    .beat_o     (x_o),
    .row_o      (max_o),
    .pos_o      (issue_pos),
    .first_o    (issue_first_o),
    .last_o     (issue_last_o),
    .frame_o    (issue_frame)
  );

  assign issue_keep_o = issue_frame[FrameWidth-1:1];

  assign issue_o = x_row_valid && e_space;

  row_queue #(
    .BeatWidth(EWidth),
    .RowWidth (RowWidth),
    .BeatDepth(EDepth),
    .RowDepth (EDepth),
    .RowBeats (RowBeats),
    .Reserve  (1'b1),
    .Framed   (1'b1),
    .FrameWidth(FrameWidth)
  ) u_e_queue (
    .clk_i, .rst_ni,
    .push_i     (e_valid_i),
    .beat_i     (e_i),
    .row_push_i (norm_valid_i),
    .row_i      (norm_i),
    .reserve_i  (issue_o),
    .frame_i    ({e_keep_i, e_last_i}),
    .space_o    (e_space),
    .row_valid_o(out_valid_o),
    .pop_i      (out_take),
    .beat_o     (out_e_o),
    .row_o      (out_norm_o),
    .pos_o      (out_pos),
    .first_o    (out_first),
    .last_o     (out_last),
    .frame_o    (out_frame)
  );

  assign out_take   = out_valid_o && out_ready_i;
  assign out_last_o = out_frame[0];
  assign out_keep_o = out_frame[FrameWidth-1:1];

  // Positions matter only through the row ends, which the queues use themselves (a frame's
  // last bit is the queue's last_o).
  logic unused_positions;
  assign unused_positions = ^{issue_pos, out_pos, out_first, out_last, issue_frame[0]};

endmodule : softmax_rows
