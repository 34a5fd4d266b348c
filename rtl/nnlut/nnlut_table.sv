// nnlut_table: the piecewise-linear coefficient table, in one of three forms.
//
// Programmable (Hardwired = 0): Entries registers of {breakpoint, slope, intercept}. One write
// port updates a whole entry per cycle; the new value is visible on the outputs after the clock
// edge. Writes with tbl_idx_i >= Entries (possible when Entries is not a power of two) are
// dropped. With TableReset = 1 the registers reset to the packed parameter contents (entry k at
// [k*W +: W]); with TableReset = 0 they have no reset (plain flip-flops, about half the area) and
// hold nothing meaningful until software writes every entry.
// Hardwired (Hardwired = 1): the parameter contents as constants, no storage; the write port is
// ignored. Synthesis folds the constants into the comparators and the coefficient selection.
// The whole table is exposed as packed vectors so any number of lanes can read it in parallel.

`include "port_groups.svh"

module nnlut_table #(
  parameter  int unsigned                        Entries          = 16,
  parameter  int unsigned                        InWidth          = 16,
  parameter  int unsigned                        SlopeWidth       = 16,
  parameter  int unsigned                        InterceptWidth   = 20,
  `NNLUT_TABLE_RESET_PARAMS,
  parameter  bit                                 Hardwired        = 1'b0,
  parameter  bit                                 TableReset       = 1'b1,
  `NNLUT_TABLE_IDX_WIDTH
) (
  input  logic                                clk_i, rst_ni,
  `NNLUT_TABLE_WRITE_PORTS(IdxWidth, InWidth, SlopeWidth, InterceptWidth),
  output logic [Entries*InWidth-1:0]          breakpoints_o,
  output logic [Entries*SlopeWidth-1:0]       slopes_o,
  output logic [Entries*InterceptWidth-1:0]   intercepts_o
);

  if (Entries < 2) begin : gen_check_entries
    $fatal(1, "nnlut_table: Entries must be >= 2 (got %0d)", Entries);
  end
  // A hardwired table has no registers to leave unreset; the combination is a configuration slip.
  if (Hardwired && !TableReset) begin : gen_check_kind
    $fatal(1, "nnlut_table: Hardwired = 1 needs TableReset = 1 (a hardwired table has no registers)");
  end

  if (Hardwired) begin : gen_hardwired
    assign breakpoints_o = ResetBreakpoints;
    assign slopes_o      = ResetSlopes;
    assign intercepts_o  = ResetIntercepts;

    logic unused_write_port;
    assign unused_write_port = ^{clk_i, rst_ni, tbl_we_i, tbl_idx_i, tbl_breakpoint_i, tbl_slope_i,
                                 tbl_intercept_i};
  end else begin : gen_programmable
    for (genvar e = 0; e < Entries; e++) begin : gen_entry
      logic                      we;
      logic [InWidth-1:0]        breakpoint_q;
      logic [SlopeWidth-1:0]     slope_q;
      logic [InterceptWidth-1:0] intercept_q;

      // Comparing against each entry's own index (rather than range-checking the index)
      // makes out-of-range writes match no entry.
      assign we = tbl_we_i && (tbl_idx_i == IdxWidth'(e));

      if (TableReset) begin : gen_reset
        always_ff @(posedge clk_i or negedge rst_ni) begin
          if (!rst_ni) begin
            breakpoint_q <= ResetBreakpoints[e*InWidth +: InWidth];
            slope_q      <= ResetSlopes[e*SlopeWidth +: SlopeWidth];
            intercept_q  <= ResetIntercepts[e*InterceptWidth +: InterceptWidth];
          end else if (we) begin
            breakpoint_q <= tbl_breakpoint_i;
            slope_q      <= tbl_slope_i;
            intercept_q  <= tbl_intercept_i;
          end
        end
      end else begin : gen_no_reset
        always_ff @(posedge clk_i) begin
          if (we) begin
            breakpoint_q <= tbl_breakpoint_i;
            slope_q      <= tbl_slope_i;
            intercept_q  <= tbl_intercept_i;
          end
        end
      end

      assign breakpoints_o[e*InWidth +: InWidth]              = breakpoint_q;
      assign slopes_o[e*SlopeWidth +: SlopeWidth]             = slope_q;
      assign intercepts_o[e*InterceptWidth +: InterceptWidth] = intercept_q;
    end

    if (!TableReset) begin : gen_unused_reset
      logic unused_rst;
      assign unused_rst = rst_ni;
    end
  end

endmodule
