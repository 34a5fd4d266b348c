// softmax_rows: the row buffering every Softmax unit shares (NN-LUT, I-BERT, SOLE). The unit
// supplies its exp stage, its per-row normaliser and its output stage; this module holds the
// rows between them.
//
//   in stream -> row maximum (row_max) -> x queue: beats, and each row's maximum with its last beat
//   x queue   -> issue: one beat per cycle of a row whose maximum is stored, an e slot reserved
//   exp stage (the unit's; fixed latency, never stalls) -> e queue: e beats in issue order, and
//   each row's normaliser once the unit has it (after the row's last e)
//   e queue   -> output: beats of a row whose normaliser is stored, with that normaliser
//
// Rows are consecutive groups of RowBeats beats. An e slot is reserved when its beat is issued
// and released when the output stage takes it, so the exp pipeline never has to stop: EDepth
// is the slot lifetime at full rate, RowBeats plus the unit's exp and normaliser latencies (each
// unit derives it). A beat of x waits RowBeats edges for its row to complete and its turn to
// come, so RowBeats + 1 x slots keep in_ready_o high with beats arriving every cycle. Rows
// with a maximum stored hold all their beats in the x queue but the one being issued, and rows
// with a normaliser stored hold at least one e slot each, all but the oldest RowBeats of them:
// the row FIFOs are sized from that.
//
// Throughput: with no input gaps and the output stage ready, back-to-back rows stream at
// Lanes elements per cycle in and out. Backpressure fills the e queue, then the x queue, then
// drops in_ready_o (which comes from registers only); nothing is lost, duplicated or reordered.
// Reset empties both queues.
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
  input  logic                     in_valid_i,
  output logic                     in_ready_o,
  input  logic [Lanes*InWidth-1:0] in_data_i,
  // to the exp stage
  output logic                     issue_o,
  output logic                     issue_first_o,
  output logic                     issue_last_o,
  output logic [Lanes*InWidth-1:0] x_o,
  output logic [InWidth-1:0]       max_o,
  // from the exp stage and the normaliser
  input  logic                     e_valid_i,
  input  logic [EWidth-1:0]        e_i,
  input  logic                     norm_valid_i,
  input  logic [RowWidth-1:0]      norm_i,
  // to the output stage
  output logic                     out_valid_o,
  input  logic                     out_ready_i,
  output logic [EWidth-1:0]        out_e_o,
  output logic [RowWidth-1:0]      out_norm_o
);

  if (RowBeats < 1) begin : gen_check_row_beats
    $fatal(1, "softmax_rows: RowBeats must be >= 1 (got %0d)", RowBeats);
  end
  if (EDepth < RowBeats) begin : gen_check_e_depth
    $fatal(1, "softmax_rows: EDepth (%0d) must hold a row (RowBeats %0d)", EDepth, RowBeats);
  end

  localparam int unsigned XDepth   = RowBeats + 1;
  localparam int unsigned PosWidth = (RowBeats > 1) ? $clog2(RowBeats) : 1;

  logic                in_fire, in_last, x_row_valid, e_space, out_take;
  logic [InWidth-1:0]  in_max;
  logic [PosWidth-1:0] issue_pos, out_pos;
  logic                out_first, out_last;

  assign in_fire = in_valid_i && in_ready_o;

  row_max #(
    .Lanes(Lanes), .InWidth(InWidth), .RowBeats(RowBeats)
  ) u_max (
    .clk_i, .rst_ni,
    .beat_valid_i(in_fire),
    .beat_i      (in_data_i),
    .row_last_o  (in_last),
    .row_max_o   (in_max)
  );

  row_queue #(
    .BeatWidth(Lanes*InWidth),
    .RowWidth (InWidth),
    .BeatDepth(XDepth),
    .RowDepth (1 + (XDepth - 1) / RowBeats),
    .RowBeats (RowBeats)
  ) u_x_queue (
    .clk_i, .rst_ni,
    .push_i     (in_fire),
    .beat_i     (in_data_i),
    .row_push_i (in_fire && in_last),
    .row_i      (in_max),
    .reserve_i  (1'b0),
    .space_o    (in_ready_o),
    .row_valid_o(x_row_valid),
    .pop_i      (issue_o),
    .beat_o     (x_o),
    .row_o      (max_o),
    .pos_o      (issue_pos),
    .first_o    (issue_first_o),
    .last_o     (issue_last_o)
  );

  assign issue_o = x_row_valid && e_space;

  row_queue #(
    .BeatWidth(EWidth),
    .RowWidth (RowWidth),
    .BeatDepth(EDepth),
    .RowDepth (1 + (EDepth - 1) / RowBeats),
    .RowBeats (RowBeats),
    .Reserve  (1'b1)
  ) u_e_queue (
    .clk_i, .rst_ni,
    .push_i     (e_valid_i),
    .beat_i     (e_i),
    .row_push_i (norm_valid_i),
    .row_i      (norm_i),
    .reserve_i  (issue_o),
    .space_o    (e_space),
    .row_valid_o(out_valid_o),
    .pop_i      (out_take),
    .beat_o     (out_e_o),
    .row_o      (out_norm_o),
    .pos_o      (out_pos),
    .first_o    (out_first),
    .last_o     (out_last)
  );

  assign out_take = out_valid_o && out_ready_i;

  // Positions matter only through the row ends, which the queues use themselves.
  logic unused_positions;
  assign unused_positions = ^{issue_pos, out_pos, out_first, out_last};

endmodule : softmax_rows
