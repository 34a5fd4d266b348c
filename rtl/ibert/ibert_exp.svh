// ibert_exp.svh: the constants of I-BERT's i-exp (Kim et al., ICML 2021, Alg. 2), one spelling
// for ibert_exp_lane and the unit that instantiates it (models/ibert.py IntExp computes them for
// an input format; tb/ibert_softmax sets them). The defaults are those of the SQ16.9 input.
//
//   `IBERT_EXP_PARAMS      X0Mag (|x0| = ln 2 in input LSBs), MaxQ (the clamp on z), BInt and
//                          CInt (the polynomial's b and c), Mult and ReqShift (the requantizing
//                          multiplier), ExpBits (the e16 code's width)
//   `IBERT_EXP_OVERRIDES   each of them set to the same-named parameter of the instantiating module
`ifndef IBERT_EXP_SVH
`define IBERT_EXP_SVH

`define IBERT_EXP_PARAMS \
  parameter longint unsigned X0Mag = 64'd355, \
  parameter int unsigned MaxQ = 30, \
  parameter longint unsigned BInt = 64'd692, \
  parameter longint unsigned CInt = 64'd251541, \
  parameter longint unsigned Mult = 64'd1541426396, \
  parameter int unsigned ReqShift = 35, \
  parameter int unsigned ExpBits = 16

`define IBERT_EXP_OVERRIDES \
  .X0Mag (X0Mag), .MaxQ (MaxQ), .BInt (BInt), .CInt (CInt), .Mult (Mult), .ReqShift(ReqShift), \
  .ExpBits (ExpBits)

`endif
