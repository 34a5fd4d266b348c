// nnlut_core: streaming piecewise-linear function unit (NN-LUT), Lanes lanes wide.
//
// For every lane: k = #{ j in 1..Entries-1 : x >= bp[j] } (signed), then
//   y = sat_OutWidth( round_half_up( s[k] * x + t[k] ) )
// in two's complement fixed point (value = code * 2^-Frac): x and breakpoints are
// (InWidth, InFrac), slopes (SlopeWidth, SlopeFrac), intercepts
// (InterceptWidth, InterceptFrac), y (OutWidth, OutFrac). The sum is formed exactly on
// ProdFrac = SlopeFrac + InFrac fraction bits, then RoundShift = ProdFrac - OutFrac bits
// are dropped by adding 2^(RoundShift-1) and shifting arithmetically (ties towards
// +infinity), and the result is clamped to the OutWidth range.
//
// Lane l uses in_data_i[l*InWidth +: InWidth] and out_data_o[l*OutWidth +: OutWidth].
// All lanes share one handshake, one table and one stream_pipe_ctrl.
//
// Latency: the localparam Latency (= 3, or 3 + log2(Entries) with BinarySearch) is the number
// of clock edges from an input handshake to the earliest matching output handshake: with the
// default, an input accepted at edge n makes out_valid_o high after edge n+2, so it can leave
// at edge n+3. With out_ready_i held high the core accepts and delivers one element per cycle.
// in_ready_o is combinational from out_ready_i (see stream_pipe_ctrl).
//
// Table: programmable with reset contents (the default), programmable without reset
// (TableReset = 0: software writes every entry after reset), or hardwired (Hardwired = 1: the
// reset contents as constants, the write port ignored). Updates of a programmable table: with
// parallel comparators the table is read only when an input is accepted (stage 0 captures
// s[k] and t[k] together with x), so a write at edge n affects inputs accepted at edges after
// n and elements already in flight keep the coefficients they were accepted with; with
// BinarySearch each search level reads breakpoints as the element passes it, so write the
// table while the core is idle. Writes with tbl_idx_i >= Entries are ignored. Entry 0's
// breakpoint is stored but unused: segment 0 extends to -infinity.

`include "port_groups.svh"

module nnlut_core #(
  // Input, output, slope and intercept formats (width, fraction bits)
  `NNLUT_CORE_FORMAT_PARAMS(16, 12, 16, 12, 16, 14, 20, 16),
  parameter  int unsigned                        Entries          = 16,
  parameter  int unsigned                        Lanes            = 1,
  // Entry k at [k*W +: W]
  `NNLUT_TABLE_RESET_PARAMS,
  // Microarchitecture (see nnlut_table and nnlut_lane): a hardwired table, a programmable one
  // without reset, and a pipelined binary search for the segment.
  `NNLUT_TABLE_OPTION_PARAMS,
  // Guarded so that Entries < 2 reaches its $fatal instead of a negative port range.
  `NNLUT_TABLE_IDX_WIDTH
) (
  input  logic                              clk_i, rst_ni,

  `STREAM_IN_PORTS(Lanes*InWidth),

  `STREAM_OUT_PORTS(Lanes*OutWidth),

  `NNLUT_TABLE_WRITE_PORTS(IdxWidth, InWidth, SlopeWidth, InterceptWidth)
);

  // Input handshake edge to earliest output handshake edge; equals the number of
  // register stages because stage i loads one edge after stage i-1: 3, plus log2(Entries)
  // with the binary search.
  localparam int unsigned Latency = 3 + (BinarySearch ? IdxWidth : 0);

  // ---------------------------------------------------------------------------
  // Derived arithmetic sizes
  // ---------------------------------------------------------------------------
  // Clamped at 0 so an illegal InterceptFrac/OutFrac reaches its $fatal below rather
  // than producing a ~2^32-bit vector.
  `NNLUT_CORE_SHIFTS
  // Exact signed product s*x.
  localparam int unsigned ProdWidth  = SlopeWidth + InWidth;
  // t <<< AlignShift.
  localparam int unsigned AlignedInterceptWidth = InterceptWidth + AlignShift;
  // Exact sum of the two: |s*x| <= 2^(ProdWidth-2) and |t <<< AlignShift| <=
  // 2^(AlignedInterceptWidth-1), so the sum fits ProdWidth bits when the product is the wider
  // operand (ProdWidth > AlignedInterceptWidth), else one carry bit above the intercept.
  localparam int unsigned SumWidth   =
      (ProdWidth > AlignedInterceptWidth) ? ProdWidth : AlignedInterceptWidth + 1;
  // Sum plus the rounding constant 2^(RoundShift-1) (one more carry bit). This is the
  // widest intermediate the bit-accurate model needs, hence the 64-bit limit.
  localparam int unsigned AccWidth   = SumWidth + 1;

  // ---------------------------------------------------------------------------
  // Parameter checks
  // ---------------------------------------------------------------------------
  if (Entries < 2) begin : gen_check_entries
    $fatal(1, "nnlut_core: Entries must be >= 2 (got %0d)", Entries);
  end
  if (Lanes < 1) begin : gen_check_lanes
    $fatal(1, "nnlut_core: Lanes must be >= 1 (got %0d)", Lanes);
  end
  if (InWidth < 2 || OutWidth < 2 || SlopeWidth < 2 || InterceptWidth < 2) begin : gen_check_widths
    // One literal: Verilator takes a concatenated format string as a value.
    $fatal(1, "nnlut_core: InWidth, OutWidth, SlopeWidth and InterceptWidth must be >= 2 (got %0d, %0d, %0d, %0d)",
           InWidth, OutWidth, SlopeWidth, InterceptWidth);
  end
  if (InFrac > 62) begin : gen_check_in_frac
    $fatal(1, "nnlut_core: InFrac must be <= 62 (got %0d)", InFrac);
  end
  if (InterceptFrac > ProdFrac) begin : gen_check_intercept_frac
    $fatal(1, "nnlut_core: InterceptFrac (%0d) must be <= SlopeFrac + InFrac (%0d + %0d)",
           InterceptFrac, SlopeFrac, InFrac);
  end
  if (OutFrac > ProdFrac) begin : gen_check_out_frac
    $fatal(1, "nnlut_core: OutFrac (%0d) must be <= SlopeFrac + InFrac (%0d + %0d)",
           OutFrac, SlopeFrac, InFrac);
  end
  if (AccWidth > 64) begin : gen_check_acc_width
    // The format is split into %s pieces only to respect the line length limit.
    $fatal(1, "nnlut_core: AccWidth must be <= 64 (got %0d)%s%s(%0d+%0d, %0d+%0d+%0d-%0d+1)+1",
           AccWidth, "; AccWidth = max(SlopeWidth+InWidth, InterceptWidth+SlopeFrac+InFrac",
           "-InterceptFrac+1)+1 = max",
           SlopeWidth, InWidth, InterceptWidth, SlopeFrac, InFrac, InterceptFrac);
  end

  // ---------------------------------------------------------------------------
  // Handshake
  // ---------------------------------------------------------------------------
  logic [Latency-1:0] en;

  stream_pipe_ctrl #(
    .Stages(Latency)
  ) u_pipe_ctrl (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .in_valid_i (in_valid_i),
    .in_ready_o (in_ready_o),
    .out_valid_o(out_valid_o),
    .out_ready_i(out_ready_i),
    .en_o       (en)
  );

  // ---------------------------------------------------------------------------
  // Shared table
  // ---------------------------------------------------------------------------
  `NNLUT_TABLE_CONTENTS

  nnlut_table #(
    `NNLUT_TABLE_OVERRIDES
  ) u_table (
    .clk_i           (clk_i),
    .rst_ni          (rst_ni),
    .tbl_we_i        (tbl_we_i),
    .tbl_idx_i       (tbl_idx_i),
    .tbl_breakpoint_i(tbl_breakpoint_i),
    .tbl_slope_i     (tbl_slope_i),
    .tbl_intercept_i (tbl_intercept_i),
    .breakpoints_o   (tbl_breakpoints),
    .slopes_o        (tbl_slopes),
    .intercepts_o    (tbl_intercepts)
  );

  // Segment 0 has no lower bound, so entry 0's breakpoint never reaches a comparator;
  // it stays in the table only to keep the write port and the layout uniform.
  logic unused_breakpoint0;
  assign unused_breakpoint0 = ^tbl_breakpoints[InWidth-1:0];

  // ---------------------------------------------------------------------------
  // Lanes
  // ---------------------------------------------------------------------------
  for (genvar l = 0; l < Lanes; l++) begin : gen_lane
    nnlut_lane #(
      .Entries       (Entries),
      .InWidth       (InWidth),
      .SlopeWidth    (SlopeWidth),
      .InterceptWidth(InterceptWidth),
      .OutWidth      (OutWidth),
      .AlignShift    (AlignShift),
      .RoundShift    (RoundShift),
      .SumWidth      (SumWidth),
      .BinarySearch  (BinarySearch)
    ) u_lane (
      .clk_i        (clk_i),
      .en_i         (en),
      .x_i          (in_data_i[l*InWidth +: InWidth]),
      .breakpoints_i(tbl_breakpoints[Entries*InWidth-1:InWidth]),
      .slopes_i     (tbl_slopes),
      .intercepts_i (tbl_intercepts),
      .y_o          (out_data_o[l*OutWidth +: OutWidth])
    );
  end

endmodule
