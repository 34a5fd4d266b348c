// softmax_exp: exp/sum stage of the Softmax unit (bit-exact with models/softmax.py).
//
// For each lane, with u = M - x >= 0 (M the row maximum):
//   range-reduced (ExpDirect = 0): z = u * L, L = round(log2(e) * 2^Log2eFrac), so
//     exp(x - M) = 2^-z = 2^-q * 2^-f with q = floor(z) and f = frac(z) cut to the table's
//     fraction bits; the NN-LUT core holds 2^-f on [0, 1) and
//     e = (max(T, 0) << (ExpFrac - TblOutFrac)) >> min(q, ExpFrac + 1).
//   direct (ExpDirect = 1): the core holds exp on [-16, 0], its input is x - M clamped to the
//     most negative input code, and e = max(T, 0) << (ExpFrac - TblOutFrac).
// exp_table_pkg (generated) holds the table of the build's mode; the checks below stop
// elaboration if its formats do not fit the mode.
// e is unsigned with ExpFrac fraction bits, below 2^(ExpFrac+1) because the table output has
// one integer bit. A lane whose keep_i bit is low is not an element of its row: its e is 0.
// The stage also sums the e of a row exactly and presents the sum with the row's last beat.
//
// Timing: the stage never stalls (the unit issues a beat only when the exp buffer has room
// for it). A beat issued in cycle c is registered as u at edge c+1, as the table input at
// c+2, passes the core's 3 stages (c+3..c+5) and appears on e_valid_o/e_o during cycle c+5
// (log2(Entries) cycles later with BinarySearch);
// for a row's last beat the row sum is on sum_o in that same cycle.
`include "port_groups.svh"

module softmax_exp #(
  parameter  int unsigned Lanes     = 4,
  parameter  int unsigned InWidth   = 16,
  parameter  int unsigned InFrac    = 11,
  parameter  int unsigned SumWidth  = 32,
  parameter  int unsigned ExpFrac   = 24,
  parameter  int unsigned Log2eFrac = 20,
  parameter  int unsigned Entries   = 16,
  parameter  bit          ExpDirect = 1'b0,
  `NNLUT_TABLE_OPTION_PARAMS,
  // Register stages in the row sum of a wide beat, whose adder tree would otherwise set the
  // clock: 1 registers each beat's sum before the row accumulator, 2 also the lanes' e before
  // the adder tree. The sum comes SumStages cycles later.
  parameter  int unsigned SumStages    = 0,
  localparam int unsigned ExpWidth  = ExpFrac + 1,
  `NNLUT_TABLE_IDX_WIDTH,
  localparam int unsigned MantWidth = exp_table_pkg::OutWidth - 1,
  localparam int unsigned QWidth    = $clog2(ExpWidth + 1)
) (
  input  logic                       clk_i, rst_ni,
  `NNLUT_TABLE_WRITE_PORTS(IdxWidth, exp_table_pkg::InWidth, exp_table_pkg::SlopeWidth, exp_table_pkg::InterceptWidth),
  input  logic                       issue_i,
  input  logic                       last_i,
  input  logic [Lanes-1:0]           keep_i,
  input  logic [Lanes*InWidth-1:0]   x_i,
  input  logic [InWidth-1:0]         max_i,
  output logic                       e_valid_o,
  output logic [Lanes*MantWidth-1:0] mant_o,     // each lane's e as (m, q): see softmax_norm
  output logic [Lanes*QWidth-1:0]    q_o,
  output logic                       e_last_o,    // the issued beat's last_i and keep_i
  output logic [Lanes-1:0]           e_keep_o,
  output logic                       sum_valid_o,
  output logic [SumWidth-1:0]        sum_o
);

  localparam int unsigned TblInWidth  = exp_table_pkg::InWidth;
  localparam int unsigned TblInFrac   = exp_table_pkg::InFrac;
  localparam int unsigned TblOutWidth = exp_table_pkg::OutWidth;
  localparam int unsigned TblOutFrac  = exp_table_pkg::OutFrac;

  // z = u * L carries ZFrac fraction bits; q is what is left above them.
  localparam int unsigned Log2eWidth = Log2eFrac + 2;
  localparam int unsigned ZWidth     = InWidth + Log2eWidth;
  localparam int unsigned ZFrac      = InFrac + Log2eFrac;
  localparam int unsigned QFullWidth = ZWidth - ZFrac;
  // Shifting an ExpWidth-bit value by ExpWidth already gives 0, so larger q are clamped.
  localparam int unsigned QMax       = ExpWidth;
  localparam int unsigned BeatSumWidth = ExpWidth + ((Lanes > 1) ? $clog2(Lanes) : 0);
  // log2(e) = 1.44269504088896340736 (OEIS A007525), rounded half up to Log2eFrac bits.
  localparam real         Log2eReal  = 1.4426950408889634074;
  localparam logic [Log2eWidth-1:0] Log2eCode =
      Log2eWidth'($rtoi(Log2eReal * (2.0 ** Log2eFrac) + 0.5));
  localparam logic [InWidth-1:0] HalfRange = {1'b1, {(InWidth-1){1'b0}}};

  // ---------------------------------------------------------------------------
  // Parameter checks
  // ---------------------------------------------------------------------------
  if (SumStages > 2) begin : gen_check_sum_stages
    $fatal(1, "softmax_exp: SumStages must be 0, 1 or 2 (got %0d)", SumStages);
  end
  if (exp_table_pkg::Entries != Entries) begin : gen_check_entries
    $fatal(1, "softmax_exp: Entries (%0d) differs from the exp table package's (%0d); regenerate the tables",
           Entries, exp_table_pkg::Entries);
  end
  if (TblOutWidth != TblOutFrac + 2) begin : gen_check_table_out
    $fatal(1, "softmax_exp: the exp table output must be SQ(f+2).f (one integer bit), got SQ%0d.%0d",
           TblOutWidth, TblOutFrac);
  end
  if (ExpFrac < TblOutFrac) begin : gen_check_exp_frac
    $fatal(1, "softmax_exp: ExpFrac (%0d) must be >= the exp table's output fraction bits (%0d)",
           ExpFrac, TblOutFrac);
  end
  if (!ExpDirect && TblInWidth != TblInFrac + 1) begin : gen_check_f_format
    $fatal(1, "softmax_exp: the exp2_neg table input must be SQ(f+1).f for f in [0, 1), got SQ%0d.%0d",
           TblInWidth, TblInFrac);
  end
  if (!ExpDirect && ZFrac < TblInFrac) begin : gen_check_z_frac
    $fatal(1, "softmax_exp: InFrac + Log2eFrac (%0d) must be >= the exp2_neg table's InFrac (%0d)",
           ZFrac, TblInFrac);
  end
  if (ExpDirect && (TblInWidth != InWidth || TblInFrac != InFrac)) begin : gen_check_direct_format
    $fatal(1, "softmax_exp: the direct exp table input SQ%0d.%0d must equal the unit's input SQ%0d.%0d",
           TblInWidth, TblInFrac, InWidth, InFrac);
  end

  // ---------------------------------------------------------------------------
  // Stage b0: u = M - x (the maximum makes it non-negative and below 2^InWidth)
  // ---------------------------------------------------------------------------
  logic                     valid_b0, last_b0;
  logic [Lanes*InWidth-1:0] u_d, u_b0;
  logic [Lanes-1:0]         keep_b0, keep_b1, keep_t;

  always_comb begin
    for (int unsigned l = 0; l < Lanes; l++) begin
      u_d[l*InWidth +: InWidth] = max_i - x_i[l*InWidth +: InWidth];
    end
  end

  beat_stage #(.Width(Lanes*(InWidth + 1))) u_stage_b0 (
    .clk_i, .rst_ni, .valid_i(issue_i), .last_i, .data_i({keep_i, u_d}),
    .valid_o(valid_b0), .last_o(last_b0), .data_o({keep_b0, u_b0}));

  // ---------------------------------------------------------------------------
  // Stage b1: table input and shift
  // ---------------------------------------------------------------------------
  logic                        valid_b1, last_b1;
  logic [Lanes*TblInWidth-1:0] tin_d, tin_b1;
  logic [Lanes*QWidth-1:0]     q_d, q_b1;

  if (ExpDirect) begin : gen_direct_input
    // d = -u, clamped to the most negative input code (the table's range starts there).
    always_comb begin
      for (int unsigned l = 0; l < Lanes; l++) begin
        tin_d[l*TblInWidth +: TblInWidth] = (u_b0[l*InWidth +: InWidth] > HalfRange) ?
            HalfRange : TblInWidth'(-u_b0[l*InWidth +: InWidth]);
      end
    end
    assign q_d = '0;
  end else begin : gen_reduced_input
    logic [Lanes*ZWidth-1:0] z;
    always_comb begin
      for (int unsigned l = 0; l < Lanes; l++) begin
        logic [QFullWidth-1:0] q_full;
        z[l*ZWidth +: ZWidth] = ZWidth'(u_b0[l*InWidth +: InWidth]) * ZWidth'(Log2eCode);
        q_full = z[l*ZWidth + ZFrac +: QFullWidth];
        q_d[l*QWidth +: QWidth] = (q_full > QFullWidth'(QMax)) ? QWidth'(QMax) : QWidth'(q_full);
        // f in [0, 1): the table input's sign bit is 0.
        tin_d[l*TblInWidth +: TblInWidth] =
            {1'b0, z[l*ZWidth + ZFrac - TblInFrac +: TblInFrac]};
      end
    end
  end

  beat_stage #(.Width(Lanes*(TblInWidth + QWidth + 1))) u_stage_b1 (
    .clk_i, .rst_ni, .valid_i(valid_b0), .last_i(last_b0), .data_i({keep_b0, tin_d, q_d}),
    .valid_o(valid_b1), .last_o(last_b1), .data_o({keep_b1, tin_b1, q_b1}));

  // ---------------------------------------------------------------------------
  // NN-LUT core. Its output is always ready, so its CoreLatency stages advance every cycle,
  // and q and the row-end flag pass the same stages beside it.
  // ---------------------------------------------------------------------------
  localparam int unsigned CoreLatency = 3 + (BinarySearch ? IdxWidth : 0);

  logic                         t_valid, core_in_ready, q_valid, q_last;
  logic [Lanes*TblOutWidth-1:0] t_data;
  logic [Lanes*QWidth-1:0]      q;

  nnlut_core #(
    .InWidth         (TblInWidth),
    .InFrac          (TblInFrac),
    .OutWidth        (TblOutWidth),
    .OutFrac         (TblOutFrac),
    `NNLUT_PACKAGE_COEFFS(exp_table_pkg),
    .Entries         (Entries),
    .Lanes           (Lanes),
    `NNLUT_PACKAGE_RESET(exp_table_pkg),
    .Hardwired       (Hardwired),
    .TableReset      (TableReset),
    .BinarySearch    (BinarySearch)
  ) u_core (
    .clk_i, .rst_ni,
    .in_valid_i      (valid_b1),
    .in_ready_o      (core_in_ready),
    .in_data_i       (tin_b1),
    .out_valid_o     (t_valid),
    .out_ready_i     (1'b1),
    .out_data_o      (t_data),
    .tbl_we_i, .tbl_idx_i, .tbl_breakpoint_i, .tbl_slope_i, .tbl_intercept_i
  );

  beat_stage #(.Width(Lanes*(QWidth + 1)), .Stages(CoreLatency)) u_q_beside_core (
    .clk_i, .rst_ni, .valid_i(valid_b1), .last_i(last_b1), .data_i({keep_b1, q_b1}),
    .valid_o(q_valid), .last_o(q_last), .data_o({keep_t, q}));

  // The core's ready is constantly high here because its output is never stalled, so its
  // output valid and the delay line's coincide.
  logic unused_core;
  assign unused_core = core_in_ready ^ q_valid;

  // ---------------------------------------------------------------------------
  // e = (max(T, 0) << (ExpFrac - TblOutFrac)) >> q, and the row sum
  // ---------------------------------------------------------------------------
  logic [Lanes*ExpWidth-1:0]  e, e_s;
  logic [Lanes*MantWidth-1:0] mant;
  logic [BeatSumWidth-1:0]    beat_sum;
  logic [SumWidth-1:0]       acc_q, row_sum;
  logic                       e_valid_s, e_last_s;

  always_comb begin
    for (int unsigned l = 0; l < Lanes; l++) begin
      logic [TblOutWidth-1:0] t;
      logic [ExpWidth-1:0]    t_wide;
      t = t_data[l*TblOutWidth +: TblOutWidth];
      // A negative table value (none in a fitted exp table) counts as 0. The left shift only
      // appends zeros: TblOutWidth - 1 magnitude bits + (ExpFrac - TblOutFrac) = ExpWidth.
      // A negative table output, a lane that is not an element of its row, or a q at its clamp
      // (the exp underflows) gives m = 0, hence e = 0.
      mant[l*MantWidth +: MantWidth] =
          (t[TblOutWidth-1] || !keep_t[l] || 32'(q[l*QWidth +: QWidth]) >= QMax) ? '0 :
                                                                             t[TblOutWidth-2:0];
      t_wide = ExpWidth'(mant[l*MantWidth +: MantWidth]) << (ExpFrac - TblOutFrac);
      e[l*ExpWidth +: ExpWidth] = t_wide >> q[l*QWidth +: QWidth];
    end
  end

  if (SumStages >= 2) begin : gen_e_stage
    beat_stage #(.Width(Lanes*ExpWidth)) u_e_stage (
      .clk_i, .rst_ni, .valid_i(t_valid), .last_i(q_last), .data_i(e),
      .valid_o(e_valid_s), .last_o(e_last_s), .data_o(e_s));
  end else begin : gen_no_e_stage
    assign e_valid_s = t_valid;
    assign e_last_s  = q_last;
    assign e_s       = e;
  end

  always_comb begin
    beat_sum = '0;
    for (int unsigned l = 0; l < Lanes; l++) begin
      beat_sum = beat_sum + BeatSumWidth'(e_s[l*ExpWidth +: ExpWidth]);
    end
  end

  logic                    s_valid, s_last;
  logic [BeatSumWidth-1:0] s_beat;

  if (SumStages >= 1) begin : gen_sum_stage
    beat_stage #(.Width(BeatSumWidth)) u_sum_stage (
      .clk_i, .rst_ni, .valid_i(e_valid_s), .last_i(e_last_s), .data_i(beat_sum),
      .valid_o(s_valid), .last_o(s_last), .data_o(s_beat));
  end else begin : gen_no_sum_stage
    assign s_valid = e_valid_s;
    assign s_last  = e_last_s;
    assign s_beat  = beat_sum;
  end

  // The sum is below RowLength * 2^ExpWidth, which the parent's SumWidth holds.
  assign row_sum = acc_q + SumWidth'(s_beat);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      acc_q <= '0;
    end else if (s_valid) begin
      acc_q <= s_last ? '0 : row_sum;
    end
  end

  assign e_valid_o   = t_valid;
  assign mant_o      = mant;
  assign q_o         = q;
  assign e_last_o    = q_last;
  assign e_keep_o    = keep_t;
  assign sum_valid_o = s_valid && s_last;
  assign sum_o       = row_sum;

endmodule : softmax_exp
