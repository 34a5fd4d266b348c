"""NN-LUT models: float64 references, the table fitter, fixed-point formats and
bit-accurate integer models of the RTL units."""
