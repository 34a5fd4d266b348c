// sole_e2softmax_recip: SOLE's approximate log-based divider: a row sum of powers of two
// -> the shift w and the reciprocal mantissa recip (bit-exact with models/sole.py).
//
//   sum   = 2^(SumFrac + w) (1 + f)         leading one at bit SumFrac + w (sum >= 2^SumFrac)
//   f     = the MantBits bits below the leading one, truncated
//   recip = 2^R - f 2^(R-1-MantBits) - corr[f >> (MantBits - log2 CorrEntries)]   (R = RecipFrac)
//
// recip 2^-R ~ 1 / (1 + f): the chord 1 - f/2 of Mitchell's log and antilog approximations,
// lowered by a small per-slice constant (CorrTable, chosen offline by the model to minimise
// the worst relative error on each slice of the mantissa). With CorrEntries = 0 the chord is
// used as is. Each output element is then recip >> (k + w + R - OutFrac): division became
// a subtraction of logs, i.e. a shift.
//
// One register stage: a sum taken at edge n gives valid_o, w_o and recip_o after edge n+1
// (recip_o is combinational from that register). No backpressure: the unit takes each result
// at the edge after valid_o.
`include "sole_e2softmax.svh"

module sole_e2softmax_recip #(
  parameter  int unsigned SumWidth    = 23,
  parameter  int unsigned SumFrac     = 15,
  `SOLE_E2_RECIP_PARAMS,
  localparam int unsigned WBits       = (SumWidth - SumFrac > 1) ? $clog2(SumWidth - SumFrac) : 1
) (
  input  logic                 clk_i, rst_ni,
  input  logic                 sum_valid_i,
  input  logic [SumWidth-1:0]  sum_i,
  output logic                 valid_o,
  output logic [WBits-1:0]     w_o,
  output logic [RecipFrac:0]   recip_o
);

  // sum >= 2^SumFrac: its leading one is among the top TopWidth bits, which the LZC scans.
  localparam int unsigned TopWidth = SumWidth - SumFrac;
  localparam int unsigned LzcBits  = $clog2(TopWidth + 1);
  localparam int unsigned CorrBits = (CorrEntries > 1) ? $clog2(CorrEntries) : 0;
  localparam int unsigned ExtWidth = SumWidth + MantBits;

  if (SumWidth <= SumFrac) begin : gen_check_sum_width
    $fatal(1, "sole_e2softmax_recip: SumWidth (%0d) must exceed SumFrac (%0d)", SumWidth, SumFrac);
  end
  if (MantBits < 1 || MantBits + 1 > RecipFrac) begin : gen_check_mant
    $fatal(1, "sole_e2softmax_recip: MantBits (%0d) must be in [1, RecipFrac - 1 = %0d]", MantBits,
           RecipFrac - 1);
  end
  if (CorrEntries != 0 && (CorrEntries != (1 << CorrBits) || CorrBits > MantBits)) begin : gen_check_corr
    $fatal(1, "sole_e2softmax_recip: CorrEntries (%0d) must be 0 or a power of two up to 2^MantBits",
           CorrEntries);
  end

  // ---------------------------------------------------------------------------
  // Leading one: normalise the sum so that its leading one is the top bit
  // ---------------------------------------------------------------------------
  logic [LzcBits-1:0]  lead_zeros;
  logic                sum_zero;
  logic [ExtWidth-1:0] norm;

  lzc #(
    .Width(TopWidth)
  ) u_lzc (
    .data_i(sum_i[SumWidth-1 -: TopWidth]),
    .cnt_o (lead_zeros),
    .zero_o(sum_zero)
  );

  // Zeros appended below: a sum with fewer than MantBits bits under its leading one is
  // widened exactly, as the model's left shift does.
  assign norm = {sum_i << lead_zeros, MantBits'(0)};

  logic                unused_lzc_zero, unused_norm_top;
  // The row maximum contributes 2^SumFrac (sole_e2softmax_unit asserts it): never zero. An
  // empty row (no element kept) sums 0, and its outputs are all masked.
  assign unused_lzc_zero = sum_zero;
  assign unused_norm_top = norm[ExtWidth-1];

  logic                valid_q;
  logic [MantBits-1:0] f_q;
  logic [WBits-1:0]    w_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= 1'b0;
    end else begin
      valid_q <= sum_valid_i;
    end
  end

  always_ff @(posedge clk_i) begin
    if (sum_valid_i) begin
      f_q <= norm[ExtWidth-2 -: MantBits];
      // Leading one at SumWidth-1-lead_zeros; sum >= 2^SumFrac keeps this non-negative.
      w_q <= WBits'(LzcBits'(TopWidth - 1) - lead_zeros);
    end
  end

  // ---------------------------------------------------------------------------
  // Reciprocal mantissa: chord minus the slice's correction
  // ---------------------------------------------------------------------------
  logic [RecipFrac:0] chord, corr;

  assign chord = (RecipFrac+1)'(1) << RecipFrac;

  if (CorrEntries == 0) begin : gen_no_corr
    assign corr = '0;
  end else begin : gen_corr
    logic [CorrBits:0] slice;  // one spare bit so that CorrEntries = 1 still has a vector
    assign slice = (CorrBits+1)'(f_q >> (MantBits - CorrBits));
    assign corr  = (RecipFrac+1)'(CorrTable[slice*RecipFrac +: RecipFrac]);
  end

  assign recip_o = chord - ((RecipFrac+1)'(f_q) << (RecipFrac - 1 - MantBits)) - corr;
  assign valid_o = valid_q;
  assign w_o     = w_q;

endmodule : sole_e2softmax_recip
