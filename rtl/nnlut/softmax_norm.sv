// softmax_norm: normalise/output stage of the Softmax unit (bit-exact with models/softmax.py).
//
// Per lane: p = min((e * recip + floor(2^shift / 2)) >> shift, 2^OutWidth - 1), i.e. the
// exact product rounded half up to the output's fraction bits and saturated at the largest
// unsigned code (a probability cannot be negative, so there is no lower clamp).
//
// A valid/ready pipeline of three register stages under stream_pipe_ctrl: operands, exact
// product, rounded output. An input accepted at edge n can leave at edge n+3; output
// backpressure stalls it without loss, duplication or reordering, and in_ready_o depends
// combinationally on out_ready_i (see stream_pipe_ctrl). frame_i (the beat's row framing)
// rides along unchanged to frame_o.
module softmax_norm #(
  parameter  int unsigned Lanes      = 4,
  parameter  int unsigned ExpWidth   = 25,
  parameter  int unsigned RecipWidth = 17,
  parameter  int unsigned ShiftWidth = 6,
  parameter  int unsigned OutWidth   = 16,
  parameter  int unsigned FrameWidth = 5
) (
  input  logic                        clk_i, rst_ni,
  input  logic                        in_valid_i,
  output logic                        in_ready_o,
  input  logic [Lanes*ExpWidth-1:0]   e_i,
  input  logic [RecipWidth-1:0]       recip_i,
  input  logic [ShiftWidth-1:0]       shift_i,
  input  logic [FrameWidth-1:0]       frame_i,
  output logic                        out_valid_o,
  input  logic                        out_ready_i,
  output logic [Lanes*OutWidth-1:0]   out_data_o,
  output logic [FrameWidth-1:0]       out_frame_o
);

  localparam int unsigned ProdWidth = ExpWidth + RecipWidth;
  // For shift <= ProdWidth the product plus 2^(shift-1) stays below 2^(ProdWidth+1); a larger
  // shift rounds every product to 0 (product < 2^ProdWidth <= 2^(shift-1)), so the adder and
  // shifter need not span the whole range of shift_i.
  localparam int unsigned AddWidth  = ProdWidth + 1;
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
  logic [Lanes*ExpWidth-1:0] e_q;
  logic [RecipWidth-1:0]     recip_q;
  logic [ShiftWidth-1:0]     shift_o0_q;

  always_ff @(posedge clk_i) begin
    if (en[0]) begin
      e_q        <= e_i;
      recip_q    <= recip_i;
      shift_o0_q <= shift_i;
    end
  end

  // Stage o1: exact products
  logic [Lanes*ProdWidth-1:0] prod_d, prod_q;
  logic [ShiftWidth-1:0]      shift_o1_q;

  always_comb begin
    for (int unsigned l = 0; l < Lanes; l++) begin
      prod_d[l*ProdWidth +: ProdWidth] =
          ProdWidth'(e_q[l*ExpWidth +: ExpWidth]) * ProdWidth'(recip_q);
    end
  end

  always_ff @(posedge clk_i) begin
    if (en[1]) begin
      prod_q     <= prod_d;
      shift_o1_q <= shift_o0_q;
    end
  end

  // Stage o2: round half up, saturate
  logic [Lanes*OutWidth-1:0] p_d, p_q;

  always_comb begin
    for (int unsigned l = 0; l < Lanes; l++) begin
      logic [AddWidth-1:0] biased, rounded;
      biased  = AddWidth'(prod_q[l*ProdWidth +: ProdWidth]) +
                ((AddWidth'(1) << shift_o1_q) >> 1);
      rounded = (32'(shift_o1_q) > ProdWidth) ? '0 : biased >> shift_o1_q;
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
