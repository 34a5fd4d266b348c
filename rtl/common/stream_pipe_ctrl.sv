// stream_pipe_ctrl: valid/ready control for a Stages-deep register pipeline.
//
// Holds one valid bit per register stage and produces the load enable of every stage;
// the data registers themselves live in the user's datapath. Stage 0 is the first
// register after the input port, stage Stages-1 drives the output port.
//
// Bubble-collapsing: a stage may load whenever it is empty or its content moves on in
// the same cycle, so empty slots are squeezed out even while the output is stalled, and
// with out_ready_i held high the pipeline moves one element per cycle (full throughput).
// Elements are never lost, duplicated or reordered: a stage only loads when its current
// content is empty or is being taken by the next stage in the same edge.
//
// en_o[i] is high whenever stage i loads, including when it loads a bubble (the valid
// bit then clears). Data registers may therefore pick up don't-care data while their
// valid bit is low; consumers must only look at data qualified by out_valid_o.
//
// Timing note: in_ready_o is combinational from out_ready_i (through a chain of
// Stages OR gates over the valid bits). Do not make in_valid_i depend on in_ready_o
// combinationally in the upstream logic, and add a spill/skid register in front if the
// ready path is too long for a deep pipeline.

`include "assert.svh"
`include "port_groups.svh"

module stream_pipe_ctrl #(
  parameter int unsigned Stages = 1
) (
  input  logic              clk_i, rst_ni,
  `STREAM_IN_HANDSHAKE,
  `STREAM_OUT_HANDSHAKE,
  output logic [Stages-1:0] en_o
);

  if (Stages < 1) begin : gen_check_stages
    $fatal(1, "stream_pipe_ctrl: Stages must be >= 1 (got %0d)", Stages);
  end

  logic [Stages-1:0] valid_d, valid_q;
  // valid_prev[i] is the valid bit offered to stage i by its upstream neighbour.
  logic [Stages-1:0] valid_prev;
  // ready[i]: stage i can take a new element this cycle; ready[Stages] is the sink.
  logic [Stages:0]   ready;

  for (genvar i = 0; i < Stages; i++) begin : gen_prev
    if (i == 0) begin : gen_first
      assign valid_prev[i] = in_valid_i;
    end else begin : gen_inner
      assign valid_prev[i] = valid_q[i-1];
    end
  end

  // One process for the whole chain keeps the back-to-front dependency inside a single
  // block, so the simulator does not see a combinational loop through the vector.
  always_comb begin
    ready[Stages] = out_ready_i;
    for (int i = int'(Stages) - 1; i >= 0; i--) begin
      ready[i] = !valid_q[i] || ready[i+1];
    end
  end

  assign en_o    = ready[Stages-1:0];
  assign valid_d = (en_o & valid_prev) | (~en_o & valid_q);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      valid_q <= '0;
    end else begin
      valid_q <= valid_d;
    end
  end

  assign in_ready_o  = ready[0];
  assign out_valid_o = valid_q[Stages-1];

  `ASSERT_HANDSHAKE(In, in_valid_i, in_ready_o, clk_i, !rst_ni)
  `ASSERT_HANDSHAKE(Out, out_valid_o, out_ready_i, clk_i, !rst_ni)
  // The pipeline is never the bottleneck: it takes an input whenever the sink takes one or a
  // stage is empty, so gaps in the input never cost throughput later.
  `ASSERT(FillsBubbles, (out_ready_i || !(&valid_q)) |-> in_ready_o, clk_i, !rst_ni)

endmodule
