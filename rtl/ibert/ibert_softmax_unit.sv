// ibert_softmax_unit: I-BERT's integer-only Softmax (i-exp + integer normalisation; Kim et
// al., "I-BERT: Integer-only BERT Quantization", ICML 2021, arXiv 2101.01321, Algorithm 3),
// rows of RowLength elements, Lanes elements per beat, rows back to back.
//
// The baseline the NN-LUT Softmax (softmax_unit) is measured against: same stream interface,
// same input format, same row-buffer organisation. Bit-exact with models/ibert.py IntSoftmax
// (paper polynomial, ln2 = math.log(2), exp_shift 30, max_q = MaxQ, max_bit = MaxBit, the
// default static requantisation ratio), whose docstring derives every constant:
//
//   d      = max(q - max(row), MaxQ * x0_int)        z = floor(d / x0_int), r = d - z x0_int
//   e16    = sat(round_half_even((r + b_int)^2 + c_int) * M / 2^(E + z - 30)))   (ibert_exp_lane)
//   factor = floor(2^MaxBit / sum(e16))
//   y      = (e16 * factor) >> (MaxBit - OutBits)
//
// Formats at the defaults: input SQ16.9 (scale 2^-9, [-64, 64)), as softmax_unit; output
// UQ16.16: y is an unsigned OutBits = 16-bit code, p ~ y * 2^-16 (the model's out_bits = 16,
// where the paper uses 8). y never reaches 2^OutBits: e16 * factor <= 2^MaxBit, with equality
// only for a row whose sum is the row maximum's e16 (ETop, below) and ETop dividing 2^MaxBit,
// i.e. ETop a power of two, which stops elaboration.
// Constants (the model's values at scale 2^-9, passed by tb/ibert_softmax from the model):
//   X0Mag = -x0_int = 355, BInt = b_int = 692, CInt = c_int = 251541, Mult = M =
//   1541426396, ReqShift = E - 30 = 35. ETop = e16 at d = 0 = 32767 (computed below).
//
// Three stages connected by queues, each moving one beat per cycle:
//   load/max      -> x queue (RowBeats+1 beats, and the row maximums; softmax_rows)
//   exp/sum       -> e queue (EDepth beats, and the factors); the row sum goes to the sum buffer
//   divider       -> the e queue's factor; floor(2^MaxBit / sum) by seq_divider,
//                    DivSteps = ceil(FactorWidth / DivBitsPerCycle) cycles per row
//   normalise/out (stream_pipe_ctrl, 2 stages: operands, product)
// The exp stage starts a row once its last beat and maximum are stored and reserves an e slot
// per beat it issues, so the exp pipeline never stops; the output stage starts a row once its
// factor is known.
//
// Rows of any length (rtl/common/softmax_rows.sv has the rules): a row is 1 to RowLength
// elements, its beats ending at one with in_last_i high (a row reaching RowBeats beats ends
// there regardless); in_keep_i[l] low leaves lane l out of its row (a masked key, the padding
// of a final partial beat): it neither wins the maximum nor counts in the sum, and its output
// is 0. out_last_o/out_keep_o give each output beat its input beat's frame. A row with no kept
// element outputs 0 throughout. Rows of different lengths stream back to back.
//
// Throughput: with no input gaps and out_ready_i high, back-to-back rows stream at Lanes
// elements per cycle in and out as long as rows are DivSteps + 1 beats or more (the divider finishes
// one row before the next row's sum arrives); shorter rows are limited to one row per
// DivSteps + 1 cycles. Backpressure fills the e queue, then the x queue, then drops
// in_ready_o; nothing is lost, duplicated or reordered.
//
// Row latency (a row of b beats: b + DivSteps + 10, once the rows before it have been issued
// and the divider is free): RowLatency = RowBeats + DivSteps + 10 clock edges from the edge that accepts
// a row's last input beat to the edge of its first output handshake (out_ready_i high, and
// at full rate for every row). For a last input beat at edge a: the exp stage issues the row
// at edges a+1 .. a+RowBeats; the last e16 is registered 4 edges after its issue and the sum
// pushed at the next edge (a+RowBeats+5); the divider starts at a+RowBeats+6 and finishes
// DivSteps edges later; the factor is pushed one edge after that, the output stage issues the
// first beat at the next edge and it leaves two edges later:
// RowBeats + 5 + 1 + DivSteps + 1 + 1 + 2 = RowBeats + DivSteps + 10.
//
// Reset (rst_ni, asynchronous) clears every buffer and stage: rows in flight are dropped and
// the next accepted beat starts a new row.

`include "assert.svh"
`include "port_groups.svh"
`include "ibert_exp.svh"

module ibert_softmax_unit #(
  `IBERT_EXP_PARAMS,
  localparam int unsigned     EWidth          = ExpBits - 1,
  parameter  int unsigned     InWidth         = 16,
  parameter  int unsigned     MaxBit          = 32,
  parameter  int unsigned     OutBits         = 16,
  parameter  int unsigned     RowLength       = 128,
  parameter  int unsigned     Lanes           = 4,
  // Guarded so that a bad RowLength/Lanes reaches its $fatal.
  localparam int unsigned     RowBeats        =
      (Lanes >= 1 && RowLength >= Lanes && RowLength % Lanes == 0) ? RowLength / Lanes : 1,
  parameter  int unsigned     DivBitsPerCycle = 2
) (
  input  logic                      clk_i, rst_ni,

  `ROW_STREAM_IN_PORTS(Lanes*InWidth, Lanes),

  `ROW_STREAM_OUT_PORTS(Lanes*OutBits, Lanes)
);

  function automatic int unsigned ubits(longint unsigned v);
    ubits = (v == 0) ? 0 : $clog2(v + 64'd1);
  endfunction

  // e16 of the row maximum (d = 0: z = 0, r = 0), rounded as ibert_exp_lane rounds.
  function automatic longint unsigned top_code();
    longint unsigned prod, quo, rem, half, top;
    prod = (BInt * BInt + CInt) * Mult;
    quo  = prod >> ReqShift;
    rem  = prod - (quo << ReqShift);
    half = 64'd1 << (ReqShift - 1);
    quo  = quo + longint'((rem > half) || (rem == half && quo[0]));
    top  = (64'd1 << (ExpBits - 1)) - 1;
    top_code = (quo > top) ? top : quo;
  endfunction

  // ---------------------------------------------------------------------------
  // Sizes
  // ---------------------------------------------------------------------------
  localparam longint unsigned ETop    = top_code();
  // sum >= ETop > 2^TopLog (ETop is not a power of two), so factor < 2^(MaxBit - TopLog).
  localparam int unsigned TopLog      = (ubits(ETop) > 0) ? ubits(ETop) - 1 : 0;
  localparam int unsigned FactorWidth = MaxBit - TopLog;
  localparam int unsigned SumWidth    = EWidth + ((RowLength > 1) ? $clog2(RowLength) : 0);
  // e16 * factor < 2^MaxBit (see the header): MaxBit bits hold it, and the low bits of a
  // product need only the low bits of its operands.
  localparam int unsigned ProdWidth   = MaxBit;
  localparam int unsigned OutShift    = MaxBit - OutBits;
  localparam int unsigned DivSteps    =
      (DivBitsPerCycle > 0) ? (FactorWidth + DivBitsPerCycle - 1) / DivBitsPerCycle : 1;
  // Issue edge -> e16 register (5 stages), and the e buffer's slot lifetime at full rate:
  // reserved at issue, released when the output stage takes it, RowBeats + DivSteps + 7 edges
  // later (see the row latency above); one more slot because a release and a reservation at
  // the same edge do not see each other.
  localparam int unsigned ExpStages   = 5;
  localparam int unsigned EDepth      = RowBeats + DivSteps + 8;
  // Rows with a pending sum keep all their e slots but for the oldest row.
  // A sum waits here only while its row's e beats are in the e queue: at most one row per slot.
  localparam int unsigned SDepth      = EDepth;
  localparam int unsigned SCntWidth   = $clog2(SDepth + 1);

  // ---------------------------------------------------------------------------
  // Parameter checks
  // ---------------------------------------------------------------------------
  if (RowLength < 1) begin : gen_check_row_length
    $fatal(1, "ibert_softmax_unit: RowLength must be >= 1 (got %0d)", RowLength);
  end
  if (Lanes < 1) begin : gen_check_lanes
    $fatal(1, "ibert_softmax_unit: Lanes must be >= 1 (got %0d)", Lanes);
  end
  if (Lanes >= 1 && RowLength % Lanes != 0) begin : gen_check_row_beats
    $fatal(1, "ibert_softmax_unit: RowLength (%0d) must be a multiple of Lanes (%0d)", RowLength,
           Lanes);
  end
  if (InWidth < 4 || InWidth > 24) begin : gen_check_in_width
    $fatal(1, "ibert_softmax_unit: InWidth must be in [4, 24] (got %0d)", InWidth);
  end
  if (X0Mag < 1 || BInt < X0Mag) begin : gen_check_x0
    $fatal(1, "ibert_softmax_unit: need 1 <= X0Mag <= BInt (got X0Mag %0d, BInt %0d)", X0Mag,
           BInt);
  end
  if (MaxQ < 1 || MaxQ > 62) begin : gen_check_max_q
    $fatal(1, "ibert_softmax_unit: MaxQ must be in [1, 62] (got %0d)", MaxQ);
  end
  if (BInt >= (64'd1 << 24) || CInt >= (64'd1 << 48)) begin : gen_check_poly
    $fatal(1, "ibert_softmax_unit: BInt (%0d) must be < 2^24 and CInt (%0d) < 2^48", BInt, CInt);
  end
  if (ubits(BInt * BInt + CInt) + ubits(Mult) > 62) begin : gen_check_prod
    $fatal(1, "ibert_softmax_unit: p * Mult needs %0d bits (max 62)",
           ubits(BInt * BInt + CInt) + ubits(Mult));
  end
  if (ReqShift < 1 || ReqShift > 62) begin : gen_check_req_shift
    $fatal(1, "ibert_softmax_unit: ReqShift must be in [1, 62] (got %0d)", ReqShift);
  end
  if (ExpBits < 4 || ExpBits > 31) begin : gen_check_exp_bits
    $fatal(1, "ibert_softmax_unit: ExpBits must be in [4, 31] (got %0d)", ExpBits);
  end
  if (ETop < 2 || (ETop & (ETop - 1)) == 0) begin : gen_check_top
    $fatal(1, "ibert_softmax_unit: the row maximum's e16 (%0d) must be >= 2 and not a power of %s",
           ETop, "two (the output could reach 2^OutBits)");
  end
  if (MaxBit < 8 || MaxBit > 48) begin : gen_check_max_bit
    $fatal(1, "ibert_softmax_unit: MaxBit must be in [8, 48] (got %0d)", MaxBit);
  end
  if (OutBits < 1 || OutBits > MaxBit) begin : gen_check_out_bits
    $fatal(1, "ibert_softmax_unit: OutBits (%0d) must be in [1, MaxBit = %0d]", OutBits, MaxBit);
  end
  if (DivBitsPerCycle < 1 || DivBitsPerCycle > FactorWidth) begin : gen_check_div_bits
    $fatal(1, "ibert_softmax_unit: DivBitsPerCycle (%0d) must be in [1, %0d]", DivBitsPerCycle,
           FactorWidth);
  end

  // ---------------------------------------------------------------------------
  // Rows: maximum, x and e queues (softmax_rows). A row starts into the exp stage once its
  // maximum is stored; an e slot is reserved at issue, so the exp pipeline never has to stop.
  // ---------------------------------------------------------------------------
  logic                     b_issue, b_first, b_last, o_valid, o_ready, o_last;
  logic [Lanes-1:0]         b_keep, o_keep, e_keep;
  logic [Lanes*InWidth-1:0] x_head;
  logic [InWidth-1:0]       m_head;
  logic [Lanes*EWidth-1:0]  e_lane, e_beat, e_head;
  logic [FactorWidth-1:0]   r_head, div_quo;
  logic                     e_valid, div_done;

  softmax_rows #(
    .Lanes(Lanes), .InWidth(InWidth), .RowBeats(RowBeats),
    .EWidth(Lanes*EWidth), .RowWidth(FactorWidth), .EDepth(EDepth)
  ) u_rows (
    .clk_i, .rst_ni,
    .in_valid_i, .in_ready_o, .in_data_i, .in_last_i, .in_keep_i,
    .issue_o(b_issue), .issue_first_o(b_first), .issue_last_o(b_last), .issue_keep_o(b_keep),
    .x_o(x_head), .max_o(m_head),
    .e_valid_i(e_valid), .e_i(e_beat), .e_last_i(e_row_last), .e_keep_i(e_keep),
    .norm_valid_i(div_done), .norm_i(div_quo),
    .out_valid_o(o_valid), .out_ready_i(o_ready), .out_e_o(e_head), .out_norm_o(r_head),
    .out_last_o(o_last), .out_keep_o(o_keep)
  );

  // ---------------------------------------------------------------------------
  // Exp/sum stage
  // ---------------------------------------------------------------------------
  for (genvar l = 0; l < Lanes; l++) begin : gen_exp_lane
    ibert_exp_lane #(
      .InWidth (InWidth),
      `IBERT_EXP_OVERRIDES
    ) u_exp (
      .clk_i,
      .x_i  (x_head[l*InWidth +: InWidth]),
      .max_i(m_head),
      .e_o  (e_lane[l*EWidth +: EWidth])
    );

    // A lane that is not an element of its row gives e = 0.
    assign e_beat[l*EWidth +: EWidth] = e_keep[l] ? e_lane[l*EWidth +: EWidth] : '0;
  end

  // Valid, first and last flags travel beside the lanes' five stages.
  logic                e_row_last, e_first;
  logic [SumWidth-1:0] sum_d;

  beat_stage #(.Width(Lanes + 1), .Stages(ExpStages)) u_flags_beside_exp (
    .clk_i, .rst_ni, .valid_i(b_issue), .last_i(b_last), .data_i({b_keep, b_first}),
    .valid_o(e_valid), .last_o(e_row_last), .data_o({e_keep, e_first}));

  row_sum #(
    .Lanes(Lanes), .Width(EWidth), .SumWidth(SumWidth)
  ) u_sum (
    .clk_i, .rst_ni, .valid_i(e_valid), .first_i(e_first), .beat_i(e_beat), .sum_o(sum_d)
  );

  // ---------------------------------------------------------------------------
  // Sum buffer and divider: factor = floor(2^MaxBit / sum)
  // ---------------------------------------------------------------------------
  logic [SumWidth-1:0]    s_head;
  logic [SCntWidth-1:0]   s_count;
  logic                   div_start, div_ready, div_tag;
  logic [SumWidth-1:0]    div_rem;

  assign div_start = (s_count != '0) && div_ready;

  stream_fifo #(
    .Width(SumWidth), .Depth(SDepth)
  ) u_s_buf (
    .clk_i, .rst_ni, .push_i(e_valid && e_row_last), .data_i(sum_d),
    .pop_i(div_start), .data_o(s_head), .count_o(s_count)
  );

  seq_divider #(
    .NumWidth(MaxBit + 1), .DenWidth(SumWidth), .QuoWidth(FactorWidth),
    .BitsPerCycle(DivBitsPerCycle)
  ) u_div (
    .clk_i, .rst_ni,
    .in_valid_i(s_count != '0), .in_ready_o(div_ready), .num_i((MaxBit + 1)'(1) << MaxBit),
    .den_i(s_head), .tag_i(1'b0),
    .out_valid_o(div_done), .out_ready_i(1'b1), .quo_o(div_quo), .rem_o(div_rem), .tag_o(div_tag)
  );

  // Only the quotient is needed (floor division).
  logic unused_div;
  assign unused_div = ^{div_rem, div_tag};

  // ---------------------------------------------------------------------------
  // Normalise/output stage: y = (e16 * factor) >> (MaxBit - OutBits)
  // ---------------------------------------------------------------------------
  logic [1:0] o_en;

  stream_pipe_ctrl #(.Stages(2)) u_out_ctrl (
    .clk_i, .rst_ni,
    .in_valid_i(o_valid), .in_ready_o(o_ready), .out_valid_o, .out_ready_i, .en_o(o_en)
  );

  logic [Lanes*EWidth-1:0] o_e_q;
  logic [FactorWidth-1:0]  o_factor_q;
  logic [Lanes*OutBits-1:0] o_y_q;
  logic [Lanes:0]          o_frame_q [2];

  always_ff @(posedge clk_i) begin
    if (o_en[0]) begin
      o_e_q        <= e_head;
      o_factor_q   <= r_head;
      o_frame_q[0] <= {o_keep, o_last};
    end
    if (o_en[1]) begin
      o_frame_q[1] <= o_frame_q[0];
    end
  end

  assign {out_keep_o, out_last_o} = o_frame_q[1];

  // The product is below 2^MaxBit (see the header), so its top OutBits bits are the output.
  for (genvar l = 0; l < Lanes; l++) begin : gen_norm_lane
    logic [ProdWidth-1:0] prod;
    assign prod = ProdWidth'(o_e_q[l*EWidth +: EWidth]) * ProdWidth'(o_factor_q);

    always_ff @(posedge clk_i) begin
      if (o_en[1]) begin
        o_y_q[l*OutBits +: OutBits] <= prod[OutShift +: OutBits];
      end
    end

    logic unused_prod_low;
    if (OutShift > 0) begin : gen_unused_low
      assign unused_prod_low = ^prod[((OutShift > 0) ? OutShift - 1 : 0):0];
    end else begin : gen_no_unused_low
      assign unused_prod_low = 1'b0;
    end
  end

  assign out_data_o = o_y_q;

  // Both ports follow the stream rules (rtl/common/assert.svh); the input's are the caller's.
  `ASSERT_STREAM(InStream, in_valid_i, in_ready_o, {in_last_i, in_keep_i, in_data_i}, clk_i, !rst_ni)
  `ASSERT_STREAM(OutStream, out_valid_o, out_ready_i, {out_last_o, out_keep_o, out_data_o}, clk_i,
                 !rst_ni)

endmodule : ibert_softmax_unit
