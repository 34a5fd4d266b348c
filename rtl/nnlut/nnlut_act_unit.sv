// nnlut_act_unit: an element-wise activation on the NN-LUT core (GELU, SiLU, ...), the fitted
// table of the build's function as its reset contents.
//
// Formats and table come from act_table_pkg, generated for the function by the flow
// (models.units.prepare_table; never edited by hand). The width parameters below default to
// the package and exist so that an integrator can state what they expect: a value that
// disagrees with the package stops elaboration, because the table contents are only valid for
// the formats they were quantized to. Change widths or ENTRIES by regenerating the package.
//
// Default formats: GELU input and output SQ16.10 ([-32, 32), LSB 2^-10); SiLU SQ16.12 ([-8, 8)).
// Latency 3 cycles (plus log2(Entries) with BinarySearch), LANES elements per cycle; see
// nnlut_core for rounding, saturation, the write port and the microarchitecture options
// (Hardwired, TableReset, BinarySearch) passed on to it.
`include "assert.svh"
`include "port_groups.svh"

module nnlut_act_unit #(
  parameter int unsigned Lanes          = 1,
  parameter int unsigned Entries        = act_table_pkg::Entries,
  parameter int unsigned InWidth        = act_table_pkg::InWidth,
  parameter int unsigned InFrac         = act_table_pkg::InFrac,
  parameter int unsigned OutWidth       = act_table_pkg::OutWidth,
  parameter int unsigned OutFrac        = act_table_pkg::OutFrac,
  `NNLUT_TABLE_OPTION_PARAMS,
  `NNLUT_TABLE_IDX_WIDTH
) (
  input  logic                        clk_i, rst_ni,
  `STREAM_IN_PORTS(Lanes*InWidth),
  `STREAM_OUT_PORTS(Lanes*OutWidth),
  `NNLUT_TABLE_WRITE_PORTS(IdxWidth, InWidth, act_table_pkg::SlopeWidth, act_table_pkg::InterceptWidth)
);

  if (Entries != act_table_pkg::Entries || InWidth != act_table_pkg::InWidth ||
      InFrac != act_table_pkg::InFrac || OutWidth != act_table_pkg::OutWidth ||
      OutFrac != act_table_pkg::OutFrac) begin : gen_check_package
    // One literal: Verilator takes a concatenated format string as a value.
    $fatal(1, "nnlut_act_unit: parameters Entries/InWidth/InFrac/OutWidth/OutFrac = %0d/%0d/%0d/%0d/%0d differ from act_table_pkg's %0d/%0d/%0d/%0d/%0d; regenerate the table with python -m flow.gen_table",
           Entries, InWidth, InFrac, OutWidth, OutFrac, act_table_pkg::Entries,
           act_table_pkg::InWidth, act_table_pkg::InFrac, act_table_pkg::OutWidth,
           act_table_pkg::OutFrac);
  end

  nnlut_core #(
    .InWidth         (InWidth),
    .InFrac          (InFrac),
    .OutWidth        (OutWidth),
    .OutFrac         (OutFrac),
    `NNLUT_PACKAGE_COEFFS(act_table_pkg),
    .Entries         (Entries),
    .Lanes           (Lanes),
    `NNLUT_PACKAGE_RESET(act_table_pkg),
    .Hardwired       (Hardwired),
    .TableReset      (TableReset),
    .BinarySearch    (BinarySearch)
  ) u_core (
    .clk_i, .rst_ni,
    .in_valid_i, .in_ready_o, .in_data_i, .out_valid_o, .out_ready_i, .out_data_o, .tbl_we_i,
    .tbl_idx_i, .tbl_breakpoint_i, .tbl_slope_i, .tbl_intercept_i
  );

  // Both ports follow the stream rules (rtl/common/assert.svh); the input's are the caller's.
  `ASSERT_STREAM(InStream, in_valid_i, in_ready_o, in_data_i, clk_i, !rst_ni)
  `ASSERT_STREAM(OutStream, out_valid_o, out_ready_i, out_data_o, clk_i, !rst_ni)

endmodule : nnlut_act_unit
