// layernorm_stats: exact row statistics S1 = sum x and S2 = sum x^2, Lanes elements a beat.
//
// A beat accepted at edge n has its lane sums registered at n; the running sums absorb it
// during the next cycle. When that beat is the row's last, row_valid_o is high for that one
// cycle (between edges n and n+1) with the row's totals on s1_o/s2_o (combinational from
// registers), and the running sums restart from zero at edge n+1, so a following row may
// start in the very next beat.
//
// Widths (chosen by the parent, see models/layernorm.py RowWidths): with |x| <= 2^(W-1) and
// c = clog2(Dim), |S1| <= 2^(W-1+c) needs S1Width = W + c signed bits, and
// S2 <= Dim * 2^(2W-2) needs S2Width = 2W - 1 + c unsigned bits: no sum can wrap.
// The running sums reset to zero, so a reset in the middle of a row discards it.

module layernorm_stats #(
  parameter int unsigned Lanes   = 4,
  parameter int unsigned InWidth = 16,
  parameter int unsigned S1Width = 25,
  parameter int unsigned S2Width = 40
) (
  input  logic                      clk_i, rst_ni,
  input  logic                      beat_valid_i,
  input  logic                      beat_last_i,
  input  logic [Lanes*InWidth-1:0]  beat_i,
  output logic                      row_valid_o,
  output logic signed [S1Width-1:0] s1_o,
  output logic [S2Width-1:0]        s2_o
);

  // ---------------------------------------------------------------------------
  // Lane sums of one beat (registered when the beat is accepted)
  // ---------------------------------------------------------------------------
  // x^2 <= 2^(2W-2), reached at x = -2^(W-1): 2W - 1 bits.
  localparam int unsigned SqWidth = 2 * InWidth - 1;

  if (S1Width <= InWidth || S2Width < SqWidth) begin : gen_check_widths
    $fatal(1, "layernorm_stats: S1Width (%0d) must exceed InWidth (%0d) and S2Width (%0d) be >= 2*InWidth - 1",
           S1Width, InWidth, S2Width);
  end

  logic signed [InWidth-1:0] x   [Lanes];
  logic        [SqWidth-1:0] x_sq[Lanes];

  for (genvar l = 0; l < Lanes; l++) begin : gen_lane
    assign x[l] = beat_i[l*InWidth +: InWidth];
    // The product modulo 2^(2W-1) of x sign-extended to 2W - 1 bits is x^2 itself, as
    // x^2 < 2^(2W-1).
    assign x_sq[l] = $unsigned(SqWidth'(x[l]) * SqWidth'(x[l]));
  end

  logic signed [S1Width-1:0] beat_s1_d, beat_s1_q;
  logic        [S2Width-1:0] beat_s2_d, beat_s2_q;

  always_comb begin
    beat_s1_d = '0;
    beat_s2_d = '0;
    for (int unsigned l = 0; l < Lanes; l++) begin
      beat_s1_d = beat_s1_d + S1Width'(x[l]);
      beat_s2_d = beat_s2_d + S2Width'(x_sq[l]);
    end
  end

  // Data registers need no reset: they are only read under beat_valid_q.
  always_ff @(posedge clk_i) begin
    if (beat_valid_i) begin
      beat_s1_q <= beat_s1_d;
      beat_s2_q <= beat_s2_d;
    end
  end

  // ---------------------------------------------------------------------------
  // Running sums over the row
  // ---------------------------------------------------------------------------
  logic                      beat_valid_q, beat_last_q;
  logic signed [S1Width-1:0] acc_s1_q;
  logic        [S2Width-1:0] acc_s2_q;

  assign s1_o        = acc_s1_q + beat_s1_q;
  assign s2_o        = acc_s2_q + beat_s2_q;
  assign row_valid_o = beat_valid_q && beat_last_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      beat_valid_q <= 1'b0;
      beat_last_q  <= 1'b0;
      acc_s1_q     <= '0;
      acc_s2_q     <= '0;
    end else begin
      beat_valid_q <= beat_valid_i;
      beat_last_q  <= beat_last_i;
      if (beat_valid_q) begin
        acc_s1_q <= beat_last_q ? '0 : s1_o;
        acc_s2_q <= beat_last_q ? '0 : s2_o;
      end
    end
  end

endmodule : layernorm_stats
