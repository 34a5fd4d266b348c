// sole_ailn.svh: the formats AILayerNorm's unit and its output stage share (Wang et al., SOLE,
// ICCAD 2023; models/sole.py AILayerNorm), one spelling for both.
//
//   `SOLE_AILN_FORMAT_PARAMS     InWidth (INT8 codes), PtfMax (the largest PTF exponent alpha),
//                                StatFrac (fraction bits of the statistics), OutWidth and OutFrac
//                                (the SQ output), BiasWidth (the folded bias, at OutFrac)
//   `SOLE_AILN_ALPHA_BITS        the localparam AlphaBits: the width of one channel's alpha
//   `SOLE_AILN_FORMAT_OVERRIDES  each format set to the same-named parameter of the instantiating
//                                module
`ifndef SOLE_AILN_SVH
`define SOLE_AILN_SVH

`define SOLE_AILN_FORMAT_PARAMS \
  parameter int unsigned InWidth = 8, \
  parameter int unsigned PtfMax = 3, \
  parameter int unsigned StatFrac = 8, \
  parameter int unsigned OutWidth = 16, \
  parameter int unsigned OutFrac = 10, \
  parameter int unsigned BiasWidth = 16

`define SOLE_AILN_ALPHA_BITS \
  localparam int unsigned AlphaBits = (PtfMax > 0) ? $clog2(PtfMax + 1) : 1

`define SOLE_AILN_FORMAT_OVERRIDES \
  .InWidth (InWidth), .PtfMax (PtfMax), .StatFrac (StatFrac), .OutWidth (OutWidth), \
  .OutFrac (OutFrac), .BiasWidth(BiasWidth)

`endif
