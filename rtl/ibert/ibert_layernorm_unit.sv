// ibert_layernorm_unit: I-BERT's integer-only LayerNorm (Kim et al., "I-BERT: Integer-only
// BERT Quantization", ICML 2021, arXiv 2101.01321, Sec. 3.5 and Algorithm 4), rows of Dim
// features, Lanes features per beat, rows back to back.
//
// The baseline the NN-LUT LayerNorm (layernorm_unit) is measured against: same stream
// interface, same input format. Bit-exact with models/ibert.py IntLayerNorm (max_bit =
// MaxBit, min_shift = MinShift; per-row shift), whose docstring derives every step:
//
//   mean   = round_half_even(sum(q) / Dim)
//   y      = q - mean
//   s      = smallest shift >= MinShift with var = sum(floor(y / 2^s)^2) < 2^MaxBit
//   std    = max(isqrt_newton(var), 1) << s
//   factor = floor(2^31 / std)
//   out    = (y * factor) >> 1
//
// Formats at the defaults: input SQ18.9 (signed 18-bit codes, scale 2^-9, [-256, 256)), as
// layernorm_unit; the input scale cancels in the normalisation. Output: signed OutWidth = 32-
// bit codes with scale sqrt(Dim) / 2^30 (y / std is at most 1 in magnitude; |out| <= ~2^30),
// i.e. the normalised value (x - mean) / sigma ~ out * sqrt(Dim) / 2^30 (sqrt(384) / 2^30 =
// 1.825e-8 at Dim = 384).
// gamma and beta: I-BERT folds gamma into the output scale (per channel: sqrt(Dim) / 2^30 *
// gamma) and beta into an integer bias added to out (models/ibert.py fold_affine). Neither
// touches the normalisation, so the unit implements gamma = 1, beta = 0 (bias 0); the bias
// add and the per-channel scale belong to the consumer's requantisation.
//
// Organisation (one row per stage at a time; stages hand rows on through stream_fifo queues):
//   input pass   beats into the row buffer (stream_fifo, two readers), sum(q) accumulated
//   mean         round_half_even(sum / Dim) on an iterative divider (MeanSteps cycles)
//   variance     the row read once (peek) through ibert_ln_var: y, one square and accumulator
//                per candidate shift, the first candidate below 2^MaxBit
//   root         ibert_isqrt: integer Newton square root and floor(2^31 / root) >> s on one
//                iterative divider, fixed RootCycles per row
//   output       the row read again (take) through a 2-stage valid/ready pipeline
//                (stream_pipe_ctrl): y = q - mean, then (y * factor) >> 1
// Two passes over the stored row are inherent to the algorithm: the variance needs the mean,
// and the truncating shift of y before squaring keeps the variance from being formed from
// running sums of q and q^2.
//
// Throughput: with no input gaps and out_ready_i high, back-to-back rows stream at Lanes
// features per cycle in and out if the row-level stages keep up, i.e. Beats = Dim / Lanes >=
// RootCycles and Beats >= MeanSteps + 1; otherwise the slowest stage sets one row per
// RootCycles (or MeanSteps + 1) cycles. At the defaults RootCycles = 82 (DivBitsPerCycle 4:
// 8 cycles per 32-bit division, 8 divisions), so Dim / Lanes >= 82 runs at full rate (Dim =
// 384 up to Lanes 4). Backpressure fills the row buffer, then drops in_ready_o; nothing is
// lost, duplicated or reordered.
//
// Row latency: RowLatency = Beats + MeanSteps + RootCycles + 8 clock edges from the edge that
// accepts a row's last input beat to the edge of its first output handshake (out_ready_i high,
// stages keeping up); 190 at the defaults. For a last beat at edge a: the sum is pushed at a,
// the mean divider starts at a+1 and its result is pushed at a+MeanSteps+2; the variance pass
// issues the row at a+MeanSteps+3 .. a+MeanSteps+Beats+2 and pushes var three edges after its
// last beat; the root stage pushes the factor RootCycles later; the output pass issues the
// first beat at the next edge and it leaves two edges later:
// (MeanSteps + 2) + Beats + 3 + RootCycles + 1 + 2 = Beats + MeanSteps + RootCycles + 8.
//
// Reset (rst_ni, asynchronous) clears every buffer, queue and stage: rows in flight are
// dropped and the next accepted beat starts a new row.

`include "assert.svh"
`include "port_groups.svh"
`include "ibert_layernorm.svh"

module ibert_layernorm_unit #(
  parameter  int unsigned InWidth         = 18,
  `IBERT_LN_SHIFT_PARAMS,
  parameter  int unsigned OutWidth        = 32,
  parameter  int unsigned Dim             = 384,
  parameter  int unsigned Lanes           = 4,
  // Guarded so that a bad Dim/Lanes reaches its $fatal.
  localparam int unsigned Beats = (Lanes >= 1 && Dim >= Lanes && Dim % Lanes == 0) ? Dim / Lanes : 1,
  parameter  int unsigned DivBitsPerCycle = 4,
  parameter  int unsigned NewtonBudget    = 7
) (
  input  logic                       clk_i, rst_ni,

  `STREAM_IN_PORTS(Lanes*InWidth),

  `STREAM_OUT_PORTS(Lanes*OutWidth)
);

  // floor(a / 2) for a signed a (SystemVerilog's / truncates towards zero; the model floors).
  function automatic int floor_half(int a);
    floor_half = (a >= 0) ? a / 2 : -((1 - a) / 2);
  endfunction

  // ---------------------------------------------------------------------------
  // Sizes
  // ---------------------------------------------------------------------------
  localparam int unsigned DimBits   = (Dim > 1) ? $clog2(Dim) : 0;
  localparam int unsigned SumWidth  = InWidth + DimBits;            // signed sum(q)
  localparam int unsigned DenWidth  = $clog2(Dim + 1);              // Dim itself
  // Candidate shifts, as the model: up to the one that fits even the largest possible sum.
  localparam int          Worst     = 2 * (int'(InWidth) + 1) + $clog2(Dim);  // bits(Dim - 1)
  localparam int          TopCand   = floor_half(Worst - int'(MaxBit) + 1) + 1;
  localparam int unsigned TopShift  = (TopCand > int'(MinShift)) ? TopCand : MinShift;
  localparam int unsigned ShiftWidth = ($clog2(TopShift + 1) > 0) ? $clog2(TopShift + 1) : 1;
  localparam int unsigned MeanSteps = (DivBitsPerCycle > 0) ?
                                      (InWidth + DivBitsPerCycle - 1) / DivBitsPerCycle : 1;
  localparam int unsigned FactorQuo = (MaxBit > 32) ? MaxBit : 32;
  localparam int unsigned RootSteps = (DivBitsPerCycle > 0) ?
                                      (FactorQuo + DivBitsPerCycle - 1) / DivBitsPerCycle : 1;
  localparam int unsigned RootCycles = (NewtonBudget + 1) * (RootSteps + 2) + 2;
  // A word stays in the buffer from its write to its take: 2 * Beats + MeanSteps +
  // RootCycles + 5 edges at full rate (see the row latency); one more because a write and a
  // take at the same edge do not see each other.
  localparam int unsigned Depth     = 2 * Beats + MeanSteps + RootCycles + 6;
  // Rows with a descriptor anywhere keep all their words in the buffer but for the one being
  // output, so no queue can hold more than this many.
  localparam int unsigned Rows      = 1 + (Depth - 1) / Beats;
  localparam int unsigned BeatWidth = (Beats > 1) ? $clog2(Beats) : 1;
  localparam int unsigned RowsWidth = $clog2(Rows + 1);
  localparam int unsigned FactorWidth = 32;
  localparam int unsigned YWidth    = InWidth + 1;

  // ---------------------------------------------------------------------------
  // Parameter checks
  // ---------------------------------------------------------------------------
  if (Lanes < 1 || Dim % Lanes != 0) begin : gen_check_lanes
    $fatal(1, "ibert_layernorm_unit: Lanes (%0d) must be >= 1 and divide Dim (%0d)", Lanes, Dim);
  end
  if (Dim < 2 || Dim > (1 << 20)) begin : gen_check_dim
    $fatal(1, "ibert_layernorm_unit: Dim must be in [2, 2^20] (got %0d)", Dim);
  end
  if (InWidth < 4 || InWidth > 20) begin : gen_check_in_width
    $fatal(1, "ibert_layernorm_unit: InWidth must be in [4, 20] (got %0d)", InWidth);
  end
  if (TopShift >= YWidth) begin : gen_check_min_shift
    $fatal(1, "ibert_layernorm_unit: MinShift (%0d) must be below %0d", MinShift, YWidth);
  end
  if (MaxBit < 8 || MaxBit > 40) begin : gen_check_max_bit
    $fatal(1, "ibert_layernorm_unit: MaxBit must be in [8, 40] (got %0d)", MaxBit);
  end
  if (OutWidth < 2 || OutWidth > YWidth + FactorWidth) begin : gen_check_out_width
    $fatal(1, "ibert_layernorm_unit: OutWidth must be in [2, %0d] (got %0d)", YWidth + FactorWidth,
           OutWidth);
  end
  if (DivBitsPerCycle < 1 || DivBitsPerCycle > InWidth) begin : gen_check_div_bits
    $fatal(1, "ibert_layernorm_unit: DivBitsPerCycle (%0d) must be in [1, InWidth = %0d]",
           DivBitsPerCycle, InWidth);
  end

  // ---------------------------------------------------------------------------
  // Input pass: row buffer and sum(q)
  // ---------------------------------------------------------------------------
  logic                  in_fire, in_first, in_last;
  logic [BeatWidth-1:0]  in_pos;
  logic [$clog2(Depth + 1)-1:0] buf_count;
  logic signed [SumWidth-1:0] sum_d;

  assign in_ready_o = (buf_count < ($clog2(Depth + 1))'(Depth));
  assign in_fire    = in_valid_i && in_ready_o;

  row_counter #(
    .RowBeats(Beats)
  ) u_in_pos (
    .clk_i, .rst_ni, .step_i(in_fire), .pos_o(in_pos), .first_o(in_first), .last_o(in_last)
  );

  row_sum #(
    .Lanes(Lanes), .Width(InWidth), .Signed(1'b1), .SumWidth(SumWidth)
  ) u_sum (
    .clk_i, .rst_ni, .valid_i(in_fire), .first_i(in_first), .beat_i(in_data_i), .sum_o(sum_d)
  );

  // The row is stored once and read twice: reader 0 (peek) for the variance pass, reader 1
  // (take) for the output pass, which frees the beat.
  logic                     peek, take;
  logic [Lanes*InWidth-1:0] peek_word, take_word;

  stream_fifo #(
    .Width(Lanes*InWidth), .Depth(Depth), .Readers(2)
  ) u_buf (
    .clk_i, .rst_ni, .push_i(in_fire), .data_i(in_data_i),
    .pop_i({take, peek}), .data_o({take_word, peek_word}), .count_o(buf_count)
  );

  // ---------------------------------------------------------------------------
  // Mean: round_half_even(sum / Dim) = round_half_even((sum + Dim 2^(InWidth-1)) / Dim)
  // - 2^(InWidth-1); the offset makes the dividend non-negative and below Dim 2^InWidth, so
  // the quotient has InWidth bits.
  // ---------------------------------------------------------------------------
  logic signed [SumWidth-1:0] s_head;
  logic [RowsWidth-1:0]       s_count;
  logic                       mean_start, mean_ready, mean_done, mean_tag;
  logic [SumWidth-1:0]        mean_num;
  logic [InWidth-1:0]         mean_quo;
  logic [DenWidth-1:0]        mean_rem;
  logic [DenWidth:0]          mean_twice_rem;
  logic                       mean_up;
  logic [InWidth-1:0]         mean_d;

  stream_fifo #(
    .Width(SumWidth), .Depth(Rows)
  ) u_sum_q (
    .clk_i, .rst_ni, .push_i(in_fire && in_last), .data_i(sum_d),
    .pop_i(mean_start), .data_o(s_head), .count_o(s_count)
  );

  assign mean_start = (s_count != '0) && mean_ready;
  assign mean_num   = SumWidth'(s_head) + SumWidth'(longint'(Dim) << (InWidth - 1));

  seq_divider #(
    .NumWidth(SumWidth), .DenWidth(DenWidth), .QuoWidth(InWidth), .BitsPerCycle(DivBitsPerCycle)
  ) u_mean_div (
    .clk_i, .rst_ni,
    .in_valid_i(s_count != '0), .in_ready_o(mean_ready), .num_i(mean_num), .den_i(DenWidth'(Dim)),
    .tag_i(1'b0),
    .out_valid_o(mean_done), .out_ready_i(1'b1), .quo_o(mean_quo), .rem_o(mean_rem),
    .tag_o(mean_tag)
  );

  logic unused_mean_tag;
  assign unused_mean_tag = mean_tag;

  // Ties go to the even quotient; the offset 2^(InWidth-1) is even, so the parity is the
  // quotient's. The rounded quotient stays below 2^InWidth (the dividend's maximum
  // Dim (2^InWidth - 1) divides exactly), and removing the offset flips the top bit.
  assign mean_twice_rem = {mean_rem, 1'b0};
  assign mean_up = (mean_twice_rem > (DenWidth + 1)'(Dim)) ||
                   ((mean_twice_rem == (DenWidth + 1)'(Dim)) && mean_quo[0]);
  assign mean_d  = (mean_quo + InWidth'(mean_up)) ^ (InWidth'(1) << (InWidth - 1));

  logic [InWidth-1:0]   m_head;
  logic [RowsWidth-1:0] m_count;

  stream_fifo #(
    .Width(InWidth), .Depth(Rows)
  ) u_mean_q (
    .clk_i, .rst_ni, .push_i(mean_done), .data_i(mean_d),
    .pop_i(peek && v_last), .data_o(m_head), .count_o(m_count)
  );

  // ---------------------------------------------------------------------------
  // Variance pass
  // ---------------------------------------------------------------------------
  logic [BeatWidth-1:0]  v_pos;
  logic                  v_first, v_last;
  logic                  var_valid;
  logic [MaxBit-1:0]     var_val;
  logic [ShiftWidth-1:0] var_shift;
  logic [InWidth-1:0]    var_mean;

  // The row is complete (its mean exists) and the variance pipeline never stalls.
  assign peek = (m_count != '0);

  row_counter #(
    .RowBeats(Beats)
  ) u_var_pos (
    .clk_i, .rst_ni, .step_i(peek), .pos_o(v_pos), .first_o(v_first), .last_o(v_last)
  );

  ibert_ln_var #(
    .Lanes   (Lanes),
    .InWidth (InWidth),
    `IBERT_LN_SHIFT_OVERRIDES,
    .TopShift(TopShift)
  ) u_var (
    .clk_i, .rst_ni,
    .issue_i    (peek),
    .first_i    (v_first),
    .last_i     (v_last),
    .x_i        (peek_word),
    .mean_i     (m_head),
    .var_valid_o(var_valid),
    .var_o      (var_val),
    .shift_o    (var_shift),
    .mean_o     (var_mean)
  );

  // ---------------------------------------------------------------------------
  // Root: Newton square root and factor, one row at a time
  // ---------------------------------------------------------------------------
  localparam int unsigned VarDescWidth = MaxBit + ShiftWidth + InWidth;

  logic [VarDescWidth-1:0] vq_head;
  logic [RowsWidth-1:0]    vq_count;
  logic                    root_ready, root_take;
  logic                    root_valid;
  logic [FactorWidth-1:0]  root_factor;
  logic [InWidth-1:0]      root_mean;

  stream_fifo #(
    .Width(VarDescWidth), .Depth(Rows)
  ) u_var_q (
    .clk_i, .rst_ni, .push_i(var_valid), .data_i({var_val, var_shift, var_mean}),
    .pop_i(root_take), .data_o(vq_head), .count_o(vq_count)
  );

  assign root_take = (vq_count != '0) && root_ready;

  ibert_isqrt #(
    .MaxBit      (MaxBit),
    .InWidth     (InWidth),
    .ShiftWidth  (ShiftWidth),
    .BitsPerCycle(DivBitsPerCycle),
    .NewtonBudget(NewtonBudget)
  ) u_root (
    .clk_i, .rst_ni,
    .in_valid_i (vq_count != '0),
    .in_ready_o (root_ready),
    .var_i      (vq_head[ShiftWidth+InWidth +: MaxBit]),
    .shift_i    (vq_head[InWidth +: ShiftWidth]),
    .mean_i     (vq_head[InWidth-1:0]),
    .out_valid_o(root_valid),
    .factor_o   (root_factor),
    .mean_o     (root_mean)
  );

  // ---------------------------------------------------------------------------
  // Output pass: out = (y * factor) >> 1
  // ---------------------------------------------------------------------------
  logic [FactorWidth+InWidth-1:0] fq_head;
  logic [RowsWidth-1:0]           fq_count;
  logic [BeatWidth-1:0]           o_pos;
  logic                           o_first, o_last, o_ready;

  stream_fifo #(
    .Width(FactorWidth + InWidth), .Depth(Rows)
  ) u_factor_q (
    .clk_i, .rst_ni, .push_i(root_valid), .data_i({root_factor, root_mean}),
    .pop_i(take && o_last), .data_o(fq_head), .count_o(fq_count)
  );

  assign take = (fq_count != '0) && o_ready;

  row_counter #(
    .RowBeats(Beats)
  ) u_out_pos (
    .clk_i, .rst_ni, .step_i(take), .pos_o(o_pos), .first_o(o_first), .last_o(o_last)
  );

  // The passes need a row's ends only.
  logic unused_positions;
  assign unused_positions = ^{in_pos, v_pos, o_pos, o_first};

  logic [1:0] o_en;

  stream_pipe_ctrl #(
    .Stages(2)
  ) u_out_ctrl (
    .clk_i, .rst_ni,
    .in_valid_i (fq_count != '0),
    .in_ready_o (o_ready),
    .out_valid_o, .out_ready_i,
    .en_o       (o_en)
  );

  logic [FactorWidth-1:0]  o_factor_q;
  logic [InWidth-1:0]      o_mean;
  logic [OutWidth-1:0]     o_out_q [Lanes];

  assign o_mean = fq_head[InWidth-1:0];

  always_ff @(posedge clk_i) begin
    if (o_en[0]) begin
      o_factor_q <= fq_head[InWidth +: FactorWidth];
    end
  end

  for (genvar l = 0; l < Lanes; l++) begin : gen_out_lane
    logic signed [YWidth-1:0]   y_q;
    // The low OutWidth + 1 bits of the two's complement product are exact whatever its full
    // width; |out| < 2^(OutWidth-1) (see the header), so they are all the output needs.
    logic signed [OutWidth:0]   prod;

    always_ff @(posedge clk_i) begin
      if (o_en[0]) begin
        y_q <= YWidth'($signed(take_word[l*InWidth +: InWidth])) - YWidth'($signed(o_mean));
      end
    end

    assign prod = (OutWidth + 1)'(y_q) * $signed((OutWidth + 1)'({1'b0, o_factor_q}));

    always_ff @(posedge clk_i) begin
      if (o_en[1]) begin
        o_out_q[l] <= prod[OutWidth:1];
      end
    end

    logic unused_prod_lsb;
    assign unused_prod_lsb = prod[0];

    assign out_data_o[l*OutWidth +: OutWidth] = o_out_q[l];
  end

  // Both ports follow the stream rules (rtl/common/assert.svh); the input's are the caller's.
  `ASSERT_STREAM(InStream, in_valid_i, in_ready_o, in_data_i, clk_i, !rst_ni)
  `ASSERT_STREAM(OutStream, out_valid_o, out_ready_i, out_data_o, clk_i, !rst_ni)

endmodule : ibert_layernorm_unit
