// softmax_recip: reciprocal of a row sum on the NN-LUT core (bit-exact with models/softmax.py).
//
// S is normalised by its leading-zero count: pos = floor(log2 S) and the mantissa
// m = floor(S * 2^RecipInFrac / 2^pos) lies in [1, 2), the range of recip_table_pkg's table.
// With R = max(table(m), 0) (RecipOutFrac fraction bits), 1/S ~ R * 2^-(pos + RecipOutFrac)
// in units of S's LSB, so the normalise stage multiplies e by R and shifts right by
// shift_o = pos + RecipOutFrac - OutFrac to land on OutFrac output bits. A zero sum (no
// fitted exp table produces one) gives recip_o = 0, so its row outputs zeros.
//
// Pipelined (Serial = 0): no stall; a sum presented in cycle c is registered at c+1, normalised
// into the core's input register at c+2, and leaves the core (3 stages) as valid_o during cycle
// c+5 (log2(Entries) cycles later with BinarySearch). One reciprocal per cycle.
//
// Serial = 1: the sums wait in a FIFO of SumDepth entries (the caller guarantees no more are
// outstanding) for nnlut_serial_core, which searches one breakpoint and multiplies one slope
// bit per cycle: a sum at the head of an idle FIFO in cycle c is taken at the edge ending it
// and its reciprocal is valid_o during cycle c + 1 + SerialCycles (SerialCycles =
// log2(Entries) + SlopeWidth), one reciprocal per SerialCycles + 1 cycles. For a table read
// once per row this trades the core's comparators and multiplier for a FIFO, a comparator and
// an adder; rows shorter than SerialCycles + 1 beats then come at most one per that many
// cycles.
`include "port_groups.svh"

module softmax_recip #(
  parameter  int unsigned SumWidth   = 34,
  parameter  int unsigned OutFrac    = 16,
  parameter  int unsigned Entries    = 16,
  `NNLUT_TABLE_OPTION_PARAMS,
  parameter  bit          Serial       = 1'b0,
  parameter  int unsigned SumDepth     = 2,
  localparam int unsigned RecipWidth = recip_table_pkg::OutFrac + 1,
  localparam int unsigned ShiftWidth = $clog2(SumWidth + recip_table_pkg::OutFrac - OutFrac),
  `NNLUT_TABLE_IDX_WIDTH
) (
  input  logic                  clk_i, rst_ni,
  `NNLUT_TABLE_WRITE_PORTS(IdxWidth, recip_table_pkg::InWidth, recip_table_pkg::SlopeWidth, recip_table_pkg::InterceptWidth),
  input  logic                  sum_valid_i,
  input  logic [SumWidth-1:0]   sum_i,
  output logic                  valid_o,
  output logic [RecipWidth-1:0] recip_o,
  output logic [ShiftWidth-1:0] shift_o
);

  localparam int unsigned TblInWidth  = recip_table_pkg::InWidth;
  localparam int unsigned TblInFrac   = recip_table_pkg::InFrac;
  localparam int unsigned TblOutWidth = recip_table_pkg::OutWidth;
  localparam int unsigned TblOutFrac  = recip_table_pkg::OutFrac;
  localparam int unsigned LzcWidth    = $clog2(SumWidth + 1);

  if (recip_table_pkg::Entries != Entries) begin : gen_check_entries
    $fatal(1, "softmax_recip: Entries (%0d) differs from recip_table_pkg's (%0d); regenerate the tables",
           Entries, recip_table_pkg::Entries);
  end
  if (TblInWidth != TblInFrac + 2 || TblOutWidth != TblOutFrac + 2) begin : gen_check_formats
    $fatal(1, "softmax_recip: recip table formats must be SQ(f+2).f in and out, got SQ%0d.%0d -> SQ%0d.%0d",
           TblInWidth, TblInFrac, TblOutWidth, TblOutFrac);
  end
  if (SumWidth < TblInFrac + 1) begin : gen_check_sum_width
    $fatal(1, "softmax_recip: SumWidth (%0d) must hold the mantissa's %0d bits", SumWidth,
           TblInFrac + 1);
  end
  if (TblOutFrac < OutFrac) begin : gen_check_out_frac
    $fatal(1, "softmax_recip: recip table OutFrac (%0d) must be >= the unit's OutFrac (%0d)",
           TblOutFrac, OutFrac);
  end

  // ---------------------------------------------------------------------------
  // The sum to normalise: a register (pipelined) or the head of the FIFO (serial)
  // ---------------------------------------------------------------------------
  logic                valid_r0, last_r0, take_r0;
  logic [SumWidth-1:0] sum_r0;

  if (Serial) begin : gen_sum_fifo
    logic [$clog2(SumDepth + 1)-1:0] count;

    stream_fifo #(
      .Width(SumWidth),
      .Depth(SumDepth)
    ) u_sums (
      .clk_i, .rst_ni,
      .push_i (sum_valid_i),
      .data_i (sum_i),
      .pop_i  (take_r0),
      .data_o (sum_r0),
      .count_o(count)
    );

    assign valid_r0 = (count != '0);
    assign last_r0  = 1'b1;
  end else begin : gen_sum_stage
    beat_stage #(.Width(SumWidth)) u_stage_r0 (
      .clk_i, .rst_ni, .valid_i(sum_valid_i), .last_i(1'b1), .data_i(sum_i),
      .valid_o(valid_r0), .last_o(last_r0), .data_o(sum_r0));

    logic unused_take;
    assign unused_take = take_r0;
  end

  // ---------------------------------------------------------------------------
  // Normalisation: leading one to the top, then keep it and TblInFrac bits below it
  // ---------------------------------------------------------------------------
  logic [LzcWidth-1:0]   lz;
  logic                  zero;
  logic [SumWidth-1:0]   norm;
  logic [TblInWidth-1:0] mant_d;
  logic [ShiftWidth-1:0] shift_d;

  lzc #(
    .Width(SumWidth)
  ) u_lzc (
    .data_i(sum_r0),
    .cnt_o (lz),
    .zero_o(zero)
  );

  assign norm    = sum_r0 << lz;
  assign mant_d  = {1'b0, norm[SumWidth-1 -: TblInFrac + 1]};

  // The bits below the mantissa are truncated (the model does the same).
  if (SumWidth > TblInFrac + 1) begin : gen_norm_tail
    logic unused_norm_tail;
    assign unused_norm_tail = ^norm[SumWidth-TblInFrac-2:0];
  end
  // pos + TblOutFrac - OutFrac with pos = SumWidth - 1 - lz (lz <= SumWidth - 1 when S != 0).
  assign shift_d = zero ? ShiftWidth'(TblOutFrac - OutFrac) :
                   ShiftWidth'(SumWidth - 1 + TblOutFrac - OutFrac) - ShiftWidth'(lz);

  logic                   r_valid, zero_dly;
  logic [ShiftWidth-1:0]  shift_dly;
  logic [TblOutWidth-1:0] r_data;

  if (Serial) begin : gen_serial
    // -------------------------------------------------------------------------
    // One reciprocal at a time; shift and zero wait beside it
    // -------------------------------------------------------------------------
    logic core_ready;

    nnlut_serial_core #(
      .InWidth (TblInWidth), .InFrac (TblInFrac), .OutWidth (TblOutWidth), .OutFrac (TblOutFrac),
      `NNLUT_PACKAGE_COEFFS(recip_table_pkg),
      .Entries         (Entries),
      `NNLUT_PACKAGE_RESET(recip_table_pkg),
      .Hardwired       (Hardwired),
      .TableReset      (TableReset)
    ) u_core (
      .clk_i, .rst_ni,
      .in_valid_i (valid_r0), .in_ready_o (core_ready), .in_data_i (mant_d),
      .out_valid_o (r_valid), .out_ready_i (1'b1), .out_data_o (r_data),
      .tbl_we_i, .tbl_idx_i, .tbl_breakpoint_i, .tbl_slope_i, .tbl_intercept_i
    );

    assign take_r0 = valid_r0 && core_ready;

    always_ff @(posedge clk_i) begin
      if (take_r0) begin
        shift_dly <= shift_d;
        zero_dly  <= zero;
      end
    end

    logic unused_serial;
    assign unused_serial = last_r0 ^ BinarySearch;
  end else begin : gen_pipelined
    // -------------------------------------------------------------------------
    // Stage r1 and the core (CoreLatency stages); shift and zero pass the same stages beside it.
    // -------------------------------------------------------------------------
    localparam int unsigned CoreLatency = 3 + (BinarySearch ? IdxWidth : 0);

    logic                  valid_r1_q, last_r1, zero_r1_q, beside_valid, beside_last;
    logic [TblInWidth-1:0] mant_r1_q;
    logic [ShiftWidth-1:0] shift_r1_q;
    logic                  core_in_ready;

    beat_stage #(.Width(TblInWidth + ShiftWidth + 1)) u_stage_r1 (
      .clk_i, .rst_ni, .valid_i(valid_r0), .last_i(last_r0), .data_i({mant_d, shift_d, zero}),
      .valid_o(valid_r1_q), .last_o(last_r1), .data_o({mant_r1_q, shift_r1_q, zero_r1_q}));

    beat_stage #(.Width(ShiftWidth + 1), .Stages(CoreLatency)) u_beside_core (
      .clk_i, .rst_ni, .valid_i(valid_r1_q), .last_i(last_r1), .data_i({shift_r1_q, zero_r1_q}),
      .valid_o(beside_valid), .last_o(beside_last), .data_o({shift_dly, zero_dly}));

    nnlut_core #(
      .InWidth (TblInWidth), .InFrac (TblInFrac), .OutWidth (TblOutWidth), .OutFrac (TblOutFrac),
      `NNLUT_PACKAGE_COEFFS(recip_table_pkg),
      .Entries         (Entries),
      .Lanes           (1),
      `NNLUT_PACKAGE_RESET(recip_table_pkg),
      .Hardwired       (Hardwired),
      .TableReset      (TableReset),
      .BinarySearch    (BinarySearch)
    ) u_core (
      .clk_i, .rst_ni,
      .in_valid_i (valid_r1_q), .in_ready_o (core_in_ready), .in_data_i (mant_r1_q),
      .out_valid_o (r_valid), .out_ready_i (1'b1), .out_data_o (r_data),
      .tbl_we_i, .tbl_idx_i, .tbl_breakpoint_i, .tbl_slope_i, .tbl_intercept_i
    );

    assign take_r0 = valid_r0;

    // The core's ready is constantly high here because its output is never stalled, so its
    // output valid and the delay line's coincide (every sum ends its own "row").
    logic unused_core;
    assign unused_core = core_in_ready ^ beside_valid ^ beside_last;
  end

  assign valid_o = r_valid;
  // A negative table value (none in a fitted 1/x table) counts as 0, like a zero sum.
  assign recip_o = (zero_dly || r_data[TblOutWidth-1]) ? '0 :
                   r_data[RecipWidth-1:0];
  assign shift_o = shift_dly;

endmodule : softmax_recip
