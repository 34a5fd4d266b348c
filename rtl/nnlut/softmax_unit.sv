// softmax_unit: row Softmax on the NN-LUT core, Lanes elements per beat, rows back to back.
//
// A row of RowLength elements is RowBeats = RowLength / Lanes consecutive beats on in_data_i
// (lane l at [l*InWidth +: InWidth]); its output beats carry p_i ~ exp(x_i - M) / sum_j
// exp(x_j - M) in the same order. Formats at the defaults:
// input SQ16.9 ([-64, 64), LSB 2^-9), output UQ0.16 (p = code * 2^-16, saturating at
// 2^16 - 1). The datapath is bit-exact with models/softmax.py, where it is written out.
//
// Three stages connected by buffers, each moving one beat per cycle:
//   load/max                    -> x queue (RowBeats+1 beats, and the row maximums)
//   exp/sum (softmax_exp)       -> e queue (RowBeats+11 beats, and the reciprocals);
//   reciprocal (softmax_recip)     the row sum goes through the reciprocal into the e queue
//   normalise/output (softmax_norm, valid/ready)
// The exp stage starts a row once its last beat and maximum are stored; the output stage
// starts a row once its reciprocal is known. The maximum and the queues are the ones every
// Softmax unit shares (softmax_rows); queues are FIFOs of beats, so a slot is held only while
// its beat waits, which is what lets rows of any length, down to one beat, stream without
// bubbles.
//
// Rows of any length (rtl/common/softmax_rows.sv has the rules): a row is 1 to RowLength
// elements, its beats ending at one with in_last_i high (a row reaching RowBeats beats ends
// there regardless); in_keep_i[l] low leaves lane l out of its row (a masked key, the padding
// of a final partial beat): it neither wins the maximum nor counts in the sum, and its output
// is 0. out_last_o/out_keep_o give each output beat its input beat's frame. A row with no kept
// element outputs 0 throughout. Rows of different lengths stream back to back.
//
// Throughput: with no gaps in the input and out_ready_i high, back-to-back rows stream at
// Lanes elements per cycle in and out (in_ready_o stays high). Backpressure fills the e
// buffer, then the x buffer, then drops in_ready_o; nothing is lost, duplicated or reordered.
//
// Row latency (RowLatency = RowBeats + 14 for a row of RowBeats beats, b + 14 for one of b,
// with parallel search; a row also waits for the rows before it to be issued): the number of clock edges from the edge that
// accepts a row's last input beat to the edge of the row's first output handshake, with
// out_ready_i high. Derivation, for last input at edge t: the exp stage issues the row's
// beats in cycles t .. t+RowBeats-1; the last e and the sum appear 5 cycles after issue
// (u, table input, 3 core stages), the reciprocal 5 cycles after that (sum register,
// normalised mantissa, 3 core stages) and is buffered at the next edge; the output stage
// issues the first beat in that cycle and it leaves 3 edges later:
// (RowBeats - 1) + 5 + 5 + 1 + 3 + 1 = RowBeats + 14. The same holds for rows back to back.
// With Lanes > SumStageLanes the lanes' e are registered before the adder tree and each
// beat's sum before the row accumulator (the adder tree of a wide beat would set the clock:
// about 130 MHz at 16 lanes with the sum register alone, about 145 MHz with both in the cost
// flow, OSU 0.18 um typical),
// two edges more: RowBeats + 16. With SerialRecip the reciprocal comes log2(Entries) +
// SlopeWidth - 3 edges later (softmax_recip), and the unit takes one row per log2(Entries) +
// SlopeWidth + 1 cycles: rows of at least that many beats stream back to back at full rate,
// shorter ones at that row rate.
//
// Tables: exp_table_pkg and recip_table_pkg (generated) hold the fitted tables. By default both
// are programmable with those contents at reset; TableReset = 0 drops the reset (software
// writes every entry of both tables after reset) and Hardwired = 1 makes them constants (the
// write port is ignored). tbl_we_i writes entry tbl_idx_i of the exp table (tbl_sel_i = 0) or
// the reciprocal table (tbl_sel_i = 1): breakpoint in the low bits of tbl_breakpoint_i (the
// table's input width), slope and intercept in the tables' common formats. Write while the unit
// is idle for every row to see one table. A write while rows stream is defined row by row: a
// row reads the exp table as its beats are issued and the 1/x table once its sum is known, both
// after its last input beat, so a row whose first beat is accepted after the last write uses
// the new tables and a row that has left before the first write the old ones; a row in flight
// across the writes may mix them (its values are undefined, its framing is kept: every beat
// comes out, in order). tb/softmax TableWriteMidRow checks this. BinarySearch = 1 searches the segment in log2(Entries)
// pipeline stages, which adds 2 * log2(Entries) cycles to RowLatency.
//
// Reset (rst_ni, asynchronous) clears every buffer and stage, so a reset in the middle of a
// row drops that row and the rows still in flight; the next accepted beat starts a new row.
`include "assert.svh"
`include "port_groups.svh"

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
  parameter  bit          ExpDirect = 1'b0,
  // Table options of both NN-LUT cores (nnlut_core): hardwired tables, programmable tables
  // without reset, the pipelined binary segment search.
  `NNLUT_TABLE_OPTION_PARAMS,
  // Lanes above which a beat's lane exps and exp sum are registered (softmax_exp SumStages).
  parameter  int unsigned SumStageLanes = 4,
  // The 1/x table as nnlut_serial_core (one slope bit per cycle, one row per SlopeWidth + 1
  // cycles) instead of a pipelined core: softmax_recip.
  parameter  bit          SerialRecip   = 1'b0,
  `NNLUT_TABLE_IDX_WIDTH,
  localparam int unsigned TblBpWidth   =
      (exp_table_pkg::InWidth > recip_table_pkg::InWidth) ? exp_table_pkg::InWidth :
                                                            recip_table_pkg::InWidth,
  localparam int unsigned TblSlopeWidth     = exp_table_pkg::SlopeWidth,
  localparam int unsigned TblInterceptWidth = exp_table_pkg::InterceptWidth
) (
  input  logic                          clk_i, rst_ni,

  `ROW_STREAM_IN_PORTS(Lanes*InWidth, Lanes),

  `ROW_STREAM_OUT_PORTS(Lanes*OutWidth, Lanes),

  // Table write port (see the header): tbl_sel_i 0 = exp table, 1 = reciprocal table.
  input  logic                          tbl_we_i,
  input  logic                          tbl_sel_i,
  input  logic [IdxWidth-1:0]           tbl_idx_i,
  input  logic [TblBpWidth-1:0]         tbl_breakpoint_i,
  input  logic [TblSlopeWidth-1:0]      tbl_slope_i,
  input  logic [TblInterceptWidth-1:0]  tbl_intercept_i
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
  if (recip_table_pkg::SlopeWidth != TblSlopeWidth ||
      recip_table_pkg::InterceptWidth != TblInterceptWidth) begin : gen_check_table_widths
    $fatal(1, "softmax_unit: the exp and reciprocal tables must share slope and intercept widths (%0d/%0d vs %0d/%0d)",
           TblSlopeWidth, TblInterceptWidth, recip_table_pkg::SlopeWidth, recip_table_pkg::InterceptWidth);
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
  // The e queue holds each lane's exp as the exp table's value and its shift (softmax_norm).
  localparam int unsigned MantWidth  = exp_table_pkg::OutWidth - 1;
  localparam int unsigned QWidth     = $clog2(ExpWidth + 1);
  localparam int unsigned LaneEWidth = MantWidth + QWidth;
  // Cycles from the exp stage's issue of a beat to the edge that writes its e (5 + 1), and
  // from the edge that captures a row sum to the edge that buffers its reciprocal (4 + 1),
  // each longer by the binary search's SearchStages.
  localparam int unsigned SearchStages = BinarySearch ? IdxWidth : 0;
  // Beats of more than SumStageLanes lanes register their lanes' e and their sum (softmax_exp):
  // two cycles more.
  localparam int unsigned SumStages    = (Lanes > SumStageLanes) ? 2 : 0;
  localparam int unsigned ExpLatency   = 6 + SearchStages;
  // The serial reciprocal takes log2(Entries) + SlopeWidth - 3 cycles more than the pipelined
  // one with a parallel search: softmax_recip.
  localparam int unsigned RecipLatency =
      (SerialRecip ? 2 + IdxWidth + TblSlopeWidth : 5 + SearchStages) + SumStages;
  // An e slot is reserved when its beat is issued and released when the output stage
  // takes it: RowBeats - 1 + ExpLatency + RecipLatency edges later at full rate (the
  // row's other beats, then the sum and the reciprocal), plus the cycle of its own issue.
  localparam int unsigned EDepth = RowBeats + ExpLatency + RecipLatency;

  // ---------------------------------------------------------------------------
  // Rows: maximum, x and e queues (softmax_rows)
  // ---------------------------------------------------------------------------
  logic                             b_issue, b_first, b_last, o_valid, o_ready, o_last;
  logic [Lanes-1:0]                 b_keep, o_keep, e_keep;
  logic                             e_last;
  logic [Lanes*InWidth-1:0]         x_head;
  logic [InWidth-1:0]               m_head;
  logic                             e_valid, sum_valid, r_valid;
  logic [Lanes*MantWidth-1:0]       e_mant;
  logic [Lanes*QWidth-1:0]          e_q;
  logic [Lanes*LaneEWidth-1:0]      e_head;
  logic [SumWidth-1:0]              sum;
  logic [RecipWidth-1:0]            r_data;
  logic [ShiftWidth-1:0]            r_shift;
  logic [RecipWidth+ShiftWidth-1:0] r_head;

  softmax_rows #(
    .Lanes(Lanes), .InWidth(InWidth), .RowBeats(RowBeats),
    .EWidth(Lanes*LaneEWidth), .RowWidth(RecipWidth + ShiftWidth), .EDepth(EDepth)
  ) u_rows (
    .clk_i, .rst_ni,
    .in_valid_i, .in_ready_o, .in_data_i, .in_last_i, .in_keep_i,
    .issue_o      (b_issue),
    .issue_first_o(b_first),
    .issue_last_o (b_last),
    .issue_keep_o (b_keep),
    .x_o          (x_head),
    .max_o        (m_head),
    .e_valid_i    (e_valid),
    .e_i          ({e_mant, e_q}),
    .e_last_i     (e_last),
    .e_keep_i     (e_keep),
    .norm_valid_i (r_valid),
    .norm_i       ({r_data, r_shift}),
    .out_valid_o  (o_valid),
    .out_ready_i  (o_ready),
    .out_e_o      (e_head),
    .out_norm_o   (r_head),
    .out_last_o   (o_last),
    .out_keep_o   (o_keep)
  );

  // The exp stage closes its sum on a row's last beat alone.
  logic unused_b_first;
  assign unused_b_first = b_first;

  // ---------------------------------------------------------------------------
  // Exp/sum stage and reciprocal
  // ---------------------------------------------------------------------------
  softmax_exp #(
    .Lanes    (Lanes),
    .InWidth  (InWidth),
    .InFrac   (InFrac),
    .SumWidth (SumWidth),
    .ExpFrac  (ExpFrac),
    .Log2eFrac(Log2eFrac),
    .Entries  (Entries),
    .ExpDirect(ExpDirect),
    .Hardwired(Hardwired), .TableReset(TableReset), .BinarySearch(BinarySearch),
    .SumStages(SumStages)
  ) u_exp (
    .clk_i, .rst_ni,
    .tbl_we_i        (tbl_we_i && !tbl_sel_i),
    .tbl_idx_i,
    .tbl_breakpoint_i(tbl_breakpoint_i[exp_table_pkg::InWidth-1:0]),
    .tbl_slope_i,
    .tbl_intercept_i,
    .issue_i    (b_issue),
    .last_i     (b_last),
    .keep_i     (b_keep),
    .x_i        (x_head),
    .max_i      (m_head),
    .e_valid_o  (e_valid),
    .mant_o     (e_mant),
    .q_o        (e_q),
    .e_last_o   (e_last),
    .e_keep_o   (e_keep),
    .sum_valid_o(sum_valid),
    .sum_o      (sum)
  );

  softmax_recip #(
    .SumWidth(SumWidth),
    .OutFrac (OutFrac),
    .Entries (Entries),
    .Hardwired(Hardwired), .TableReset(TableReset), .BinarySearch(BinarySearch),
    .Serial   (SerialRecip),
    .SumDepth (EDepth)
  ) u_recip (
    .clk_i, .rst_ni,
    .tbl_we_i        (tbl_we_i && tbl_sel_i),
    .tbl_idx_i,
    .tbl_breakpoint_i(tbl_breakpoint_i[recip_table_pkg::InWidth-1:0]),
    .tbl_slope_i,
    .tbl_intercept_i,
    .sum_valid_i(sum_valid),
    .sum_i      (sum),
    .valid_o    (r_valid),
    .recip_o    (r_data),
    .shift_o    (r_shift)
  );

  // ---------------------------------------------------------------------------
  // Normalise/output stage
  // ---------------------------------------------------------------------------
  softmax_norm #(
    .Lanes     (Lanes),
    .MantWidth (MantWidth),
    .QWidth    (QWidth),
    .ShiftBias (ExpFrac - exp_table_pkg::OutFrac),
    .RecipWidth(RecipWidth),
    .ShiftWidth(ShiftWidth),
    .OutWidth  (OutWidth),
    .FrameWidth(Lanes + 1)
  ) u_norm (
    .clk_i, .rst_ni,
    .in_valid_i (o_valid),
    .in_ready_o (o_ready),
    .mant_i     (e_head[Lanes*QWidth +: Lanes*MantWidth]),
    .q_i        (e_head[Lanes*QWidth-1:0]),
    .recip_i    (r_head[ShiftWidth +: RecipWidth]),
    .shift_i    (r_head[ShiftWidth-1:0]),
    .frame_i    ({o_keep, o_last}),
    .out_valid_o, .out_ready_i, .out_data_o,
    .out_frame_o({out_keep_o, out_last_o})
  );

  // Both ports follow the stream rules (rtl/common/assert.svh); the input's are the caller's.
  `ASSERT_STREAM(InStream, in_valid_i, in_ready_o, {in_last_i, in_keep_i, in_data_i}, clk_i, !rst_ni)
  `ASSERT_STREAM(OutStream, out_valid_o, out_ready_i, {out_last_o, out_keep_o, out_data_o}, clk_i,
                 !rst_ni)

endmodule : softmax_unit
