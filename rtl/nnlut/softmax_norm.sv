// softmax_norm: normalise/output stage of the Softmax unit (bit-exact with models/softmax.py).
//
// Each lane's exp arrives as the exp table's value m (MantWidth magnitude bits; 0 for a lane
// left out, a negative table value or an exp that underflowed) and its right shift q, so that
// e = (m << ShiftBias) >> q: the exp stage sums those truncated e, but here the exact value
// m * 2^(ShiftBias - q) is used. With the row's reciprocal and shift (from softmax_recip):
//   s = q + shift
//   p = min(((m * recip) << ShiftBias + floor(2^s / 2)) >> s, 2^OutWidth - 1)
// i.e. the exact product rounded half up to the output's fraction bits and saturated at the
// largest unsigned code (a probability cannot be negative, so there is no lower clamp).
// Multiplying the table value rather than e keeps the per-lane multiplier MantWidth wide
// instead of ExpWidth (ExpFrac + 1), which is most of the unit's area per lane.
//
// A valid/ready pipeline of three register stages under stream_pipe_ctrl: operands, exact
// product and lane shift, rounded output. An input accepted at edge n can leave at edge n+3;
// output backpressure stalls it without loss, duplication or reordering, and in_ready_o
// depends combinationally on out_ready_i (see stream_pipe_ctrl). frame_i (the beat's row
// framing) rides along unchanged to frame_o.
`include "port_groups.svh"

module softmax_norm #(
  parameter  int unsigned Lanes      = 4,
  parameter  int unsigned MantWidth  = 13,
  parameter  int unsigned QWidth     = 5,
  parameter  int unsigned ShiftBias  = 12,
  parameter  int unsigned RecipWidth = 17,
  parameter  int unsigned ShiftWidth = 6,
  parameter  int unsigned OutWidth   = 16,
  parameter  int unsigned FrameWidth = 5
) (
  input  logic                        clk_i, rst_ni,
  `STREAM_IN_HANDSHAKE,
  input  logic [Lanes*MantWidth-1:0]  mant_i,
  input  logic [Lanes*QWidth-1:0]     q_i,
  input  logic [RecipWidth-1:0]       recip_i,
  input  logic [ShiftWidth-1:0]       shift_i,
  input  logic [FrameWidth-1:0]       frame_i,
  `STREAM_OUT_PORTS(Lanes*OutWidth),
  output logic [FrameWidth-1:0]       out_frame_o
);

  localparam int unsigned ProdWidth  = MantWidth + RecipWidth;
  // The product with ShiftBias zeros appended: e * recip, exactly.
  localparam int unsigned WideWidth  = ProdWidth + ShiftBias;
  localparam int unsigned SWidth     = ((QWidth > ShiftWidth) ? QWidth : ShiftWidth) + 1;
  // For s <= WideWidth the product plus 2^(s-1) stays below 2^(WideWidth+1); a larger s rounds
  // every product to 0 (product < 2^WideWidth <= 2^(s-1)), so the adder and shifter need not
  // span the whole range of s.
  localparam int unsigned AddWidth   = WideWidth + 1;
  localparam logic [AddWidth-1:0] MaxCode = AddWidth'((64'd1 << OutWidth) - 64'd1);

  if (OutWidth < 1 || OutWidth > 32) begin : gen_check_out_width
    $fatal(1, "softmax_norm: OutWidth must be in [1, 32] (got %0d)", OutWidth);
  end

  logic [2:0] en;

  stream_pipe_ctrl #(
    .Stages(3)
  ) u_pipe_ctrl (
    .clk_i, .rst_ni,
    .in_valid_i, .in_ready_o, .out_valid_o, .out_ready_i,
    .en_o       (en)
  );

  // Stage o0: operands
  logic [Lanes*MantWidth-1:0] mant_q;
  logic [Lanes*QWidth-1:0]    q_q;
  logic [RecipWidth-1:0]      recip_q;
  logic [ShiftWidth-1:0]      shift_q;

  always_ff @(posedge clk_i) begin
    if (en[0]) begin
      mant_q  <= mant_i;
      q_q     <= q_i;
      recip_q <= recip_i;
      shift_q <= shift_i;
    end
  end

  // Stage o1: exact products and each lane's shift
  logic [Lanes*ProdWidth-1:0] prod_d, prod_q;
  logic [Lanes*SWidth-1:0]    s_d, s_q;

  always_comb begin
    for (int unsigned l = 0; l < Lanes; l++) begin
      prod_d[l*ProdWidth +: ProdWidth] =
          ProdWidth'(mant_q[l*MantWidth +: MantWidth]) * ProdWidth'(recip_q);
      s_d[l*SWidth +: SWidth] = SWidth'(q_q[l*QWidth +: QWidth]) + SWidth'(shift_q);
    end
  end

  always_ff @(posedge clk_i) begin
    if (en[1]) begin
      prod_q <= prod_d;
      s_q    <= s_d;
    end
  end

  // Stage o2: round half up, saturate
  logic [Lanes*OutWidth-1:0] p_d, p_q;

  always_comb begin
    for (int unsigned l = 0; l < Lanes; l++) begin
      logic [SWidth-1:0]   s;
      logic [AddWidth-1:0] biased, rounded;
      s       = s_q[l*SWidth +: SWidth];
      biased  = (AddWidth'(prod_q[l*ProdWidth +: ProdWidth]) << ShiftBias) +
                ((AddWidth'(1) << s) >> 1);
      rounded = (32'(s) > WideWidth) ? '0 : biased >> s;
      p_d[l*OutWidth +: OutWidth] = (rounded > MaxCode) ? MaxCode[OutWidth-1:0] :
                                                          rounded[OutWidth-1:0];
    end
  end

  always_ff @(posedge clk_i) begin
    if (en[2]) begin
      p_q <= p_d;
    end
  end

  assign out_data_o = p_q;

  logic [FrameWidth-1:0] frame_q [3];

  always_ff @(posedge clk_i) begin
    if (en[0]) frame_q[0] <= frame_i;
    if (en[1]) frame_q[1] <= frame_q[0];
    if (en[2]) frame_q[2] <= frame_q[1];
  end

  assign out_frame_o = frame_q[2];

endmodule : softmax_norm
