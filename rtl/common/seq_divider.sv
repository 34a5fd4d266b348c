// seq_divider: sequential unsigned restoring divider, BitsPerCycle quotient bits per clock,
// with a valid/ready handshake on each side and a tag carried alongside.
//
// quo_o = floor(num_i / den_i) and rem_o = num_i mod den_i for a quotient the caller knows to
// fit QuoWidth bits (num_i < den_i * 2^QuoWidth) and den_i >= 1. The integer baselines divide
// once per row (I-BERT: floor(2^32 / sum) in Softmax, the mean, the Newton square-root steps
// and floor(2^31 / std) in LayerNorm; SOLE: AILayerNorm's statistics), so one small sequential
// divider per stage is the economical form; BitsPerCycle trades its adders for cycles.
//
// Only QuoWidth restoring steps run (padded up to a multiple of BitsPerCycle), starting from
// the remainder num >> Steps (below den by the precondition) rather than one step per
// numerator bit. The numerator's low bits share one shift register with the quotient: bits
// move out at the top as quotient bits enter at the bottom; the padding bits come out 0.
//
// Timing (seq_ctrl): an operand taken at edge n gives out_valid_o after edge n + Cycles,
// Cycles = ceil(QuoWidth / BitsPerCycle); the result is held until taken, and a new operand
// may be taken at the edge that takes the result.
`include "port_groups.svh"

module seq_divider #(
  parameter  int unsigned NumWidth     = 32,
  parameter  int unsigned DenWidth     = 16,
  parameter  int unsigned QuoWidth     = 16,
  parameter  int unsigned BitsPerCycle = 1,
  parameter  int unsigned TagWidth     = 1,
  // Guarded so that BitsPerCycle = 0 reaches its $fatal.
  localparam int unsigned Cycles       =
      (BitsPerCycle > 0) ? (QuoWidth + BitsPerCycle - 1) / BitsPerCycle : 1
) (
  input  logic                clk_i, rst_ni,
  `TAGGED_STREAM_IN(TagWidth),
  input  logic [NumWidth-1:0] num_i,
  input  logic [DenWidth-1:0] den_i,
  `TAGGED_STREAM_OUT(TagWidth),
  output logic [QuoWidth-1:0] quo_o,
  output logic [DenWidth-1:0] rem_o
);

  if (QuoWidth < 1 || DenWidth < 1 || NumWidth < 1 || TagWidth < 1) begin : gen_check_widths
    $fatal(1, "seq_divider: widths must be >= 1 (num %0d, den %0d, quo %0d, tag %0d)", NumWidth,
           DenWidth, QuoWidth, TagWidth);
  end
  if (BitsPerCycle < 1 || BitsPerCycle > QuoWidth) begin : gen_check_bits
    $fatal(1, "seq_divider: BitsPerCycle (%0d) must be in [1, QuoWidth = %0d]", BitsPerCycle,
           QuoWidth);
  end

  // Steps actually run: Cycles * BitsPerCycle >= QuoWidth; the numerator is zero-extended so
  // both of its slices below exist whatever the widths.
  localparam int unsigned Steps    = Cycles * BitsPerCycle;
  localparam int unsigned ExtWidth = ((NumWidth > Steps) ? NumWidth : Steps) + DenWidth;

  logic load, step;

  seq_ctrl #(.Cycles(Cycles), .TagWidth(TagWidth)) u_ctrl (
    .clk_i, .rst_ni, .in_valid_i, .in_ready_o, .tag_i, .out_valid_o, .out_ready_i, .tag_o,
    .load_o(load), .step_o(step)
  );

  logic [ExtWidth-1:0] num_ext;
  logic [DenWidth-1:0] rem_q, rem_d, den_q;
  logic [Steps-1:0]    bits_q, bits_d;   // numerator bits still to bring down, then quotient

  assign num_ext = ExtWidth'(num_i);

  // BitsPerCycle restoring steps: bring down the top bit, subtract den if it fits, shift the
  // quotient bit in at the bottom. The partial remainder stays below den, so the comparison
  // needs one extra bit only.
  always_comb begin
    rem_d  = rem_q;
    bits_d = bits_q;
    for (int unsigned s = 0; s < BitsPerCycle; s++) begin
      logic [DenWidth:0] trial;
      logic              fits;
      trial  = {rem_d, bits_d[Steps-1]};
      fits   = (trial >= {1'b0, den_q});
      rem_d  = fits ? DenWidth'(trial - {1'b0, den_q}) : trial[DenWidth-1:0];
      bits_d = (bits_d << 1) | Steps'(fits);
    end
  end

  always_ff @(posedge clk_i) begin
    if (load) begin
      // The numerator's bits above the steps start the remainder (below den_i by the
      // precondition); the rest wait in the quotient register.
      rem_q  <= num_ext[Steps +: DenWidth];
      bits_q <= num_ext[Steps-1:0];
      den_q  <= den_i;
    end else if (step) begin
      rem_q  <= rem_d;
      bits_q <= bits_d;
    end
  end

  assign quo_o = bits_q[QuoWidth-1:0];
  assign rem_o = rem_q;

  // Bits of the extended numerator above the remainder's reach, and the quotient's padding
  // bits, are 0 by the precondition.
  if (ExtWidth > Steps + DenWidth) begin : gen_unused_top
    logic unused_num_top;
    assign unused_num_top = ^num_ext[ExtWidth-1:Steps+DenWidth];
  end
  if (Steps > QuoWidth) begin : gen_unused_pad
    logic unused_quo_pad;
    assign unused_quo_pad = ^bits_q[Steps-1:QuoWidth];
  end

endmodule : seq_divider
