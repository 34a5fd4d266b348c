// row_queue: the buffer between two stages of a row unit: a FIFO of beats plus a FIFO of one
// value per row (the row's maximum, its reciprocal sum, its statistics), read a row at a time.
//
// Write side: push_i stores a beat; row_push_i stores a row value, independently (a row's
// value may come with its last beat, as a row maximum does, or later, as a reciprocal does).
// Read side: row_valid_o says a row value is stored, i.e. the oldest unread row can be read;
// each pop_i takes one beat of it (beat_o, row_o, with first_o/last_o/pos_o telling the beat's
// place in the row), and the row value goes with the row's last beat. The caller pops only
// while row_valid_o is high and only beats its writer has stored: a row value must never be
// stored before all of its row's beats are (or will be, by the time they are popped).
//
// Space: with Reserve = 0, space_o says the beat FIFO can take a beat this cycle (count below
// BeatDepth). With Reserve = 1 a slot is reserved by reserve_i before its beat is pushed
// (the issuing stage reserves when it starts a beat through a fixed-latency pipeline that
// cannot stop), and space_o says a reservation is possible; reservations are released as
// beats are popped.
//
// Rows are consecutive groups of RowBeats beats, or, with Framed = 1, end at any beat whose
// frame says so: each beat then carries a frame of FrameWidth bits (bit 0: the beat ends its
// row; the rest rides along, a Softmax beat's lane mask), given with push_i and stored with the
// beat (one FIFO, so a large queue's frames go into its memory), read with the beat on frame_o;
// pos_o is then not tracked (0). Reset empties every FIFO.
`include "assert.svh"

module row_queue #(
  parameter  int unsigned BeatWidth = 64,
  parameter  int unsigned RowWidth  = 16,
  parameter  int unsigned BeatDepth = 33,
  parameter  int unsigned RowDepth  = 2,
  parameter  int unsigned RowBeats  = 32,
  parameter  bit          Reserve   = 1'b0,
  parameter  bit          Framed    = 1'b0,
  parameter  int unsigned FrameWidth = 1,
  localparam int unsigned PosWidth  = (RowBeats > 1) ? $clog2(RowBeats) : 1
) (
  input  logic                 clk_i, rst_ni,
  // write side
  input  logic                 push_i,
  input  logic [BeatWidth-1:0] beat_i,
  input  logic                 row_push_i,
  input  logic [RowWidth-1:0]  row_i,
  input  logic                 reserve_i,
  input  logic [FrameWidth-1:0] frame_i,   // Framed: with push_i
  output logic                 space_o,
  // read side
  output logic                 row_valid_o,
  input  logic                 pop_i,
  output logic [BeatWidth-1:0] beat_o,
  output logic [RowWidth-1:0]  row_o,
  output logic [PosWidth-1:0]  pos_o,
  output logic                 first_o,
  output logic                 last_o,
  output logic [FrameWidth-1:0] frame_o
);

  if (FrameWidth < 1) begin : gen_check_frame_width
    $fatal(1, "row_queue: FrameWidth must be >= 1 (got %0d)", FrameWidth);
  end

  localparam int unsigned BeatCntWidth = $clog2(BeatDepth + 1);
  localparam int unsigned RowCntWidth  = $clog2(RowDepth + 1);
  localparam int unsigned StoredWidth  = Framed ? BeatWidth + FrameWidth : BeatWidth;

  logic [BeatCntWidth-1:0] beat_count;
  logic [RowCntWidth-1:0]  row_count;
  logic [StoredWidth-1:0]  stored_in, stored_out;

  stream_fifo #(
    .Width(StoredWidth),
    .Depth(BeatDepth)
  ) u_beats (
    .clk_i, .rst_ni,
    .push_i,
    .data_i (stored_in),
    .pop_i  (pop_i),
    .data_o (stored_out),
    .count_o(beat_count)
  );

  stream_fifo #(
    .Width(RowWidth),
    .Depth(RowDepth)
  ) u_rows (
    .clk_i, .rst_ni,
    .push_i (row_push_i),
    .data_i (row_i),
    .pop_i  (pop_i && last_o),
    .data_o (row_o),
    .count_o(row_count)
  );

  assign row_valid_o = (row_count != '0);

  if (Framed) begin : gen_framed
    assign stored_in           = {frame_i, beat_i};
    assign {frame_o, beat_o}   = stored_out;

    // The framed queues' users need the row ends only: first_o follows a popped last beat,
    // and pos_o is not tracked (0).
    logic after_last_q;

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        after_last_q <= 1'b1;
      end else if (pop_i) begin
        after_last_q <= last_o;
      end
    end

    assign last_o  = frame_o[0];
    assign first_o = after_last_q;
    assign pos_o   = '0;
  end else begin : gen_counted
    assign stored_in = beat_i;
    assign beat_o    = stored_out;

    row_counter #(
      .RowBeats(RowBeats)
    ) u_pos (
      .clk_i, .rst_ni,
      .step_i (pop_i),
      .pos_o, .first_o, .last_o
    );

    assign frame_o = '0;

    logic unused_frame;
    assign unused_frame = ^frame_i;
  end

  if (Reserve) begin : gen_reserve
    // Slots reserved and not yet popped; never below the beat count.
    logic [BeatCntWidth-1:0] used_q;

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        used_q <= '0;
      end else begin
        used_q <= used_q + BeatCntWidth'(reserve_i) - BeatCntWidth'(pop_i);
      end
    end

    assign space_o = (used_q < BeatCntWidth'(BeatDepth));

    `ASSERT(StoredBeatsWereReserved, beat_count <= used_q, clk_i, !rst_ni)

    logic unused_beat_count;
    assign unused_beat_count = ^beat_count;
  end else begin : gen_no_reserve
    assign space_o = (beat_count < BeatCntWidth'(BeatDepth));

    logic unused_reserve;
    assign unused_reserve = reserve_i;
  end

  `ASSERT(PopOnlyStoredRows, pop_i |-> row_valid_o, clk_i, !rst_ni)

endmodule : row_queue
