// assertion_harness: the project's assertions on ports a test drives directly, so that a test
// can break each rule on purpose and see it fire (tb/assertions/test_assertions.py).
//
// probe_*: one stream under `ASSERT_STREAM; push_i/pop_i: a 2-deep stream_fifo; pipe_*: a
// 2-stage stream_pipe_ctrl (its FillsBubbles invariant fires when the pipeline is replaced by a
// broken copy).
`include "assert.svh"

module assertion_harness (
  input  logic       clk_i, rst_ni,
  input  logic       probe_valid_i,
  input  logic       probe_ready_i,
  input  logic [7:0] probe_data_i,
  input  logic       push_i,
  input  logic       pop_i,
  output logic [1:0] count_o,
  input  logic       pipe_valid_i,
  output logic       pipe_ready_o,
  output logic       pipe_valid_o,
  input  logic       pipe_ready_i
);

  `ASSERT_STREAM(Probe, probe_valid_i, probe_ready_i, probe_data_i, clk_i, !rst_ni)

  logic [7:0] unused_fifo_data;

  stream_fifo #(
    .Width(8),
    .Depth(2)
  ) u_fifo (
    .clk_i,
    .rst_ni,
    .push_i,
    .data_i ('0),
    .pop_i,
    .data_o (unused_fifo_data),
    .count_o
  );

  logic [1:0] unused_pipe_en;

  stream_pipe_ctrl #(
    .Stages(2)
  ) u_pipe (
    .clk_i,
    .rst_ni,
    .in_valid_i (pipe_valid_i),
    .in_ready_o (pipe_ready_o),
    .out_valid_o(pipe_valid_o),
    .out_ready_i(pipe_ready_i),
    .en_o       (unused_pipe_en)
  );

endmodule : assertion_harness
