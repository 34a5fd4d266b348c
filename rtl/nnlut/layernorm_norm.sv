// layernorm_norm: the output pipeline, Lanes normalised elements per beat.
//
// Takes a beat of row-buffer data with its gamma/beta words and its row's S1, r and shift
// (in_valid_i/in_ready_o), and delivers out = sat(round(y*gamma + beta)) on
// out_valid_o/out_ready_i. Four register stages under one stream_pipe_ctrl: Lanes elements
// per cycle while out_ready_i is high; no loss, duplication or reordering under
// backpressure. in_ready_o is combinational from out_ready_i (see stream_pipe_ctrl).
// Latency: 4 edges from the input handshake to the earliest output handshake.
//
// The per-row values are registered once here, next to the lanes' stages that use them,
// rather than in every lane.

`include "port_groups.svh"
`include "layernorm_lane.svh"

module layernorm_norm #(
  parameter int unsigned Lanes      = 4,
  `LAYERNORM_LANE_PARAMS
) (
  input  logic                        clk_i, rst_ni,
  `STREAM_IN_HANDSHAKE,
  input  logic [Lanes*InWidth-1:0]    x_i,
  input  logic [Lanes*GammaWidth-1:0] gamma_i,
  input  logic [Lanes*BetaWidth-1:0]  beta_i,
  input  logic signed [S1Width-1:0]   s1_i,
  input  logic signed [RWidth-1:0]    r_i,
  input  logic [ShiftWidth-1:0]       shift_i,
  `STREAM_OUT_PORTS(Lanes*OutWidth)
);

  localparam int unsigned Stages = 4;

  logic [Stages-1:0] en;

  stream_pipe_ctrl #(
    .Stages(Stages)
  ) u_pipe_ctrl (
    .clk_i, .rst_ni,
    .in_valid_i, .in_ready_o, .out_valid_o, .out_ready_i,
    .en_o       (en)
  );

  logic signed [S1Width-1:0] s1_q;
  logic signed [RWidth-1:0]  r_q;
  logic [ShiftWidth-1:0]     shift_s0_q, shift_s1_q;

  always_ff @(posedge clk_i) begin
    if (en[0]) begin
      s1_q       <= s1_i;
      r_q        <= r_i;
      shift_s0_q <= shift_i;
    end
    if (en[1]) begin
      shift_s1_q <= shift_s0_q;
    end
  end

  for (genvar l = 0; l < Lanes; l++) begin : gen_lane
    layernorm_lane #(
      `LAYERNORM_LANE_OVERRIDES
    ) u_lane (
      .clk_i,
      .en_i   (en),
      .x_i    (x_i[l*InWidth +: InWidth]),
      .gamma_i(gamma_i[l*GammaWidth +: GammaWidth]),
      .beta_i (beta_i[l*BetaWidth +: BetaWidth]),
      .s1_i   (s1_q),
      .r_i    (r_q),
      .shift_i(shift_s1_q),
      .out_o  (out_data_o[l*OutWidth +: OutWidth])
    );
  end

endmodule : layernorm_norm
