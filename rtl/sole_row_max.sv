// sole_row_max: position in the row and the running maximum of a row of signed codes.
//
// beat_valid_i marks an accepted beat; rows are consecutive groups of RowBeats beats.
// last_o is high while the current beat is the row's last one, and max_o is then the
// maximum over the whole row including this beat. Both are combinational from the beat, so
// the maximum can be stored at the very edge that accepts the row's last beat and the next
// stage may start on the row in the following cycle.
module sole_row_max #(
  parameter  int unsigned Lanes    = 4,
  parameter  int unsigned Width    = 16,
  parameter  int unsigned RowBeats = 32,
  localparam int unsigned PosBits  = (RowBeats > 1) ? $clog2(RowBeats) : 1
) (
  input  logic                    clk_i,
  input  logic                    rst_ni,
  input  logic                    beat_valid_i,
  input  logic [Lanes*Width-1:0]  beat_i,
  output logic                    last_o,
  output logic [Width-1:0]        max_o
);

  if (Lanes < 1) begin : gen_check_lanes
    $fatal(1, "sole_row_max: Lanes must be >= 1 (got %0d)", Lanes);
  end
  if (RowBeats < 1) begin : gen_check_row_beats
    $fatal(1, "sole_row_max: RowBeats must be >= 1 (got %0d)", RowBeats);
  end

  // Pairwise reduction, ceil(log2 Lanes) comparator levels; an odd survivor moves up as is.
  logic signed [Width-1:0] beat_max;

  always_comb begin
    logic signed [Width-1:0] cand [Lanes];
    for (int unsigned l = 0; l < Lanes; l++) begin
      cand[l] = $signed(beat_i[l*Width +: Width]);
    end
    for (int unsigned n = Lanes; n > 1; n = (n + 1) / 2) begin
      for (int unsigned i = 0; i < n / 2; i++) begin
        cand[i] = (cand[2*i+1] > cand[2*i]) ? cand[2*i+1] : cand[2*i];
      end
      if (n % 2 == 1) begin
        cand[n/2] = cand[n-1];
      end
    end
    beat_max = cand[0];
  end

  logic [PosBits-1:0]      pos_q;
  logic signed [Width-1:0] run_q, row_max;

  // At a row's first beat the stored maximum belongs to the previous row and is ignored.
  assign row_max = (pos_q == '0 || beat_max > run_q) ? beat_max : run_q;
  assign last_o  = (pos_q == PosBits'(RowBeats - 1));
  assign max_o   = row_max;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pos_q <= '0;
      run_q <= '0;
    end else if (beat_valid_i) begin
      pos_q <= last_o ? '0 : pos_q + PosBits'(1);
      run_q <= row_max;
    end
  end

endmodule : sole_row_max
