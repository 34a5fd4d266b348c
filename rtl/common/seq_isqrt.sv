// seq_isqrt: sequential integer square root, root = floor(sqrt(n)), StepsPerCycle root bits
// per clock, valid/ready on each side and a tag carried alongside.
//
// A digit recurrence: one compare and subtract per root bit and no divider.
//
//   for each pair of bits of n, top first:  rem = 4 rem + pair;  trial = 4 root + 1
//                                            if rem >= trial: rem -= trial, root = 2 root + 1
//                                            else root = 2 root
//
// It reaches exactly floor(sqrt(n)), the value I-BERT's integer Newton iteration converges to
// (models/intops.isqrt_newton), so SOLE's AILayerNorm statistics stay bit-exact with a model
// written the I-BERT way.
//
// Timing (seq_ctrl): an operand taken at edge n gives out_valid_o after edge n + Cycles,
// Cycles = ceil(ceil(InWidth / 2) / StepsPerCycle); results wait until taken, and a new
// operand may be taken at the edge that takes the result.
`include "port_groups.svh"

module seq_isqrt #(
  parameter  int unsigned InWidth       = 38,
  parameter  int unsigned StepsPerCycle = 1,
  parameter  int unsigned TagWidth      = 1,
  localparam int unsigned RootWidth     = (InWidth + 1) / 2,
  localparam int unsigned Cycles        =
      (StepsPerCycle > 0) ? (RootWidth + StepsPerCycle - 1) / StepsPerCycle : 1
) (
  input  logic                 clk_i, rst_ni,
  `TAGGED_STREAM_IN(TagWidth),
  input  logic [InWidth-1:0]   n_i,
  `TAGGED_STREAM_OUT(TagWidth),
  output logic [RootWidth-1:0] root_o
);

  // Root bits produced: Cycles * StepsPerCycle >= RootWidth; n is zero-extended to twice that,
  // which only adds leading zero root bits.
  localparam int unsigned Digits  = Cycles * StepsPerCycle;
  // rem <= 2 root always, so RootWidth + 2 bits hold rem and the trial value.
  localparam int unsigned RemBits = Digits + 2;

  if (StepsPerCycle < 1 || InWidth < 1 || InWidth > 62) begin : gen_check_params
    $fatal(1, "seq_isqrt: StepsPerCycle (%0d) must be >= 1 and InWidth (%0d) in [1, 62]",
           StepsPerCycle, InWidth);
  end

  logic load, step;

  seq_ctrl #(.Cycles(Cycles), .TagWidth(TagWidth)) u_ctrl (
    .clk_i, .rst_ni, .in_valid_i, .in_ready_o, .tag_i, .out_valid_o, .out_ready_i, .tag_o,
    .load_o(load), .step_o(step)
  );

  logic [2*Digits-1:0] n_q, n_d;     // bit pairs still to bring down, top first
  logic [RemBits-1:0]  rem_q, rem_d;
  logic [Digits-1:0]   root_q, root_d;

  always_comb begin
    n_d    = n_q;
    rem_d  = rem_q;
    root_d = root_q;
    for (int unsigned s = 0; s < StepsPerCycle; s++) begin
      logic [RemBits-1:0] acc, trial;
      acc    = (rem_d << 2) | RemBits'(n_d[2*Digits-1 -: 2]);
      trial  = (RemBits'(root_d) << 2) | RemBits'(1);
      n_d    = n_d << 2;
      if (acc >= trial) begin
        rem_d  = acc - trial;
        root_d = (root_d << 1) | Digits'(1);
      end else begin
        rem_d  = acc;
        root_d = root_d << 1;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (load) begin
      n_q    <= (2*Digits)'(n_i);
      rem_q  <= '0;
      root_q <= '0;
    end else if (step) begin
      n_q    <= n_d;
      rem_q  <= rem_d;
      root_q <= root_d;
    end
  end

  assign root_o = root_q[RootWidth-1:0];

  if (Digits > RootWidth) begin : gen_unused_root
    logic unused_root_top;
    assign unused_root_top = ^root_q[Digits-1:RootWidth];
  end

endmodule : seq_isqrt
