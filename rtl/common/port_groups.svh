// port_groups.svh: the port and parameter groups that many modules of the project declare
// alike, one spelling each.
//
// Streams follow AXI-Stream's rules (assert.svh checks them): valid/ready, data, and on row
// streams last (the row's final beat) and keep (one bit per lane). Every unit's top declares its
// streams through these macros, so the names the shared testbench drives (in_*, out_*) are the
// same in every unit by construction.
//
//   `STREAM_IN_HANDSHAKE              in_valid_i, in_ready_o
//   `STREAM_OUT_HANDSHAKE             out_valid_o, out_ready_i
//   `STREAM_IN_PORTS(Bits)            the input handshake and in_data_i [Bits-1:0]
//   `STREAM_OUT_PORTS(Bits)           the output handshake and out_data_o [Bits-1:0]
//   `ROW_STREAM_IN_PORTS(Bits, Lanes)   STREAM_IN_PORTS, in_last_i and in_keep_i [Lanes-1:0]
//   `ROW_STREAM_OUT_PORTS(Bits, Lanes)  STREAM_OUT_PORTS, out_last_o and out_keep_o [Lanes-1:0]
//   `TAGGED_STREAM_IN(TagBits)        the input handshake and tag_i [TagBits-1:0], a word the
//   `TAGGED_STREAM_OUT(TagBits)       unit carries unchanged beside its operands (seq_divider,
//                                     seq_isqrt): the output handshake and tag_o
//   `CHANNEL_PARAM_WRITE_PORTS(IdxBits)  param_we_i, param_idx_i [IdxBits-1:0]: the write port of
//                                     a row unit's per-channel constants (channel_regs), beside
//                                     the unit's own data ports
//
// The NN-LUT table (nnlut_table) and everything that passes its options or its write port on:
//
//   `NNLUT_TABLE_RESET_PARAMS         ResetBreakpoints/Slopes/Intercepts (entry k at [k*W +: W]);
//                                     needs Entries, InWidth, SlopeWidth, InterceptWidth
//   `NNLUT_TABLE_OPTION_PARAMS        Hardwired, TableReset, BinarySearch (see nnlut_lane)
//   `NNLUT_TABLE_WRITE_PORTS(IdxBits, BreakpointBits, SlopeBits, InterceptBits)
//                                     tbl_we_i, tbl_idx_i, tbl_breakpoint_i, tbl_slope_i,
//                                     tbl_intercept_i
//   `NNLUT_TABLE_IDX_WIDTH            the localparam IdxWidth: bits of a table index (1 for a
//                                     one-entry table); needs Entries
//   `NNLUT_TABLE_CONTENTS             tbl_breakpoints, tbl_slopes, tbl_intercepts: the table's
//                                     contents as nnlut_table outputs them to a core
//   `NNLUT_TABLE_OVERRIDES            nnlut_table's parameters, each set to the same-named
//                                     parameter of the module that instantiates it
//
// The NN-LUT cores (nnlut_core, nnlut_serial_core):
//
//   `NNLUT_CORE_FORMAT_PARAMS(InW, InF, OutW, OutF, SlopeW, SlopeF, InterceptW, InterceptF)
//                                     InWidth/InFrac, OutWidth/OutFrac, SlopeWidth/SlopeFrac and
//                                     InterceptWidth/InterceptFrac, defaulting to the arguments
//   `NNLUT_CORE_SHIFTS                the localparams ProdFrac (fraction bits of s*x),
//                                     AlignShift (intercept onto the product's point) and
//                                     RoundShift (product's point onto the output's), clamped at
//                                     0 so that an illegal format reaches the core's $fatal
//
// No group ends in a comma: write one after the macro where more ports or parameters follow.
//
// The cost cache keys a configuration on what synthesis reads, with these macros expanded
// (flow/synth_view.py): writing ports through a macro or out by hand gives the same key.
`ifndef NNLUT_PORT_GROUPS_SVH
`define NNLUT_PORT_GROUPS_SVH

`define STREAM_IN_HANDSHAKE \
  input  logic in_valid_i, \
  output logic in_ready_o

`define STREAM_OUT_HANDSHAKE \
  output logic out_valid_o, \
  input  logic out_ready_i

`define STREAM_IN_PORTS(__bits) \
  `STREAM_IN_HANDSHAKE, \
  input  logic [__bits-1:0] in_data_i

`define STREAM_OUT_PORTS(__bits) \
  `STREAM_OUT_HANDSHAKE, \
  output logic [__bits-1:0] out_data_o

`define ROW_STREAM_IN_PORTS(__bits, __lanes) \
  `STREAM_IN_PORTS(__bits), \
  input  logic in_last_i, \
  input  logic [__lanes-1:0] in_keep_i

`define ROW_STREAM_OUT_PORTS(__bits, __lanes) \
  `STREAM_OUT_PORTS(__bits), \
  output logic out_last_o, \
  output logic [__lanes-1:0] out_keep_o

`define TAGGED_STREAM_IN(__tag_bits) \
  `STREAM_IN_HANDSHAKE, \
  input  logic [__tag_bits-1:0] tag_i

`define TAGGED_STREAM_OUT(__tag_bits) \
  `STREAM_OUT_HANDSHAKE, \
  output logic [__tag_bits-1:0] tag_o

`define CHANNEL_PARAM_WRITE_PORTS(__idx_bits) \
  input  logic param_we_i, \
  input  logic [__idx_bits-1:0] param_idx_i

`define NNLUT_TABLE_RESET_PARAMS \
  parameter logic [Entries*InWidth-1:0] ResetBreakpoints = '0, \
  parameter logic [Entries*SlopeWidth-1:0] ResetSlopes = '0, \
  parameter logic [Entries*InterceptWidth-1:0] ResetIntercepts = '0

`define NNLUT_TABLE_OPTION_PARAMS \
  parameter bit Hardwired = 1'b0, \
  parameter bit TableReset = 1'b1, \
  parameter bit BinarySearch = 1'b0

`define NNLUT_TABLE_WRITE_PORTS(__idx_bits, __bp_bits, __slope_bits, __icpt_bits) \
  input  logic tbl_we_i, \
  input  logic [__idx_bits-1:0] tbl_idx_i, \
  input  logic [__bp_bits-1:0] tbl_breakpoint_i, \
  input  logic [__slope_bits-1:0] tbl_slope_i, \
  input  logic [__icpt_bits-1:0] tbl_intercept_i

`define NNLUT_TABLE_IDX_WIDTH \
  localparam int unsigned IdxWidth = (Entries > 1) ? $clog2(Entries) : 1

`define NNLUT_CORE_FORMAT_PARAMS(__in_w, __in_f, __out_w, __out_f, __slope_w, __slope_f, __icpt_w, __icpt_f) \
  parameter int unsigned InWidth = __in_w, \
  parameter int unsigned InFrac = __in_f, \
  parameter int unsigned OutWidth = __out_w, \
  parameter int unsigned OutFrac = __out_f, \
  parameter int unsigned SlopeWidth = __slope_w, \
  parameter int unsigned SlopeFrac = __slope_f, \
  parameter int unsigned InterceptWidth = __icpt_w, \
  parameter int unsigned InterceptFrac = __icpt_f

`define NNLUT_CORE_SHIFTS \
  localparam int unsigned ProdFrac = SlopeFrac + InFrac; \
  localparam int unsigned AlignShift = (InterceptFrac <= ProdFrac) ? ProdFrac - InterceptFrac : 0; \
  localparam int unsigned RoundShift = (OutFrac <= ProdFrac) ? ProdFrac - OutFrac : 0;

`define NNLUT_TABLE_CONTENTS \
  logic [Entries*InWidth-1:0] tbl_breakpoints; \
  logic [Entries*SlopeWidth-1:0] tbl_slopes; \
  logic [Entries*InterceptWidth-1:0] tbl_intercepts;

`define NNLUT_TABLE_OVERRIDES \
    .Entries (Entries), \
    .InWidth (InWidth), \
    .SlopeWidth (SlopeWidth), \
    .InterceptWidth (InterceptWidth), \
    .ResetBreakpoints(ResetBreakpoints), \
    .ResetSlopes (ResetSlopes), \
    .ResetIntercepts (ResetIntercepts), \
    .Hardwired (Hardwired), \
    .TableReset (TableReset)

// A core's coefficient formats and its reset contents, as the table package the generator wrote
// for it names them (flow gen, models.nnlut); Entries sits between the two in the core's list.
`define NNLUT_PACKAGE_COEFFS(__pkg) \
    .SlopeWidth (__pkg::SlopeWidth), \
    .SlopeFrac (__pkg::SlopeFrac), \
    .InterceptWidth (__pkg::InterceptWidth), \
    .InterceptFrac (__pkg::InterceptFrac)

`define NNLUT_PACKAGE_RESET(__pkg) \
    .ResetBreakpoints(__pkg::Breakpoints), \
    .ResetSlopes (__pkg::Slopes), \
    .ResetIntercepts (__pkg::Intercepts)

`endif
