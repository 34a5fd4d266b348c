// beat_stage: Stages register stages of a pipeline that never stalls, each holding a beat's
// valid bit, its row-end flag and its data.
//
// A beat offered with valid_i in cycle c leaves on valid_o/last_o/data_o in cycle c + Stages.
// valid and last are reset (a reset empties the pipeline); data is loaded only with a valid
// beat and has no reset, so it is meaningless while valid_o is low. last_o is valid_o's row end
// (last_i is taken only with a valid beat). Used wherever a unit moves beats through a fixed
// latency beside a datapath that cannot stop (the exp stages of the Softmax units, the lane
// sums of AILayerNorm).
module beat_stage #(
  parameter int unsigned Width  = 8,
  parameter int unsigned Stages = 1
) (
  input  logic             clk_i, rst_ni,
  input  logic             valid_i,
  input  logic             last_i,
  input  logic [Width-1:0] data_i,
  output logic             valid_o,
  output logic             last_o,
  output logic [Width-1:0] data_o
);

  if (Stages < 1 || Width < 1) begin : gen_check_params
    $fatal(1, "beat_stage: Stages (%0d) and Width (%0d) must be >= 1", Stages, Width);
  end

  logic [Stages:0]    valid, last;
  logic [Width-1:0]   data [Stages+1];

  assign valid[0] = valid_i;
  assign last[0]  = valid_i && last_i;
  assign data[0]  = data_i;

  for (genvar s = 0; s < Stages; s++) begin : gen_stage
    logic             valid_q, last_q;
    logic [Width-1:0] data_q;

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        valid_q <= 1'b0;
        last_q  <= 1'b0;
      end else begin
        valid_q <= valid[s];
        last_q  <= last[s];
      end
    end

    always_ff @(posedge clk_i) begin
      if (valid[s]) begin
        data_q <= data[s];
      end
    end

    assign valid[s+1] = valid_q;
    assign last[s+1]  = last_q;
    assign data[s+1]  = data_q;
  end

  assign valid_o = valid[Stages];
  assign last_o  = last[Stages];
  assign data_o  = data[Stages];

endmodule : beat_stage
