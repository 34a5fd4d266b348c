// ibert_isqrt: the per-row square root and normalisation factor of I-BERT's integer LayerNorm
// (Kim et al., ICML 2021, Algorithm 4), bit-exact with models/ibert.py IntLayerNorm and
// models/intops.py isqrt_newton:
//
//   root   = 0 if var = 0, else Newton from x0 = 2^ceil(bits(var) / 2):
//            x' = floor((x + floor(var / x)) / 2), repeated while x' < x; root = the last x
//   factor = floor(2^31 / (max(root, 1) << shift)) = floor(2^31 / max(root, 1)) >> shift
//
// (floor(floor(a / b) / c) = floor(a / (b c)) for positive integers, so the shift moves out of
// the divisor.) One iterative divider (seq_divider, DivSteps cycles per division) serves the
// Newton steps and the final division in turn.
//
// Fixed latency: a row takes exactly RootCycles edges from the edge its var is pushed into the
// parent's queue (in_valid_i rises in the next cycle) to the edge the result is pushed
// (out_valid_o high in the cycle before it), RootCycles = (NewtonBudget + 1) * (DivSteps + 2)
// + 2: a division costs DivSteps + 2 cycles (start, DivSteps steps, decision), a row at most
// NewtonBudget Newton divisions (the last one confirms convergence) and the final division.
// Rows that converge sooner wait in HOLD, so every row leaves RootCycles after it came: the
// unit's row latency is fixed and its output has no bubbles at full rate. NewtonBudget = 7
// covers every var below 2^32 with one division to spare: no var below 2^32 takes more than 5
// updates (newton_updates_worst(32) in tb/ibert_layernorm, every value swept), so at most 6
// divisions; a row that needed more would still be exact, only later (the bench's NewtonRows
// fails at NewtonBudget = 5: the documented latency is missed).
//
// in_ready_o is high in IDLE only: the stage takes one row at a time.

`include "port_groups.svh"

module ibert_isqrt #(
  parameter  int unsigned MaxBit       = 32,
  parameter  int unsigned InWidth      = 16,
  parameter  int unsigned ShiftWidth   = 3,
  parameter  int unsigned BitsPerCycle = 4,
  parameter  int unsigned NewtonBudget = 7,
  // factor <= 2^31 (root 1, shift 0)
  localparam int unsigned FactorWidth  = 32,
  // Quotients: floor(2^31 / root) < 2^32, and var / x < 2^MaxBit.
  localparam int unsigned QuoWidth     = (MaxBit > FactorWidth) ? MaxBit : FactorWidth,
  // Guarded so that BitsPerCycle = 0 reaches the divider's $fatal.
  localparam int unsigned DivSteps     =
      (BitsPerCycle > 0) ? (QuoWidth + BitsPerCycle - 1) / BitsPerCycle : 1,
  localparam int unsigned RootCycles   = (NewtonBudget + 1) * (DivSteps + 2) + 2
) (
  input  logic                   clk_i, rst_ni,
  `STREAM_IN_HANDSHAKE,
  input  logic [MaxBit-1:0]      var_i,
  input  logic [ShiftWidth-1:0]  shift_i,
  input  logic [InWidth-1:0]     mean_i,
  output logic                   out_valid_o,
  output logic [FactorWidth-1:0] factor_o,
  output logic [InWidth-1:0]     mean_o
);

  // x <= 2^ceil(MaxBit / 2) (the start value; Newton only decreases it).
  localparam int unsigned XWidth   = (MaxBit + 1) / 2 + 1;
  localparam int unsigned LzWidth  = $clog2(MaxBit + 1);
  localparam int unsigned CntWidth = $clog2(RootCycles + 1);

  if (NewtonBudget < 1 || MaxBit < 8 || MaxBit > 40) begin : gen_check_params
    $fatal(1, "ibert_isqrt: NewtonBudget (%0d) must be >= 1 and MaxBit (%0d) in [8, 40]",
           NewtonBudget, MaxBit);
  end

  typedef enum logic [2:0] {
    Idle, NewtonStart, NewtonWait, FactorStart, FactorWait, Hold
  } state_e;

  state_e                 state_q, state_d;
  logic [MaxBit-1:0]      var_q;
  logic [ShiftWidth-1:0]  shift_q;
  logic [InWidth-1:0]     mean_q;
  logic [XWidth-1:0]      x_q, x_d, x0;
  logic [FactorWidth-1:0] factor_q, factor_d;
  logic [CntWidth-1:0]    cnt_q;

  // ---------------------------------------------------------------------------
  // Start value 2^ceil(bits(var) / 2)
  // ---------------------------------------------------------------------------
  logic [LzWidth-1:0] lz;
  logic               var_zero;
  logic [LzWidth:0]   var_bits;

  lzc #(
    .Width(MaxBit)
  ) u_lzc (
    .data_i(var_i),
    .cnt_o (lz),
    .zero_o(var_zero)
  );

  assign var_bits = (LzWidth + 1)'(MaxBit) - (LzWidth + 1)'(lz);
  assign x0       = var_zero ? '0 : XWidth'(1) << ((var_bits + 1'b1) >> 1);

  // ---------------------------------------------------------------------------
  // Divider, shared by the Newton steps and the factor
  // ---------------------------------------------------------------------------
  logic                div_start, div_ready, div_done, div_tag;
  logic [QuoWidth-1:0] div_num, div_quo;
  logic [XWidth-1:0]   div_den, div_rem;

  seq_divider #(
    .NumWidth(QuoWidth), .DenWidth(XWidth), .QuoWidth(QuoWidth), .BitsPerCycle(BitsPerCycle)
  ) u_div (
    .clk_i, .rst_ni,
    .in_valid_i(div_start), .in_ready_o(div_ready), .num_i(div_num), .den_i(div_den), .tag_i(1'b0),
    .out_valid_o(div_done), .out_ready_i(1'b1), .quo_o(div_quo), .rem_o(div_rem), .tag_o(div_tag)
  );

  // Floor divisions only; the divider is idle whenever a start is issued.
  logic unused_div;
  assign unused_div = ^{div_rem, div_ready, div_tag};

  // ---------------------------------------------------------------------------
  // Control
  // ---------------------------------------------------------------------------
  logic [QuoWidth:0] newton_sum;
  logic [QuoWidth:0] x_next;

  assign newton_sum = (QuoWidth + 1)'(x_q) + (QuoWidth + 1)'(div_quo);
  assign x_next     = newton_sum >> 1;

  always_comb begin
    state_d   = state_q;
    x_d       = x_q;
    factor_d  = factor_q;
    div_start = 1'b0;
    div_num   = QuoWidth'(var_q);
    div_den   = x_q;
    unique case (state_q)
      Idle: begin
        if (in_valid_i) begin
          x_d     = x0;
          state_d = var_zero ? FactorStart : NewtonStart;
        end
      end
      NewtonStart: begin
        div_start = 1'b1;
        state_d   = NewtonWait;
      end
      NewtonWait: begin
        if (div_done) begin
          if (x_next < (QuoWidth + 1)'(x_q)) begin
            x_d     = XWidth'(x_next);
            state_d = NewtonStart;
          end else begin
            state_d = FactorStart;
          end
        end
      end
      FactorStart: begin
        div_start = 1'b1;
        div_num   = QuoWidth'(64'd1 << 31);
        div_den   = (x_q == '0) ? XWidth'(1) : x_q;
        state_d   = FactorWait;
      end
      FactorWait: begin
        if (div_done) begin
          factor_d = FactorWidth'(div_quo >> shift_q);
          state_d  = Hold;
        end
      end
      Hold: begin
        if (cnt_q >= CntWidth'(RootCycles - 2)) begin
          state_d = Idle;
        end
      end
      default: state_d = Idle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= Idle;
      cnt_q   <= '0;
    end else begin
      state_q <= state_d;
      if (state_q == Idle) begin
        cnt_q <= '0;
      end else if (cnt_q != CntWidth'(RootCycles)) begin
        cnt_q <= cnt_q + CntWidth'(1);
      end
    end
  end

  always_ff @(posedge clk_i) begin
    x_q      <= x_d;
    factor_q <= factor_d;
    if (state_q == Idle && in_valid_i) begin
      var_q   <= var_i;
      shift_q <= shift_i;
      mean_q  <= mean_i;
    end
  end

  assign in_ready_o  = (state_q == Idle);
  assign out_valid_o = (state_q == Hold) && (cnt_q >= CntWidth'(RootCycles - 2));
  assign factor_o    = factor_q;
  assign mean_o      = mean_q;

endmodule : ibert_isqrt
