// ibert_ln_var: the variance pass of I-BERT's integer LayerNorm (Kim et al., ICML 2021,
// Sec. 3.5), bit-exact with models/ibert.py IntLayerNorm:
//
//   y   = q - mean
//   s   = smallest shift in MinShift..TopShift with var_s = sum(floor(y / 2^s)^2) < 2^MaxBit
//   var = var_s
//
// One squarer and one accumulator per candidate shift, all candidates in the same pass (the
// model's "one accumulator per candidate"): floor(y / 2^s) is an arithmetic shift, so
// candidate s squares a value s bits narrower than y. An accumulator only needs to tell
// whether its sum reaches 2^MaxBit, so it keeps MaxBit bits and a sticky overflow flag. The
// largest candidate always fits (TopShift is chosen so, as in the model), so a candidate is
// always found.
//
// No stall: the parent issues a row's beats (with its mean) when it has room downstream.
// Timing: a beat issued at edge t has y registered at t, its squares at t+1 and is in the
// accumulators at t+2; the row's result is valid (var_valid_o high, combinational from the
// accumulators) in the cycle after that, so the parent stores it at the edge t_last+3.

`include "ibert_layernorm.svh"

module ibert_ln_var #(
  parameter  int unsigned Lanes      = 4,
  parameter  int unsigned InWidth    = 16,
  `IBERT_LN_SHIFT_PARAMS,
  parameter  int unsigned TopShift   = 7,
  localparam int unsigned NumShifts  = TopShift - MinShift + 1,
  localparam int unsigned ShiftWidth = $clog2(TopShift + 1) > 0 ? $clog2(TopShift + 1) : 1
) (
  input  logic                      clk_i, rst_ni,
  input  logic                      issue_i,
  input  logic                      first_i,
  input  logic                      last_i,
  input  logic [Lanes*InWidth-1:0]  x_i,
  input  logic [InWidth-1:0]        mean_i,
  output logic                      var_valid_o,
  output logic [MaxBit-1:0]         var_o,
  output logic [ShiftWidth-1:0]     shift_o,
  output logic [InWidth-1:0]        mean_o
);

  localparam int unsigned YWidth   = InWidth + 1;
  // |y| <= 2^InWidth - 1 (x and the rounded mean are both InWidth-bit codes), so a square is
  // below 2^(2*InWidth); a beat's sum of Lanes squares needs clog2(Lanes) more bits.
  localparam int unsigned SqWidth  = 2 * InWidth;
  localparam int unsigned BeatWidth = SqWidth + ((Lanes > 1) ? $clog2(Lanes) : 0);
  localparam int unsigned AccWidth = ((BeatWidth > MaxBit) ? BeatWidth : MaxBit) + 1;

  if (TopShift < MinShift) begin : gen_check_shifts
    $fatal(1, "ibert_ln_var: TopShift (%0d) must be >= MinShift (%0d)", TopShift, MinShift);
  end
  if (TopShift >= YWidth) begin : gen_check_top
    $fatal(1, "ibert_ln_var: TopShift (%0d) must be below the y width (%0d)", TopShift, YWidth);
  end

  // ---------------------------------------------------------------------------
  // Stage y (edge t): y = x - mean per lane; the mean travels with the row
  // ---------------------------------------------------------------------------
  logic [1:0]                v_q, first_q;
  logic [2:0]                last_q;
  logic [InWidth-1:0]        mean_q [3];
  logic signed [YWidth-1:0]  y_q [Lanes];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      v_q     <= '0;
      first_q <= '0;
      last_q  <= '0;
    end else begin
      v_q     <= {v_q[0], issue_i};
      first_q <= {first_q[0], issue_i && first_i};
      last_q  <= {last_q[1:0], issue_i && last_i};
    end
  end

  always_ff @(posedge clk_i) begin
    mean_q[0] <= mean_i;
    mean_q[1] <= mean_q[0];
    mean_q[2] <= mean_q[1];
    for (int unsigned l = 0; l < Lanes; l++) begin
      y_q[l] <= YWidth'($signed(x_i[l*InWidth +: InWidth])) - YWidth'($signed(mean_i));
    end
  end

  // ---------------------------------------------------------------------------
  // Stage squares (edge t+1) and accumulators (edge t+2), one per candidate shift
  // ---------------------------------------------------------------------------
  logic [NumShifts-1:0]  over_q, over_d;
  logic [MaxBit-1:0]     acc_q [NumShifts];

  for (genvar c = 0; c < NumShifts; c++) begin : gen_shift
    localparam int unsigned Shift = MinShift + c;
    localparam int unsigned AWidth = YWidth - Shift;

    logic [SqWidth-1:0]   sq_q [Lanes];
    logic [BeatWidth-1:0] beat_sum;
    logic [AccWidth-1:0]  acc_next;

    for (genvar l = 0; l < Lanes; l++) begin : gen_lane
      logic signed [AWidth-1:0]   a;
      // a^2 <= 2^(2*AWidth-2) (|a| <= 2^(InWidth-Shift)), and below 2^SqWidth at Shift 0
      // (|y| <= 2^InWidth - 1): the product's low ASqWidth bits are exact.
      localparam int unsigned ASqWidth = (2 * AWidth - 1 < SqWidth) ? 2 * AWidth - 1 : SqWidth;
      logic [ASqWidth-1:0]        a_sq;
      logic [Shift > 0 ? Shift - 1 : 0:0] unused_low;

      // floor(y / 2^Shift): the arithmetic shift drops Shift bits; what is left fits AWidth.
      assign a    = AWidth'(y_q[l] >>> Shift);
      assign a_sq = $unsigned(ASqWidth'(a) * ASqWidth'(a));
      if (Shift > 0) begin : gen_unused
        assign unused_low = y_q[l][(Shift > 0 ? Shift - 1 : 0):0];
      end else begin : gen_no_unused
        assign unused_low = '0;
      end

      always_ff @(posedge clk_i) begin
        sq_q[l] <= SqWidth'(a_sq);
      end
    end

    always_comb begin
      beat_sum = '0;
      for (int unsigned l = 0; l < Lanes; l++) begin
        beat_sum = beat_sum + BeatWidth'(sq_q[l]);
      end
      // A row's first beat starts from 0.
      acc_next  = (first_q[1] ? '0 : AccWidth'(acc_q[c])) + AccWidth'(beat_sum);
      over_d[c] = (first_q[1] ? 1'b0 : over_q[c]) || (acc_next >= (AccWidth'(1) << MaxBit));
    end

    always_ff @(posedge clk_i) begin
      if (v_q[1]) begin
        acc_q[c] <= acc_next[MaxBit-1:0];
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      over_q <= '0;
    end else if (v_q[1]) begin
      over_q <= over_d;
    end
  end

  // ---------------------------------------------------------------------------
  // Result (edge t_last+3): the first candidate that stayed below 2^MaxBit
  // ---------------------------------------------------------------------------
  logic [MaxBit-1:0]     var_d;
  logic [ShiftWidth-1:0] shift_d;

  always_comb begin
    var_d   = acc_q[NumShifts-1];
    shift_d = ShiftWidth'(TopShift);
    for (int c = int'(NumShifts) - 1; c >= 0; c--) begin
      if (!over_q[c]) begin
        var_d   = acc_q[c];
        shift_d = ShiftWidth'(int'(MinShift) + c);
      end
    end
  end

  // The parent's queue registers the result: no stage of its own here.
  assign var_valid_o = last_q[2];
  assign var_o       = var_d;
  assign shift_o     = shift_d;
  assign mean_o      = mean_q[2];

endmodule : ibert_ln_var
