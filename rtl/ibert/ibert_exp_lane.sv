// ibert_exp_lane: one lane of I-BERT's i-exp with the 16-bit requantisation (Kim et al.,
// ICML 2021, Algorithm 3 and Eqs. 12-13, paper polynomial), bit-exact with models/ibert.py
// IntSoftmax's d -> e16 steps:
//
//   u   = min(M - x, MaxQ * X0Mag)                 (= -max(d, max_q * x0_int), d = x - M <= 0)
//   z   = floor(u / X0Mag),  rr = u - z * X0Mag     (z = floor(d / x0_int), r = d - z x0_int = -rr)
//   p   = (BInt - rr)^2 + CInt                       (= (r + b_int)^2 + c_int)
//   e16 = min(round_half_even(p * Mult / 2^min(ReqShift + z, 62)), 2^(ExpBits-1) - 1)
//
// ReqShift = E - exp_shift of the model's dyadic multiplier M / 2^E: the model's wide exp
// p << (exp_shift - z) times M / 2^E is the same number, so the shift by z folds into the
// rounding shift and the wide exp is never formed. X0Mag = -x0_int = -floor(-ln2 / S).
//
// No stall: the parent only issues a beat when there is room for its result, so every stage
// loads every cycle (no enables). Five register stages; the parent tracks the valid bits:
//   stage 0: u (one subtract and a clamp)
//   stage 1: z and rr (restoring division by the constant X0Mag: ZWidth compare-subtracts)
//   stage 2: p (one squarer)
//   stage 3: p * Mult
//   stage 4: e16 (variable right shift with round half to even, saturation)

`include "ibert_exp.svh"

module ibert_exp_lane #(
  parameter  int unsigned     InWidth  = 16,
  `IBERT_EXP_PARAMS,
  localparam int unsigned     EWidth   = ExpBits - 1
) (
  input  logic               clk_i,
  input  logic [InWidth-1:0] x_i,
  input  logic [InWidth-1:0] max_i,
  output logic [EWidth-1:0]  e_o
);

  function automatic int unsigned ubits(longint unsigned v);
    ubits = (v == 0) ? 0 : $clog2(v + 64'd1);
  endfunction

  localparam longint unsigned ClampMag  = longint'(MaxQ) * X0Mag;
  localparam int unsigned     ZWidth    = ubits(longint'(MaxQ));
  // u <= min(2^InWidth - 1, ClampMag)
  localparam int unsigned     UWidth    = (ubits(ClampMag) < InWidth) ? ubits(ClampMag) : InWidth;
  localparam int unsigned     RWidth    = ubits(X0Mag - 1) > 0 ? ubits(X0Mag - 1) : 1;
  localparam int unsigned     VWidth    = ubits(BInt);
  // p is largest at rr = 0, so p * Mult is largest at u = 0: every row's maximum reaches it.
  localparam longint unsigned PMax      = BInt * BInt + CInt;
  localparam int unsigned     PWidth    = ubits(PMax);
  localparam int unsigned     ProdWidth = ubits(PMax * Mult);
  localparam int unsigned     ShWidth   = 6;  // shift amounts up to 62
  localparam longint unsigned ETop      = (64'd1 << EWidth) - 1;

  // ---------------------------------------------------------------------------
  // Stage 0: u = min(M - x, MaxQ * X0Mag)
  // ---------------------------------------------------------------------------
  // x <= M, so M - x is in [0, 2^InWidth - 1] and the modulo-2^InWidth difference is exact.
  logic [InWidth-1:0] diff;
  logic [UWidth-1:0]  u_d, u_q;

  assign diff = max_i - x_i;
  assign u_d  = (longint'(diff) >= ClampMag) ? UWidth'(ClampMag) : UWidth'(diff);

  always_ff @(posedge clk_i) begin
    u_q <= u_d;
  end

  // ---------------------------------------------------------------------------
  // Stage 1: z = floor(u / X0Mag), rr = u mod X0Mag (z <= MaxQ < 2^ZWidth)
  // ---------------------------------------------------------------------------
  logic [ZWidth-1:0] z_d, z_s1_q;
  logic [RWidth-1:0] rr_d, rr_q;

  always_comb begin
    longint unsigned rem;
    rem = longint'(u_q);
    z_d = '0;
    for (int k = int'(ZWidth) - 1; k >= 0; k--) begin
      if (rem >= (X0Mag << k)) begin
        rem    = rem - (X0Mag << k);
        z_d[k] = 1'b1;
      end
    end
    rr_d = RWidth'(rem);
  end

  always_ff @(posedge clk_i) begin
    z_s1_q <= z_d;
    rr_q   <= rr_d;
  end

  // ---------------------------------------------------------------------------
  // Stage 2: p = (BInt - rr)^2 + CInt (BInt >= X0Mag > rr, checked by the parent)
  // ---------------------------------------------------------------------------
  logic [VWidth-1:0]   v;
  logic [2*VWidth-1:0] v_sq;
  logic [PWidth-1:0]   p_d, p_q;
  logic [ZWidth-1:0]   z_s2_q;

  assign v    = VWidth'(BInt) - VWidth'(rr_q);
  assign v_sq = (2*VWidth)'(v) * (2*VWidth)'(v);
  assign p_d  = PWidth'(v_sq) + PWidth'(CInt);

  always_ff @(posedge clk_i) begin
    p_q    <= p_d;
    z_s2_q <= z_s1_q;
  end

  // ---------------------------------------------------------------------------
  // Stage 3: p * Mult
  // ---------------------------------------------------------------------------
  logic [ProdWidth-1:0] prod_q;
  logic [ZWidth-1:0]    z_s3_q;

  always_ff @(posedge clk_i) begin
    prod_q <= ProdWidth'(p_q) * ProdWidth'(Mult);
    z_s3_q <= z_s2_q;
  end

  // ---------------------------------------------------------------------------
  // Stage 4: e16 = sat(round_half_even(prod / 2^sh)), sh = min(ReqShift + z, 62)
  // ---------------------------------------------------------------------------
  // Shifting by sh - 1 keeps the half bit at position 0; the bits below it only matter as a
  // sticky OR (above half, or exactly half with an odd quotient, rounds up). Shifts past the
  // product's width give 0 here, as in the model (the product is below 2^62).
  logic [ShWidth-1:0]   sh;
  logic [ProdWidth-1:0] kept, below_mask;
  logic                 sticky, round_up;
  logic [ProdWidth-1:0] rounded;
  logic [EWidth-1:0]    e_d, e_q;

  assign sh         = (ReqShift + int'(z_s3_q) > 62) ? ShWidth'(62) : ShWidth'(ReqShift + int'(z_s3_q));
  assign kept       = prod_q >> (sh - ShWidth'(1));
  assign below_mask = (ProdWidth'(1) << (sh - ShWidth'(1))) - ProdWidth'(1);
  assign sticky     = |(prod_q & below_mask);
  assign round_up   = kept[0] && (sticky || kept[1]);
  assign rounded    = (kept >> 1) + ProdWidth'(round_up);
  assign e_d        = (longint'(rounded) > ETop) ? EWidth'(ETop) : EWidth'(rounded);

  always_ff @(posedge clk_i) begin
    e_q <= e_d;
  end

  assign e_o = e_q;

endmodule : ibert_exp_lane
