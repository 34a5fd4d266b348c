// sole_seq_div: sequential restoring divider, quo = floor(num / den), StepsPerCycle quotient
// bits per clock, with a valid/ready handshake on each side and a tag carried alongside.
//
// The caller guarantees num < den * 2^QuoWidth (the quotient fits) and den > 0; the unit
// derives both from its value ranges. Only QuoWidth restoring steps are run, starting from the
// remainder num >> QuoWidth (< den by the guarantee), instead of one per numerator bit.
//
// Timing: an operand accepted at edge n gives out_valid_o after edge n + Cycles
// (Cycles = ceil(QuoWidth / StepsPerCycle)). The result is held until taken; a new operand may
// be accepted at the edge that takes the result, so one division every Cycles + 1 edges.
module sole_seq_div #(
  parameter  int unsigned NumWidth      = 32,
  parameter  int unsigned DenWidth      = 16,
  parameter  int unsigned QuoWidth      = 16,
  parameter  int unsigned StepsPerCycle = 1,
  parameter  int unsigned TagWidth      = 1,
  localparam int unsigned Cycles        =
      (StepsPerCycle > 0) ? (QuoWidth + StepsPerCycle - 1) / StepsPerCycle : 1
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  input  logic                in_valid_i,
  output logic                in_ready_o,
  input  logic [NumWidth-1:0] num_i,
  input  logic [DenWidth-1:0] den_i,
  input  logic [TagWidth-1:0] tag_i,
  output logic                out_valid_o,
  input  logic                out_ready_i,
  output logic [QuoWidth-1:0] quo_o,
  output logic [TagWidth-1:0] tag_o
);

  // Steps actually run: Cycles * StepsPerCycle >= QuoWidth. The extra leading quotient bits
  // are zero because num < den * 2^QuoWidth.
  localparam int unsigned Steps    = Cycles * StepsPerCycle;
  localparam int unsigned CntBits  = $clog2(Cycles + 1);
  // num split into the initial remainder (above Steps) and the bits shifted in.
  localparam int unsigned TopWidth = (NumWidth > Steps) ? NumWidth - Steps : 1;

  if (StepsPerCycle < 1) begin : gen_check_steps
    $fatal(1, "sole_seq_div: StepsPerCycle must be >= 1 (got %0d)", StepsPerCycle);
  end
  if (QuoWidth < 1 || DenWidth < 1 || NumWidth < 1) begin : gen_check_widths
    $fatal(1, "sole_seq_div: widths must be >= 1 (num %0d, den %0d, quo %0d)", NumWidth, DenWidth,
           QuoWidth);
  end

  logic [DenWidth-1:0] rem_q, den_q;
  logic [Steps-1:0]    bits_q;    // numerator bits still to bring down, then quotient bits
  logic [CntBits-1:0]  left_q;
  logic                busy, done_q;
  logic [TagWidth-1:0] tag_q;

  assign busy        = (left_q != '0);
  assign in_ready_o  = !busy && (!done_q || out_ready_i);
  assign out_valid_o = done_q;

  // StepsPerCycle restoring steps: bring down the top bit, subtract den if it fits, shift the
  // quotient bit in at the bottom of bits.
  logic [DenWidth-1:0] rem_d;
  logic [Steps-1:0]    bits_d;

  always_comb begin
    rem_d  = rem_q;
    bits_d = bits_q;
    for (int unsigned s = 0; s < StepsPerCycle; s++) begin
      logic [DenWidth:0] trial;
      logic              fits;
      trial  = {rem_d, bits_d[Steps-1]};
      fits   = (trial >= {1'b0, den_q});
      rem_d  = fits ? DenWidth'(trial - {1'b0, den_q}) : trial[DenWidth-1:0];
      bits_d = (bits_d << 1) | Steps'(fits);
    end
  end

  // The initial remainder num >> Steps is below den, so it fits DenWidth bits.
  logic [DenWidth-1:0] rem_init;
  logic [Steps-1:0]    bits_init;

  if (NumWidth > Steps) begin : gen_split
    logic [TopWidth-1:0] top;
    assign top       = num_i[NumWidth-1 -: TopWidth];
    assign rem_init  = DenWidth'(top);
    assign bits_init = num_i[Steps-1:0];
    if (TopWidth > DenWidth) begin : gen_unused_top
      logic unused_top;
      assign unused_top = ^top[TopWidth-1:DenWidth];
    end
  end else begin : gen_whole
    assign rem_init  = '0;
    assign bits_init = Steps'(num_i);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      left_q <= '0;
      done_q <= 1'b0;
    end else if (in_valid_i && in_ready_o) begin
      left_q <= CntBits'(Cycles);
      done_q <= 1'b0;
    end else if (busy) begin
      left_q <= left_q - CntBits'(1);
      done_q <= (left_q == CntBits'(1));
    end else if (out_ready_i) begin
      done_q <= 1'b0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (in_valid_i && in_ready_o) begin
      rem_q  <= rem_init;
      bits_q <= bits_init;
      den_q  <= den_i;
      tag_q  <= tag_i;
    end else if (busy) begin
      rem_q  <= rem_d;
      bits_q <= bits_d;
    end
  end

  assign quo_o = bits_q[QuoWidth-1:0];
  assign tag_o = tag_q;

  if (Steps > QuoWidth) begin : gen_unused_quo
    logic unused_quo_top;
    assign unused_quo_top = ^bits_q[Steps-1:QuoWidth];
  end

endmodule : sole_seq_div
