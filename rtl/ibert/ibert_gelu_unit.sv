// ibert_gelu_unit: I-BERT's integer-only GELU (i-GELU; Kim et al., "I-BERT: Integer-only BERT
// Quantization", ICML 2021, arXiv 2101.01321, Algorithm 2), Lanes elements per beat.
//
// The baseline the NN-LUT GELU (nnlut_act_unit) is measured against: same stream interface,
// same input format. Bit-exact with models/ibert.py IntGelu (paper variant: sqrt2 = sqrt(2),
// erf_shift = ErfShift), whose docstring derives every constant:
//
//   out = -(q * (e + one_int)),  e = (sgn(q) * ((min(|q|, -b_int) + b_int)^2 + c_int)) >>> ErfShift
//
// Formats at the defaults (input scale S = 2^-10, InWidth 16):
//   input  SQ16.10: signed 16-bit code q, x = q * 2^-10 in [-32, 32), as the NN-LUT GELU.
//   output signed OutWidth = 40-bit integer code y with GELU(x) ~ y * S_out,
//          S_out = S^2 * |a| / 4 = 2^-20 * 0.2888 / 4 = 6.724148988723754e-11 (~ 2^-33.79; a =
//          -0.2888 is I-BERT's erf coefficient; S_out = models/ibert.py IntGelu.out_scale).
//          I-BERT leaves the output at this non-power-of-two scale for the next integer layer
//          to requantise; the unit does the same, so it carries the model's full 40 bits.
// The constants are passed as magnitudes (their signs are fixed by the paper's polynomial):
//   BMag = -b_int = -floor(b / S'), CMag = -c_int = -floor((c / a) / S'^2),
//   OneMag = -one_int = -floor(1 / S_erf), S' = S / sqrt(2), S_erf = a S'^2 2^ErfShift;
// the defaults are the model's values at S = 2^-10 (flow/tests/test_lint.py checks that they are).
//
// Streams: in_valid_i/in_ready_o/in_data_i and out_valid_o/out_ready_i/out_data_o, lane l at
// [l*W +: W], one handshake per beat. Fully pipelined (stream_pipe_ctrl): Lanes elements per
// cycle while out_ready_i is high; no loss, duplication or reordering under backpressure;
// in_ready_o depends combinationally on out_ready_i.
//
// Latency: Latency = 4 clock edges from an input handshake to the earliest output handshake
// (four register stages; see ibert_gelu_lane).
//
// Widths (derived below from the constants; models/ibert.py IntGelu.widths() sweeps every
// code and finds the same at the defaults): clip distance 12 bits, p 24 signed, e 24 signed,
// output 40 signed. An OutWidth below what the constants need stops elaboration.

`include "assert.svh"
`include "port_groups.svh"

module ibert_gelu_unit #(
  parameter  int unsigned     Lanes    = 16,
  parameter  int unsigned     InWidth  = 16,
  parameter  longint unsigned BMag     = 64'd2562,
  parameter  longint unsigned CMag     = 64'd7261607,
  parameter  longint unsigned OneMag   = 64'd7261607,
  parameter  int unsigned     ErfShift = 0,
  parameter  int unsigned     OutWidth = 40
) (
  input  logic                       clk_i, rst_ni,

  `STREAM_IN_PORTS(Lanes*InWidth),

  `STREAM_OUT_PORTS(Lanes*OutWidth)
);

  localparam int unsigned Latency = 4;

  // Bits of an unsigned value (0 -> 0).
  function automatic int unsigned ubits(longint unsigned v);
    ubits = (v == 0) ? 0 : $clog2(v + 64'd1);
  endfunction

  function automatic longint unsigned umax(longint unsigned a, longint unsigned b);
    umax = (a > b) ? a : b;
  endfunction

  // ---------------------------------------------------------------------------
  // Derived widths, from the ranges of the model's intermediates
  // ---------------------------------------------------------------------------
  // p = m^2 - CMag with 0 <= m <= BMag: p in [-CMag, BMag^2 - CMag].
  localparam longint unsigned BSq      = BMag * BMag;
  localparam longint unsigned PPosMax  = (BSq > CMag) ? BSq - CMag : 0;
  localparam longint unsigned PMagMax  = umax(CMag, PPosMax);
  // |p >>> s| <= ceil(|p| / 2^s) (floor of a negative value rounds away from zero).
  localparam longint unsigned EMagMax  = (PMagMax + (64'd1 << ErfShift) - 1) >> ErfShift;
  localparam longint unsigned NSumMax  = OneMag + EMagMax;
  localparam int unsigned     MWidth   = (ubits(BMag) > 0) ? ubits(BMag) : 1;
  localparam int unsigned     PWidth   = ((ubits(BSq) > ubits(CMag)) ? ubits(BSq) : ubits(CMag)) + 1;
  localparam int unsigned     SWidth   = ((PWidth + 1 > ubits(NSumMax) + 1) ? PWidth + 1
                                                                            : ubits(NSumMax) + 1);
  // |out| <= 2^(InWidth-1) * (OneMag + EMagMax).
  localparam int unsigned     OutWidthMin = InWidth - 1 + ubits(NSumMax) + 1;

  // ---------------------------------------------------------------------------
  // Parameter checks
  // ---------------------------------------------------------------------------
  if (Lanes < 1) begin : gen_check_lanes
    $fatal(1, "ibert_gelu_unit: Lanes must be >= 1 (got %0d)", Lanes);
  end
  if (InWidth < 4 || InWidth > 24) begin : gen_check_in_width
    $fatal(1, "ibert_gelu_unit: InWidth must be in [4, 24] (got %0d)", InWidth);
  end
  if (BMag < 1 || BMag >= (64'd1 << 30)) begin : gen_check_b
    $fatal(1, "ibert_gelu_unit: BMag (-b_int) must be in [1, 2^30) (got %0d)", BMag);
  end
  if (CMag < 1 || OneMag < 1 || CMag >= (64'd1 << 60) || OneMag >= (64'd1 << 60)) begin : gen_check_c
    $fatal(1, "ibert_gelu_unit: CMag (%0d) and OneMag (%0d) must be in [1, 2^60)", CMag, OneMag);
  end
  if (ErfShift > 40) begin : gen_check_erf_shift
    $fatal(1, "ibert_gelu_unit: ErfShift must be <= 40 (got %0d)", ErfShift);
  end
  if (OutWidthMin > 62) begin : gen_check_prod
    $fatal(1, "ibert_gelu_unit: the output needs %0d bits (max 62)", OutWidthMin);
  end
  if (OutWidth < OutWidthMin) begin : gen_check_out_width
    $fatal(1, "ibert_gelu_unit: OutWidth (%0d) is below the %0d bits the constants need",
           OutWidth, OutWidthMin);
  end

  // ---------------------------------------------------------------------------
  // Handshake and lanes
  // ---------------------------------------------------------------------------
  logic [Latency-1:0] en;

  stream_pipe_ctrl #(.Stages(Latency)) u_pipe_ctrl (
    .clk_i, .rst_ni, .in_valid_i, .in_ready_o, .out_valid_o, .out_ready_i, .en_o(en)
  );

  for (genvar l = 0; l < Lanes; l++) begin : gen_lane
    ibert_gelu_lane #(
      .InWidth (InWidth),
      .BMag    (BMag),
      .CMag    (CMag),
      .OneMag  (OneMag),
      .ErfShift(ErfShift),
      .MWidth  (MWidth),
      .PWidth  (PWidth),
      .SWidth  (SWidth),
      .OutWidth(OutWidth)
    ) u_lane (
      .clk_i,
      .en_i (en),
      .q_i  (in_data_i[l*InWidth +: InWidth]),
      .out_o(out_data_o[l*OutWidth +: OutWidth])
    );
  end

  // Both ports follow the stream rules (rtl/common/assert.svh); the input's are the caller's.
  `ASSERT_STREAM(InStream, in_valid_i, in_ready_o, in_data_i, clk_i, !rst_ni)
  `ASSERT_STREAM(OutStream, out_valid_o, out_ready_i, out_data_o, clk_i, !rst_ni)

endmodule : ibert_gelu_unit
