// ibert_gelu_lane: datapath of one i-GELU lane (I-BERT, Kim et al., ICML 2021, Algorithm 2),
// bit-exact with models/ibert.py IntGelu:
//
//   m    = BMag - min(|q|, BMag)          (= -(min(|q|, -b_int) + b_int), so m^2 is the square)
//   p    = m^2 - CMag                     (c_int = -CMag)
//   e    = (sgn(q) * p) >>> ErfShift      (arithmetic: floor, as numpy's >>)
//   out  = q * (OneMag - e)               (= -(q * (e + one_int)), one_int = -OneMag)
//
// The negation of the model's last step is folded into OneMag - e, which is also why the
// constants are carried as magnitudes: their signs are fixed by a < 0 and b < 0 in the
// paper's polynomial, whatever the input scale.
//
// Four register stages, each loaded by its en_i bit from the parent's stream_pipe_ctrl:
//   stage 0: q, the clip distance m and the sign of q (both at the input, no arithmetic
//            beyond a negate and a compare),
//   stage 1: p (the squarer),
//   stage 2: the negated erf sum OneMag - e,
//   stage 3: the output product.
// Data registers have no reset: their content is only meaningful under the valid bits.

module ibert_gelu_lane #(
  parameter  int unsigned     InWidth  = 16,
  parameter  longint unsigned BMag     = 64'd10248,
  parameter  longint unsigned CMag     = 64'd116185707,
  parameter  longint unsigned OneMag   = 64'd116185707,
  parameter  int unsigned     ErfShift = 0,
  parameter  int unsigned     MWidth   = 14,   // holds BMag
  parameter  int unsigned     PWidth   = 28,   // signed p
  parameter  int unsigned     SWidth   = 29,   // signed OneMag - e
  parameter  int unsigned     OutWidth = 44
) (
  input  logic                clk_i,
  input  logic [3:0]          en_i,
  input  logic [InWidth-1:0]  q_i,
  output logic [OutWidth-1:0] out_o
);

  // |q| of the most negative code is 2^(InWidth-1), which still fits InWidth unsigned bits.
  localparam int unsigned AbsWidth  = (InWidth > MWidth) ? InWidth : MWidth;

  // ---------------------------------------------------------------------------
  // Stage 0: clip distance and sign
  // ---------------------------------------------------------------------------
  logic [InWidth-1:0]  q_abs;
  logic [AbsWidth-1:0] q_abs_ext, clip_ext;
  logic [MWidth-1:0]   m_d;

  assign q_abs     = q_i[InWidth-1] ? (~q_i + 1'b1) : q_i;
  assign q_abs_ext = AbsWidth'(q_abs);
  assign clip_ext  = AbsWidth'(BMag);
  // BMag - min(|q|, BMag) is 0 once |q| reaches the erf's clip point.
  assign m_d       = (q_abs_ext >= clip_ext) ? '0 : MWidth'(clip_ext - q_abs_ext);

  logic signed [InWidth-1:0] q_s0_q;
  logic [MWidth-1:0]         m_q;
  logic                      neg_s0_q, zero_s0_q;

  always_ff @(posedge clk_i) begin
    if (en_i[0]) begin
      q_s0_q    <= q_i;
      m_q       <= m_d;
      neg_s0_q  <= q_i[InWidth-1];
      zero_s0_q <= (q_i == '0);
    end
  end

  // ---------------------------------------------------------------------------
  // Stage 1: p = m^2 - CMag
  // ---------------------------------------------------------------------------
  logic [2*MWidth-1:0]      m_sq;
  logic signed [PWidth-1:0] p_d, p_q;
  logic signed [InWidth-1:0] q_s1_q;
  logic                     neg_s1_q, zero_s1_q;

  assign m_sq = (2*MWidth)'(m_q) * (2*MWidth)'(m_q);
  assign p_d  = $signed(PWidth'(m_sq)) - $signed(PWidth'(CMag));

  always_ff @(posedge clk_i) begin
    if (en_i[1]) begin
      p_q       <= p_d;
      q_s1_q    <= q_s0_q;
      neg_s1_q  <= neg_s0_q;
      zero_s1_q <= zero_s0_q;
    end
  end

  // ---------------------------------------------------------------------------
  // Stage 2: OneMag - e, e = (sgn(q) * p) >>> ErfShift
  // ---------------------------------------------------------------------------
  logic signed [SWidth-1:0] signed_p, e, nsum_d, nsum_q;
  logic signed [InWidth-1:0] q_s2_q;

  // sgn(0) = 0 makes e = 0 at q = 0; the product is 0 there anyway, but keeping the model's
  // e keeps the intermediate identical to models/ibert.py's trace.
  always_comb begin
    if (zero_s1_q) begin
      signed_p = '0;
    end else if (neg_s1_q) begin
      signed_p = -(SWidth'(p_q));
    end else begin
      signed_p = SWidth'(p_q);
    end
  end

  assign e      = signed_p >>> ErfShift;
  assign nsum_d = $signed(SWidth'(OneMag)) - e;

  always_ff @(posedge clk_i) begin
    if (en_i[2]) begin
      {nsum_q, q_s2_q} <= {nsum_d, q_s1_q};
    end
  end

  // ---------------------------------------------------------------------------
  // Stage 3: out = q * (OneMag - e); OutWidth holds every value (checked by the parent)
  // ---------------------------------------------------------------------------
  // The low OutWidth bits of a two's complement product depend only on the low OutWidth bits
  // of the operands, so the multiplier is built OutWidth wide and never wider.
  logic signed [OutWidth-1:0] prod;
  logic [OutWidth-1:0]        out_q;

  assign prod = OutWidth'(q_s2_q) * OutWidth'(nsum_q);

  always_ff @(posedge clk_i) begin
    if (en_i[3]) begin
      out_q <= prod;
    end
  end

  assign out_o = out_q;

endmodule : ibert_gelu_lane
