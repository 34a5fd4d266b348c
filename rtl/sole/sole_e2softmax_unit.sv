// sole_e2softmax_unit: SOLE's E2Softmax (Wang et al., ICCAD 2023) over rows of RowLength
// elements, Lanes elements per beat, rows back to back. Bit-exact with models/sole.py
// E2Softmax, where the datapath is written out; per row:
//
//   d = x - max(row)                 k = log2 code of exp(d) (sole_e2softmax_code, shift-adds)
//   sum = sum 2^(SumFrac - k)        w, recip = log-based divider (sole_e2softmax_recip)
//   y = round(recip >> (k + w + RecipFrac - OutFrac))      (sole_e2softmax_out)
//
// No multiplier and no table in the exp path: an element's exp is the 4-bit code k, and the
// unit buffers those codes, not exps, between the sum and the output.
//
// Formats at the defaults: input SQ16.9 (the Softmax unit's; the shift-add multiply by
// log2 e needs a power-of-two input scale), output UQ8.8 codes y * 2^-8 (OutWidth = OutFrac:
// with the correction table the largest output, a one-element row, is 247/256 < 1). The
// choices that move accuracy are parameters: CodeNearest (0: floor, the paper's; 1: round the
// code to nearest), MantBits and CorrEntries/CorrTable (the divider), RecipFrac, OutFrac.
// CorrTable is the model's table (E2Softmax.corr), entry j at [j*RecipFrac +: RecipFrac];
// the default is the one for MantBits 5, CorrEntries 8, RecipFrac 10.
//
// Streams: in_valid_i/in_ready_o/in_data_i/in_last_i/in_keep_i and out_valid_o/out_ready_i/
// out_data_o/out_last_o/out_keep_o, lane l at [l*W +: W], one handshake per beat; a row is up
// to RowBeats = RowLength / Lanes beats and its output beats come in the same order.
//
// Stages, each moving one beat per cycle, joined by queues of beats (softmax_rows) so a slot is
// held only while its beat waits:
//   input + running maximum  -> x queue (RowBeats + 1 beats, and the row maximums)
//   issue: d, then k         -> k queue (RowBeats + 5 beats of Lanes codes), row sum
//   divider                  -> the k queue's (w, recip), one entry per row
//   output (valid/ready)
// A row is issued once its last beat and maximum are stored; its output starts once its
// (w, recip) is stored. A k slot is reserved when its beat is issued, so the issue side
// never waits on the output side except through that reservation.
//
// Rows of any length (rtl/common/softmax_rows.sv has the rules): a row is 1 to RowLength
// elements, its beats ending at one with in_last_i high (a row reaching RowBeats beats ends
// there regardless); in_keep_i[l] low leaves lane l out of its row (a masked key, the padding
// of a final partial beat): it neither wins the maximum nor counts in the sum, and its output
// is 0. out_last_o/out_keep_o give each output beat its input beat's frame. A row with no kept
// element outputs 0 throughout. Rows of different lengths stream back to back.
//
// Throughput: with no input gaps and out_ready_i high, back-to-back rows stream at Lanes
// elements per cycle in and out. Backpressure fills the k FIFO, then the x FIFO, then drops
// in_ready_o (which comes from registers only); nothing is lost, duplicated or reordered.
//
// Row latency (RowLatency = RowBeats + 7, b + 7 for a row of b beats once the rows before it
// have been issued; out_ready_i high): clock edges from the handshake
// of a row's last input beat (edge E) to the handshake of its first output beat. The row's
// beats are issued at edges E+1 .. E+RowBeats; the last one's d is registered there, its k
// pushed 1 edge later, the row sum registered at +2, the divider's register at +3, (w, recip)
// stored at +4, the first beat enters the output stage at +5 and leaves at +7:
// RowBeats + 7. Rows back to back see the same latency.
//
// Reset (rst_ni, asynchronous) empties every FIFO and stage: a partial row and the rows in
// flight are dropped, and the next accepted beat starts a new row.
`include "assert.svh"
`include "port_groups.svh"
`include "sole_e2softmax.svh"

module sole_e2softmax_unit #(
  `SOLE_E2_CODE_PARAMS,
  parameter  int unsigned SumFrac     = (1 << CodeBits) - 1,
  parameter  int unsigned RowLength   = 128,
  parameter  int unsigned Lanes       = 4,
  `SOLE_E2_RECIP_PARAMS,
  `SOLE_E2_OUT_PARAMS
) (
  input  logic                       clk_i, rst_ni,

  `ROW_STREAM_IN_PORTS(Lanes*InWidth, Lanes),

  `ROW_STREAM_OUT_PORTS(Lanes*OutWidth, Lanes)
);

  // ---------------------------------------------------------------------------
  // Sizes. Guarded so that impossible values reach their $fatal below.
  // ---------------------------------------------------------------------------
  localparam int unsigned RowBeats  =
      (Lanes >= 1 && RowLength >= Lanes && RowLength % Lanes == 0) ? RowLength / Lanes : 1;
  localparam int unsigned DWidth    = InWidth + 1;
  // Every term is at most 2^SumFrac (the row maximum's), so a row sums below RowLength+1 times that.
  localparam int unsigned SumWidth  = SumFrac + 1 + ((RowLength > 1) ? $clog2(RowLength) : 0);
  localparam int unsigned WBits     = (SumWidth - SumFrac > 1) ? $clog2(SumWidth - SumFrac) : 1;
  localparam int unsigned CorrBits  = (CorrEntries > 1) ? $clog2(CorrEntries) : 0;
  // Edges from a row's last issue to its first output-stage pop (see the latency above).
  localparam int unsigned IssueToOut = 5;
  localparam int unsigned KDepth    = RowBeats + IssueToOut;

  // The largest output: k = w = 0 and the largest reciprocal mantissa.
  function automatic longint unsigned largest_output();
    longint unsigned      best, recip, corr;
    logic [RecipFrac-1:0] slot;
    best = 0;
    for (int unsigned f = 0; f < (1 << MantBits); f++) begin
      slot  = RecipFrac'(CorrTable >> ((f >> (MantBits - CorrBits)) * RecipFrac));
      corr  = (CorrEntries > 0) ? 64'(slot) : 64'd0;
      recip = (64'd1 << RecipFrac) - (64'(f) << (RecipFrac - 1 - MantBits)) - corr;
      recip = (recip + ((64'd1 << (RecipFrac - OutFrac)) >> 1)) >> (RecipFrac - OutFrac);
      best  = (recip > best) ? recip : best;
    end
    largest_output = best;
  endfunction

  // ---------------------------------------------------------------------------
  // Parameter checks
  // ---------------------------------------------------------------------------
  if (RowLength < 1) begin : gen_check_row_length
    $fatal(1, "sole_e2softmax_unit: RowLength must be >= 1 (got %0d)", RowLength);
  end
  if (Lanes < 1 || RowLength % Lanes != 0) begin : gen_check_lanes
    $fatal(1, "sole_e2softmax_unit: Lanes (%0d) must be >= 1 and divide RowLength (%0d)", Lanes,
           RowLength);
  end
  if (InWidth < 4 || InWidth > 24 || InFrac >= InWidth) begin : gen_check_in
    $fatal(1, "sole_e2softmax_unit: input SQ%0d.%0d needs InWidth in [4, 24] and InFrac < InWidth",
           InWidth, InFrac);
  end
  if (CodeBits < 1 || CodeBits > 5) begin : gen_check_code_bits
    $fatal(1, "sole_e2softmax_unit: CodeBits must be in [1, 5] (got %0d)", CodeBits);
  end
  if (SumFrac > 40 || SumWidth > 48) begin : gen_check_sum
    $fatal(1, "sole_e2softmax_unit: SumFrac %0d with RowLength %0d needs a %0d-bit sum (max 48)",
           SumFrac, RowLength, SumWidth);
  end
  if (RecipFrac < 2 || RecipFrac > 30 || MantBits < 1 || MantBits + 1 > RecipFrac) begin : gen_check_recip
    $fatal(1, "sole_e2softmax_unit: RecipFrac (%0d) must be in [2, 30] and MantBits (%0d) in [1, RecipFrac - 1]",
           RecipFrac, MantBits);
  end
  if (CorrEntries != 0 && (CorrEntries != (1 << CorrBits) || CorrBits > MantBits)) begin : gen_check_corr
    $fatal(1, "sole_e2softmax_unit: CorrEntries (%0d) must be 0 or a power of two up to 2^MantBits",
           CorrEntries);
  end
  if (OutFrac < 1 || OutFrac > RecipFrac) begin : gen_check_out_frac
    $fatal(1, "sole_e2softmax_unit: OutFrac (%0d) must be in [1, RecipFrac = %0d]", OutFrac, RecipFrac);
  end
  if (OutFrac <= RecipFrac && MantBits + 1 <= RecipFrac &&
      largest_output() >= (64'd1 << OutWidth)) begin : gen_check_out_width
    $fatal(1, "sole_e2softmax_unit: OutWidth (%0d) cannot hold the largest output %0d", OutWidth,
           largest_output());
  end

  // ---------------------------------------------------------------------------
  // Rows: maximum, x and k queues (softmax_rows). A beat of a row whose maximum is known is
  // issued once a k slot is reserved for it; the output reads a row whose (w, recip) is stored,
  // which has all its k stored too.
  // ---------------------------------------------------------------------------
  localparam int unsigned RWidth = WBits + RecipFrac + 1;

  logic                      issue, issue_first, issue_last, d_valid_q, r_valid, o_last;
  logic [Lanes-1:0]          issue_keep, d_keep_q, o_keep;
  logic                      out_pending, out_stage_ready;
  logic [Lanes*InWidth-1:0]  x_head;
  logic [InWidth-1:0]        m_head;
  logic [Lanes*CodeBits-1:0] k_beat, k_head;
  logic [WBits-1:0]          r_w;
  logic [RecipFrac:0]        r_recip;
  logic [RWidth-1:0]         r_head;

  softmax_rows #(
    .Lanes(Lanes), .InWidth(InWidth), .RowBeats(RowBeats),
    .EWidth(Lanes * CodeBits), .RowWidth(RWidth), .EDepth(KDepth)
  ) u_rows (
    .clk_i, .rst_ni,
    .in_valid_i, .in_ready_o, .in_data_i, .in_last_i, .in_keep_i,
    .issue_o      (issue),
    .issue_first_o(issue_first),
    .issue_last_o (issue_last),
    .issue_keep_o (issue_keep),
    .x_o          (x_head),
    .max_o        (m_head),
    .e_valid_i    (d_valid_q),
    .e_i          (k_beat),
    .e_last_i     (d_last_q),
    .e_keep_i     (d_keep_q),
    .norm_valid_i (r_valid),
    .norm_i       ({r_w, r_recip}),
    .out_valid_o  (out_pending),
    .out_ready_i  (out_stage_ready),
    .out_e_o      (k_head),
    .out_norm_o   (r_head),
    .out_last_o   (o_last),
    .out_keep_o   (o_keep)
  );

  // The row sum restarts on the beat after a row's last.
  logic unused_issue_first;
  assign unused_issue_first = issue_first;

  // Stage 1: d = x - max, exact (x <= max, so d <= 0)
  logic                    d_last_q;
  logic [Lanes*DWidth-1:0] d_d, d_q;

  always_comb begin
    for (int unsigned l = 0; l < Lanes; l++) begin
      d_d[l*DWidth +: DWidth] = DWidth'($signed(x_head[l*InWidth +: InWidth])) -
                                DWidth'($signed(m_head));
    end
  end

  beat_stage #(.Width(Lanes*(DWidth + 1))) u_stage_d (
    .clk_i, .rst_ni, .valid_i(issue), .last_i(issue_last), .data_i({issue_keep, d_d}),
    .valid_o(d_valid_q), .last_o(d_last_q), .data_o({d_keep_q, d_q}));

  // Stage 2: log2 codes (into the k FIFO) and the beat's sum of 2^(SumFrac - k)

  for (genvar l = 0; l < Lanes; l++) begin : gen_code
    sole_e2softmax_code #(
      `SOLE_E2_CODE_OVERRIDES
    ) u_code (
      .d_i(d_q[l*DWidth +: DWidth]),
      .k_o(k_beat[l*CodeBits +: CodeBits])
    );
  end

  logic [SumWidth-1:0] beat_sum;

  always_comb begin
    beat_sum = '0;
    for (int unsigned l = 0; l < Lanes; l++) begin
      logic [CodeBits-1:0] k;
      k = k_beat[l*CodeBits +: CodeBits];
      // Terms below 2^-SumFrac are dropped (only possible when SumFrac < KMax), and a lane
      // that is not an element of its row adds nothing.
      if (32'(k) <= SumFrac) begin
        beat_sum = beat_sum + (SumWidth'(d_keep_q[l]) << (SumFrac - 32'(k)));
      end
    end
  end

  logic                beat_valid_q, beat_last_q;
  logic [SumWidth-1:0] beat_sum_q;

  beat_stage #(.Width(SumWidth)) u_stage_beat (
    .clk_i, .rst_ni, .valid_i(d_valid_q), .last_i(d_last_q), .data_i(beat_sum),
    .valid_o(beat_valid_q), .last_o(beat_last_q), .data_o(beat_sum_q));

  // Stage 3: row sum
  logic                sum_valid_q;
  logic [SumWidth-1:0] acc_q, sum_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc_q       <= '0;
      sum_valid_q <= 1'b0;
    end else begin
      sum_valid_q <= beat_valid_q && beat_last_q;
      if (beat_valid_q) begin
        acc_q <= beat_last_q ? '0 : acc_q + beat_sum_q;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (beat_valid_q && beat_last_q) begin
      sum_q <= acc_q + beat_sum_q;
    end
  end

`ifndef SYNTHESIS
  // Assertion support: whether the row summed into sum_q had a term (a kept element). Its
  // maximum's term is then 2^SumFrac, which sole_e2softmax_recip's LZC scan relies on.
  logic row_term_q, sum_term_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      row_term_q <= 1'b0;
      sum_term_q <= 1'b0;
    end else if (beat_valid_q) begin
      row_term_q <= !beat_last_q && (row_term_q || beat_sum_q != '0);
      if (beat_last_q) begin
        sum_term_q <= row_term_q || beat_sum_q != '0;
      end
    end
  end

  `ASSERT(RowSumHasMaxTerm, sum_valid_q && sum_term_q |-> sum_q >= (SumWidth'(1) << SumFrac), clk_i, !rst_ni)
`endif

  // ---------------------------------------------------------------------------
  // Divider (stage 4) into the (w, recip) FIFO
  // ---------------------------------------------------------------------------

  sole_e2softmax_recip #(
    .SumWidth   (SumWidth),
    .SumFrac    (SumFrac),
    `SOLE_E2_RECIP_OVERRIDES
  ) u_recip (
    .clk_i, .rst_ni,
    .sum_valid_i(sum_valid_q),
    .sum_i      (sum_q),
    .valid_o    (r_valid),
    .w_o        (r_w),
    .recip_o    (r_recip)
  );

  sole_e2softmax_out #(
    .Lanes    (Lanes),
    .CodeBits (CodeBits),
    .WBits    (WBits),
    .RecipFrac(RecipFrac),
    `SOLE_E2_OUT_OVERRIDES
  ) u_out (
    .clk_i, .rst_ni,
    .in_valid_i (out_pending),
    .in_ready_o (out_stage_ready),
    .k_i        (k_head),
    .w_i        (r_head[RWidth-1 -: WBits]),
    .recip_i    (r_head[RecipFrac:0]),
    .last_i     (o_last),
    .keep_i     (o_keep),
    .out_valid_o, .out_ready_i, .out_data_o, .out_last_o, .out_keep_o
  );

  // Both ports follow the stream rules (rtl/common/assert.svh); the input's are the caller's.
  `ASSERT_STREAM(InStream, in_valid_i, in_ready_o, {in_last_i, in_keep_i, in_data_i}, clk_i, !rst_ni)
  `ASSERT_STREAM(OutStream, out_valid_o, out_ready_i, {out_last_o, out_keep_o, out_data_o}, clk_i,
                 !rst_ni)

endmodule : sole_e2softmax_unit
