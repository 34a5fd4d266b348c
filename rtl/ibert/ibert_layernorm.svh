// ibert_layernorm.svh: I-BERT LayerNorm's variance range (Kim et al., ICML 2021, Alg. 4 as
// models/ibert.py IntLayerNorm computes it), one spelling for the unit and its variance stage.
//
//   `IBERT_LN_SHIFT_PARAMS     MaxBit (the variance is shifted right until it fits MaxBit
//                              bits) and MinShift (the smallest shift tried)
//   `IBERT_LN_SHIFT_OVERRIDES  both set to the instantiating module's
`ifndef IBERT_LAYERNORM_SVH
`define IBERT_LAYERNORM_SVH

`define IBERT_LN_SHIFT_PARAMS \
  parameter int unsigned MaxBit = 32, \
  parameter int unsigned MinShift = 0

`define IBERT_LN_SHIFT_OVERRIDES \
  .MaxBit (MaxBit), .MinShift(MinShift)

`endif
