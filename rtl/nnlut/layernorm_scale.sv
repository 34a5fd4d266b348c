// layernorm_scale: per-row 1/sqrt of the variance term, through the NN-LUT core.
//
// For one row's S1 and S2 (bit-exact with models/layernorm.py):
//   V  = Dim*S2 - S1^2                (= sum_{i<j} (x_i - x_j)^2, exact, >= 0)
//   T  = V * 2^VarFrac + EpsTerm       (epsilon on a grid of 2^-VarFrac code^2)
//   p  = max(floor(log2 T), 0)         (leading-zero count; T = 0 only for a constant row)
//   e  = p                             RsqrtRange 2: table on [1, 2)
//      = p - ((p - VarFrac) mod 2)      RsqrtRange 4: table on [1, 4), even shift
//   m  = floor(T * 2^(TblInFrac - e))  table input, in [1, RsqrtRange)
//   k  = max(e - VarFrac, 0)           so that T / 2^VarFrac = m * 2^k
//   rt = rsqrt table(m)                (nnlut_core, TblOutFrac fraction bits)
//   r  = rt << RGuard                                   k even
//      = (rt * OddScale + 2^(15-RGuard)) >>> (16-RGuard) k odd, OddScale = rint(2^16/sqrt 2)
//   shift = TblOutFrac + RGuard - YFrac + floor(k/2)
// so that y = N * r / 2^shift ~ N / sqrt(T / 2^VarFrac). When k < 0 (V = 0 but EpsTerm
// small) or T = 0, every numerator of the row is exactly 0, so any r gives y = 0.
//
// Why [1, 2) by default: y's error is |y| * (relative error of r) and |y| reaches
// sqrt(Dim-1); the 16-entry [1, 2) table has ~4x smaller relative error than [1, 4), and
// odd exponents cost one constant multiply per row, not per element.
//
// Timing: with row_valid_i high in the cycle after edge n, S1 and S2 are registered at edge
// n+1, the products at n+2, T at n+3, m and k at n+4; the core takes m at n+5 and its output
// (with valid_o, r_o and shift_o, combinational from it) is valid in the cycle after edge n+7,
// so the parent stores them at edge n+8 (log2(Entries) edges later with BinarySearch).
// Fully pipelined and never stalls (the core's output is always ready), so a row per cycle
// could pass; rows arrive at most once per Dim/Lanes cycles.

`include "port_groups.svh"

module layernorm_scale #(
  parameter  int unsigned                                Dim            = 384,
  parameter  int unsigned                                S1Width        = 25,
  parameter  int unsigned                                S2Width        = 40,
  parameter  int unsigned                                VarWidth       = 48,
  parameter  int unsigned                                TermWidth      = 53,
  parameter  int unsigned                                VarFrac        = 4,
  parameter  longint unsigned                            EpsTerm        = 0,
  parameter  int unsigned                                RsqrtRange     = 2,
  parameter  int unsigned                                RGuard         = 2,
  parameter  int unsigned                                YFrac          = 14,
  parameter  int unsigned                                ShiftWidth     = 5,
  parameter  int unsigned                                TblInWidth     = 16,
  parameter  int unsigned                                TblInFrac      = 14,
  parameter  int unsigned                                TblOutWidth    = 16,
  parameter  int unsigned                                TblOutFrac     = 15,
  parameter  int unsigned                                SlopeWidth     = 16,
  parameter  int unsigned                                SlopeFrac      = 16,
  parameter  int unsigned                                InterceptWidth = 20,
  parameter  int unsigned                                InterceptFrac  = 18,
  parameter  int unsigned                                Entries        = 16,
  parameter  logic [Entries*TblInWidth-1:0]              Breakpoints    = '0,
  parameter  logic [Entries*SlopeWidth-1:0]              Slopes         = '0,
  parameter  logic [Entries*InterceptWidth-1:0]          Intercepts     = '0,
  `NNLUT_TABLE_OPTION_PARAMS,
  localparam int unsigned                                RWidth         = TblOutWidth + RGuard,
  localparam int unsigned                                IdxWidth       =
      (Entries > 1) ? $clog2(Entries) : 1
) (
  input  logic                      clk_i, rst_ni,
  `NNLUT_TABLE_WRITE_PORTS(IdxWidth, TblInWidth, SlopeWidth, InterceptWidth),
  input  logic                      row_valid_i,
  input  logic signed [S1Width-1:0] s1_i,
  input  logic [S2Width-1:0]        s2_i,
  output logic                      valid_o,
  output logic signed [RWidth-1:0]  r_o,
  output logic [ShiftWidth-1:0]     shift_o
);

  // nnlut_core's documented latency (input handshake edge to output handshake edge); k
  // travels beside the core in a delay line of this length.
  localparam int unsigned CoreLatency = 3 + (BinarySearch ? IdxWidth : 0);
  localparam int unsigned OddFrac     = 16;
  // rint(2^16 / sqrt(2)) = rint(46340.95): 1/sqrt(2) to 1e-6 relative.
  localparam int unsigned OddScale    = 46341;
  localparam int unsigned WideWidth   = VarWidth + 1;
  localparam int unsigned CntWidth    = $clog2(TermWidth + 1);
  // k <= TermWidth - 1 - VarFrac
  localparam int unsigned KWidth      = $clog2(TermWidth);

  if (RsqrtRange != 2 && RsqrtRange != 4) begin : gen_check_range
    $fatal(1, "layernorm_scale: RsqrtRange must be 2 or 4 (got %0d)", RsqrtRange);
  end
  if (TblInFrac + 1 >= TermWidth) begin : gen_check_term_width
    $fatal(1, "layernorm_scale: TermWidth (%0d) must exceed TblInFrac + 1 (%0d)", TermWidth,
           TblInFrac + 1);
  end
  // m < RsqrtRange needs 1 (range 2) or 2 (range 4) integer bits above the sign bit.
  if (TblInFrac + (RsqrtRange == 2 ? 2 : 3) > TblInWidth) begin : gen_check_table_input
    $fatal(1, "layernorm_scale: the table input SQ%0d.%0d cannot hold m in [1, %0d)", TblInWidth,
           TblInFrac, RsqrtRange);
  end
  if (RGuard >= OddFrac) begin : gen_check_guard
    $fatal(1, "layernorm_scale: RGuard (%0d) must be < %0d", RGuard, OddFrac);
  end

  // ---------------------------------------------------------------------------
  // Stage 0: the row's sums, registered so that the statistics' final additions and the
  // S1^2 multiplier are not one combinational path (it limited the unit's Fmax)
  // ---------------------------------------------------------------------------
  logic                      v0_q;
  logic signed [S1Width-1:0] s1_q;
  logic        [S2Width-1:0] s2_q;

  always_ff @(posedge clk_i) begin
    if (row_valid_i) begin
      s1_q <= s1_i;
      s2_q <= s2_i;
    end
  end

  // ---------------------------------------------------------------------------
  // Stage 1: the two wide products (Dim*S2 <= Dim^2 * 2^(2W-2) and S1^2 both fit
  // VarWidth + 1 bits; their difference V fits VarWidth)
  // ---------------------------------------------------------------------------
  localparam int unsigned SqWidth = 2 * S1Width;

  logic                 v1_q;
  logic [WideWidth-1:0] dim_s2_q, s1_sq_q;
  logic [SqWidth-1:0]   s1_sq;

  assign s1_sq = $unsigned(SqWidth'(s1_q) * SqWidth'(s1_q));

  always_ff @(posedge clk_i) begin
    if (v0_q) begin
      dim_s2_q <= WideWidth'(Dim) * WideWidth'(s2_q);
      s1_sq_q  <= s1_sq[WideWidth-1:0];
    end
  end

  if (SqWidth > WideWidth) begin : gen_unused_s1_sq
    logic unused_s1_sq;
    assign unused_s1_sq = ^s1_sq[SqWidth-1:WideWidth];
  end

  // ---------------------------------------------------------------------------
  // Stage 2: T = V * 2^VarFrac + EpsTerm
  // ---------------------------------------------------------------------------
  logic                 v2_q;
  logic [WideWidth-1:0] var_wide;
  logic [TermWidth-1:0] term_q;

  assign var_wide = dim_s2_q - s1_sq_q;

  always_ff @(posedge clk_i) begin
    if (v1_q) begin
      term_q <= (TermWidth'(var_wide[VarWidth-1:0]) << VarFrac) + TermWidth'(EpsTerm);
    end
  end

  logic unused_var_top;
  assign unused_var_top = var_wide[WideWidth-1];

  // ---------------------------------------------------------------------------
  // Stage 3: normalise by the leading-zero count
  // ---------------------------------------------------------------------------
  logic [CntWidth-1:0] lz_cnt, lz_eff;
  logic                lz_zero;

  lzc #(
    .Width(TermWidth)
  ) u_lzc (
    .data_i(term_q),
    .cnt_o (lz_cnt),
    .zero_o(lz_zero)
  );

  // T = 0 is treated as T = 1 (p = 0): its row's numerators are all zero.
  assign lz_eff = lz_zero ? CntWidth'(TermWidth - 1) : lz_cnt;

  // Left shift that puts bit e at position TermWidth-1 (one position higher, TermWidth,
  // when the [1, 4) range drops e by one to make k even).
  logic [CntWidth:0] lshift;
  if (RsqrtRange == 4) begin : gen_even_shift
    logic parity;
    // (p - VarFrac) mod 2 with p = TermWidth-1-lz_eff
    assign parity = lz_eff[0] ^ TermWidth[0] ^ 1'b1 ^ VarFrac[0];
    assign lshift = {1'b0, lz_eff} + (CntWidth + 1)'(parity);
  end else begin : gen_any_shift
    assign lshift = {1'b0, lz_eff};
  end

  logic [TermWidth:0]   justified;
  logic [TblInWidth-1:0] mant_d, mant_q;
  logic [KWidth-1:0]    k_d, k_q;
  logic                 v3_q;

  assign justified = {1'b0, term_q} << lshift;
  // m = floor(T * 2^(TblInFrac - e)): the bits from position TermWidth down to
  // TermWidth-1-TblInFrac (TblInFrac + 2 bits, the top one zero for the [1, 2) range).
  assign mant_d = TblInWidth'(justified[TermWidth -: TblInFrac + 2]);

  // e = TermWidth-1-lshift; k = max(e - VarFrac, 0).
  always_comb begin
    if (int'(lshift) + int'(VarFrac) < int'(TermWidth)) begin
      k_d = KWidth'(int'(TermWidth) - 1 - int'(lshift) - int'(VarFrac));
    end else begin
      k_d = '0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (v2_q) begin
      mant_q <= mant_d;
      k_q    <= k_d;
    end
  end

  logic unused_justified;
  assign unused_justified = ^justified[TermWidth-TblInFrac-2:0];

  // ---------------------------------------------------------------------------
  // rsqrt table: the NN-LUT core, always ready, so a fixed CoreLatency-cycle delay
  // ---------------------------------------------------------------------------
  logic                         core_in_ready, core_out_valid;
  logic signed [TblOutWidth-1:0] rt;

  nnlut_core #(
    .InWidth         (TblInWidth),
    .InFrac          (TblInFrac),
    .OutWidth        (TblOutWidth),
    .OutFrac         (TblOutFrac),
    .SlopeWidth      (SlopeWidth),
    .SlopeFrac       (SlopeFrac),
    .InterceptWidth  (InterceptWidth),
    .InterceptFrac   (InterceptFrac),
    .Entries         (Entries),
    .Lanes           (1),
    .ResetBreakpoints(Breakpoints),
    .ResetSlopes     (Slopes),
    .ResetIntercepts (Intercepts),
    .Hardwired       (Hardwired),
    .TableReset      (TableReset),
    .BinarySearch    (BinarySearch)
  ) u_rsqrt (
    .clk_i, .rst_ni,
    .in_valid_i      (v3_q),
    .in_ready_o      (core_in_ready),
    .in_data_i       (mant_q),
    .out_valid_o     (core_out_valid),
    .out_ready_i     (1'b1),
    .out_data_o      (rt),
    .tbl_we_i, .tbl_idx_i, .tbl_breakpoint_i, .tbl_slope_i, .tbl_intercept_i
  );

  // With out_ready_i tied high the core always accepts.
  logic unused_core_ready;
  assign unused_core_ready = core_in_ready;

  logic [KWidth-1:0] k_dly_q[CoreLatency];

  always_ff @(posedge clk_i) begin
    k_dly_q[0] <= k_q;
    for (int unsigned i = 1; i < CoreLatency; i++) begin
      k_dly_q[i] <= k_dly_q[i-1];
    end
  end

  // ---------------------------------------------------------------------------
  // Output: odd exponents take the 1/sqrt(2) factor (combinational; the parent stores it)
  // ---------------------------------------------------------------------------
  logic [KWidth-1:0] k_out;
  assign k_out = k_dly_q[CoreLatency-1];

  if (RsqrtRange == 2) begin : gen_odd_scale
    localparam int unsigned OddWidth = TblOutWidth + OddFrac + 2;
    localparam int unsigned Drop     = OddFrac - RGuard;
    logic signed [OddWidth-1:0] odd_prod, odd_shifted;
    logic signed [RWidth-1:0]   odd_rounded;
    assign odd_prod    = OddWidth'(rt) * $signed(OddWidth'(OddScale));
    assign odd_shifted = (odd_prod + $signed(OddWidth'(1) << (Drop - 1))) >>> Drop;
    // |rt / sqrt(2)| * 2^RGuard fits RWidth bits: the dropped top bits are sign copies.
    assign odd_rounded = odd_shifted[RWidth-1:0];
    assign r_o = k_out[0] ? odd_rounded : (RWidth'(rt) <<< RGuard);

    logic unused_odd_top;
    assign unused_odd_top = ^odd_shifted[OddWidth-1:RWidth];
  end else begin : gen_even_only
    // k is even by construction.
    assign r_o = RWidth'(rt) <<< RGuard;
  end

  assign shift_o = ShiftWidth'(TblOutFrac + RGuard - YFrac) + ShiftWidth'(k_out >> 1);
  assign valid_o = core_out_valid;

  // ---------------------------------------------------------------------------
  // Valid bits of stages 0-3
  // ---------------------------------------------------------------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      v0_q <= 1'b0;
      v1_q <= 1'b0;
      v2_q <= 1'b0;
      v3_q <= 1'b0;
    end else begin
      v0_q <= row_valid_i;
      v1_q <= v0_q;
      v2_q <= v1_q;
      v3_q <= v2_q;
    end
  end

endmodule : layernorm_scale
