// ibert_divider: iterative unsigned restoring divider, BitsPerCycle quotient bits per clock.
//
// quo_o = floor(num_i / den_i) and rem_o = num_i mod den_i for a quotient the caller knows to
// be below 2^QuoWidth (equivalently num_i >> QuoWidth < den_i; den_i >= 1). I-BERT's integer
// layers divide once per row (floor(2^32 / sum) in Softmax; the mean, the Newton square-root
// steps and floor(2^31 / std) in LayerNorm), so one small sequential divider per stage is the
// economical form; BitsPerCycle trades its adders for cycles.
//
// Restoring division on a remainder register of DenWidth bits: each step appends the next
// numerator bit and subtracts the divisor if it fits, producing one quotient bit. The
// numerator's low bits share one shift register with the quotient (bits move out at the top
// as quotient bits enter at the bottom). The quotient is padded up to Steps * BitsPerCycle
// bits so that every cycle does the same number of steps; the padding bits are 0 by the
// precondition.
//
// Timing: start_i is taken at a clock edge where busy_o is low. The result is in quo_o and
// rem_o after Steps further edges, marked by done_o high for the one cycle after the last
// step; it stays until the next start. busy_o is high from the start edge until the last step
// edge, so a new division can start in the cycle done_o is high.

module ibert_divider #(
  parameter  int unsigned NumWidth     = 33,
  parameter  int unsigned DenWidth     = 22,
  parameter  int unsigned QuoWidth     = 18,
  parameter  int unsigned BitsPerCycle = 2,
  // Guarded so that BitsPerCycle = 0 reaches its $fatal.
  localparam int unsigned Steps        =
      (BitsPerCycle > 0) ? (QuoWidth + BitsPerCycle - 1) / BitsPerCycle : 1,
  localparam int unsigned StepWidth    = $clog2(Steps + 1)
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  input  logic                start_i,
  input  logic [NumWidth-1:0] num_i,
  input  logic [DenWidth-1:0] den_i,
  output logic                busy_o,
  output logic                done_o,
  output logic [QuoWidth-1:0] quo_o,
  output logic [DenWidth-1:0] rem_o
);

  if (QuoWidth < 1 || DenWidth < 1 || NumWidth < 1) begin : gen_check_widths
    $fatal(1, "ibert_divider: NumWidth (%0d), DenWidth (%0d) and QuoWidth (%0d) must be >= 1",
           NumWidth, DenWidth, QuoWidth);
  end
  if (QuoWidth < 2) begin : gen_check_quo_width
    $fatal(1, "ibert_divider: QuoWidth must be >= 2 (got %0d)", QuoWidth);
  end
  if (BitsPerCycle < 1 || BitsPerCycle > QuoWidth) begin : gen_check_bits
    $fatal(1, "ibert_divider: BitsPerCycle (%0d) must be in [1, QuoWidth = %0d]", BitsPerCycle,
           QuoWidth);
  end

  // Padded quotient width, and the numerator zero-extended so both slices below exist.
  localparam int unsigned PadWidth = Steps * BitsPerCycle;
  localparam int unsigned ExtWidth = ((NumWidth > PadWidth) ? NumWidth : PadWidth) + DenWidth;

  logic [ExtWidth-1:0] num_ext;
  assign num_ext = ExtWidth'(num_i);

  logic [DenWidth-1:0]  rem_q, rem_d;
  logic [PadWidth-1:0]  quo_q, quo_d;
  logic [DenWidth-1:0]  den_q;
  logic [StepWidth-1:0] left_q;
  logic                 busy_q, done_q;

  // BitsPerCycle restoring steps; the partial remainder is below den_q, so appending one bit
  // needs one extra bit for the comparison only.
  always_comb begin
    logic [DenWidth:0] trial;
    rem_d = rem_q;
    quo_d = quo_q;
    for (int unsigned s = 0; s < BitsPerCycle; s++) begin
      trial = {rem_d, quo_d[PadWidth-1]};
      if (trial >= {1'b0, den_q}) begin
        trial = trial - {1'b0, den_q};
        quo_d = {quo_d[PadWidth-2:0], 1'b1};
      end else begin
        quo_d = {quo_d[PadWidth-2:0], 1'b0};
      end
      rem_d = trial[DenWidth-1:0];
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q <= 1'b0;
      done_q <= 1'b0;
      left_q <= '0;
    end else begin
      done_q <= busy_q && (left_q == StepWidth'(1));
      if (start_i && !busy_q) begin
        busy_q <= 1'b1;
        left_q <= StepWidth'(Steps);
      end else if (busy_q) begin
        left_q <= left_q - StepWidth'(1);
        busy_q <= (left_q != StepWidth'(1));
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (start_i && !busy_q) begin
      // The numerator's bits above the padded quotient start the remainder (below den_i by
      // the caller's precondition); the rest wait in the quotient register.
      rem_q <= num_ext[PadWidth +: DenWidth];
      quo_q <= num_ext[PadWidth-1:0];
      den_q <= den_i;
    end else if (busy_q) begin
      rem_q <= rem_d;
      quo_q <= quo_d;
    end
  end

  // Bits of the extended numerator above the remainder's reach, and the quotient's padding
  // bits, are 0 by the precondition.
  logic unused_num_top, unused_quo_pad;
  if (ExtWidth > PadWidth + DenWidth) begin : gen_unused_top
    assign unused_num_top = ^num_ext[ExtWidth-1:PadWidth+DenWidth];
  end else begin : gen_no_unused_top
    assign unused_num_top = 1'b0;
  end
  if (PadWidth > QuoWidth) begin : gen_unused_pad
    assign unused_quo_pad = ^quo_q[PadWidth-1:QuoWidth];
  end else begin : gen_no_unused_pad
    assign unused_quo_pad = 1'b0;
  end

  assign busy_o = busy_q;
  assign done_o = done_q;
  assign quo_o  = quo_q[QuoWidth-1:0];
  assign rem_o  = rem_q;

endmodule : ibert_divider
