// sole_e2softmax.svh: the parameter groups E2Softmax's unit shares with its stages (Wang et al.,
// SOLE, ICCAD 2023; models/sole.py E2Softmax), one spelling for each; the defaults are the unit's.
//
//   `SOLE_E2_CODE_PARAMS        InWidth/InFrac (the SQ input), CodeBits (the log2 code's width),
//                               CodeNearest (round the code to nearest): sole_e2softmax_code
//   `SOLE_E2_RECIP_PARAMS       MantBits (the sum's mantissa), RecipFrac (the reciprocal's
//                               fraction), CorrEntries and CorrTable (the correction table,
//                               entry k at [k*RecipFrac +: RecipFrac]): sole_e2softmax_recip
//   `SOLE_E2_OUT_PARAMS         OutFrac and OutWidth (the unsigned output): sole_e2softmax_out
//   `SOLE_E2_*_OVERRIDES        each group's parameters set to the instantiating module's
`ifndef SOLE_E2SOFTMAX_SVH
`define SOLE_E2SOFTMAX_SVH

`define SOLE_E2_CODE_PARAMS \
  parameter int unsigned InWidth = 16, \
  parameter int unsigned InFrac = 11, \
  parameter int unsigned CodeBits = 4, \
  parameter bit CodeNearest = 1'b0

`define SOLE_E2_CODE_OVERRIDES \
  .InWidth (InWidth), .InFrac (InFrac), .CodeBits (CodeBits), .CodeNearest(CodeNearest)

`define SOLE_E2_RECIP_PARAMS \
  parameter int unsigned MantBits = 5, \
  parameter int unsigned RecipFrac = 10, \
  parameter int unsigned CorrEntries = 8, \
  parameter logic [((CorrEntries > 0) ? CorrEntries : 1)*RecipFrac-1:0] CorrTable = \
      80'h05c331245817c5b12023

`define SOLE_E2_RECIP_OVERRIDES \
  .MantBits (MantBits), .RecipFrac (RecipFrac), .CorrEntries(CorrEntries), .CorrTable (CorrTable)

`define SOLE_E2_OUT_PARAMS \
  parameter int unsigned OutFrac = 8, \
  parameter int unsigned OutWidth = OutFrac

`define SOLE_E2_OUT_OVERRIDES \
  .OutFrac (OutFrac), .OutWidth(OutWidth)

`endif
