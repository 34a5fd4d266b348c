// layernorm_lane.svh: the parameters of one LayerNorm output lane (layernorm_lane), which
// layernorm_norm declares again and passes through to each of its lanes unchanged.
//
//   `LAYERNORM_LANE_PARAMS      the lane's parameters with their defaults (see layernorm_lane);
//                               BetaAlign is beta's left shift onto y*gamma's binary point,
//                               OutShift the bits dropped to the output
//   `LAYERNORM_LANE_OVERRIDES   each of them set to the same-named parameter of the instantiating
//                               module
`ifndef NNLUT_LAYERNORM_LANE_SVH
`define NNLUT_LAYERNORM_LANE_SVH

`define LAYERNORM_LANE_PARAMS \
  parameter int unsigned Dim = 384, \
  parameter int unsigned InWidth = 16, \
  parameter int unsigned S1Width = 25, \
  parameter int unsigned NumWidth = 26, \
  parameter int unsigned RWidth = 18, \
  parameter int unsigned ShiftWidth = 5, \
  parameter int unsigned YWidth = 21, \
  parameter int unsigned GammaWidth = 16, \
  parameter int unsigned BetaWidth = 16, \
  parameter int unsigned BetaAlign = 16, \
  parameter int unsigned OutShift = 16, \
  parameter int unsigned OutWidth = 16, \
  parameter int unsigned GammaFrac = 12, \
  parameter bit Affine = 1'b1

`define LAYERNORM_LANE_OVERRIDES \
      .Dim (Dim), \
      .InWidth (InWidth), \
      .S1Width (S1Width), \
      .NumWidth (NumWidth), \
      .RWidth (RWidth), \
      .ShiftWidth(ShiftWidth), \
      .YWidth (YWidth), \
      .GammaWidth(GammaWidth), \
      .BetaWidth (BetaWidth), \
      .BetaAlign (BetaAlign), \
      .OutShift (OutShift), \
      .OutWidth (OutWidth), \
      .GammaFrac (GammaFrac), \
      .Affine (Affine)

`endif
