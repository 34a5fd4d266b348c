// sole_e2softmax_out: output stage of the E2Softmax unit: per lane
//
//   s = k + w + RecipFrac - OutFrac,   y = (recip + 2^(s-1)) >> s   (no rounding term if s = 0)
//
// i.e. 2^-k / (2^w (1 + f)) rounded half up to OutFrac fraction bits (bit-exact with
// models/sole.py). The unit has checked that y always fits OutWidth bits, so no clamp.
//
// Two register stages under stream_pipe_ctrl (operands, result): an input accepted at edge
// n can leave at edge n+2; output backpressure stalls the stages without loss, duplication
// or reordering, and in_ready_o follows out_ready_i combinationally.
`include "port_groups.svh"
`include "sole_e2softmax.svh"

module sole_e2softmax_out #(
  parameter int unsigned Lanes     = 4,
  `SOLE_E2_OUT_PARAMS,
  parameter int unsigned CodeBits  = 4,
  parameter int unsigned WBits     = 3,
  parameter int unsigned RecipFrac = 10
) (
  input  logic                       clk_i, rst_ni,
  `STREAM_IN_HANDSHAKE,
  input  logic                       last_i,
  input  logic [Lanes-1:0]           keep_i,
  input  logic [Lanes*CodeBits-1:0]  k_i,
  input  logic [WBits-1:0]           w_i,
  input  logic [RecipFrac:0]         recip_i,
  `ROW_STREAM_OUT_PORTS(Lanes*OutWidth, Lanes)
);

  localparam int unsigned SMax     = (1 << CodeBits) - 1 + (1 << WBits) - 1 + RecipFrac - OutFrac;
  localparam int unsigned SBits    = $clog2(SMax + 1);
  // Room for recip, for the rounding constant 2^(s-1) and for their carry.
  localparam int unsigned AddWidth = ((RecipFrac + 1 > SMax) ? RecipFrac + 1 : SMax) + 1;

  if (OutFrac > RecipFrac) begin : gen_check_out_frac
    $fatal(1, "sole_e2softmax_out: OutFrac (%0d) must be <= RecipFrac (%0d)", OutFrac, RecipFrac);
  end
  if (OutWidth > AddWidth) begin : gen_check_out_width
    $fatal(1, "sole_e2softmax_out: OutWidth (%0d) is wider than any result (%0d bits)", OutWidth,
           AddWidth);
  end

  logic [1:0] en;

  stream_pipe_ctrl #(.Stages(2)) u_ctrl (
    .clk_i, .rst_ni, .in_valid_i, .in_ready_o, .out_valid_o, .out_ready_i, .en_o(en)
  );

  // Stage 0: operands
  logic [Lanes*CodeBits-1:0] k_q;
  logic [WBits-1:0]          w_q;
  logic [RecipFrac:0]        recip_q;
  logic                      last_q [2];
  logic [Lanes-1:0]          keep_q [2];

  always_ff @(posedge clk_i) begin
    if (en[0]) begin
      k_q       <= k_i;
      w_q       <= w_i;
      recip_q   <= recip_i;
      last_q[0] <= last_i;
      keep_q[0] <= keep_i;
    end
    if (en[1]) begin
      last_q[1] <= last_q[0];
      keep_q[1] <= keep_q[0];
    end
  end

  assign out_last_o = last_q[1];
  assign out_keep_o = keep_q[1];

  // Stage 1: shift with rounding
  logic [Lanes*OutWidth-1:0] y_d, y_q;

  always_comb begin
    for (int unsigned l = 0; l < Lanes; l++) begin
      logic [SBits-1:0]    s;
      logic [AddWidth-1:0] biased;
      s      = SBits'(k_q[l*CodeBits +: CodeBits]) + SBits'(w_q) + SBits'(RecipFrac - OutFrac);
      biased = AddWidth'(recip_q) + ((AddWidth'(1) << s) >> 1);
      // A lane that is not an element of its row outputs 0.
      y_d[l*OutWidth +: OutWidth] = keep_q[0][l] ? OutWidth'(biased >> s) : '0;
    end
  end

  always_ff @(posedge clk_i) begin
    if (en[1]) begin
      y_q <= y_d;
    end
  end

  assign out_data_o = y_q;

endmodule : sole_e2softmax_out
