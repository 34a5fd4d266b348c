// channel_regs: per-channel constants of a row unit (LayerNorm's gamma and beta, AILayerNorm's
// PTF factor and bias): Entries words written one at a time, read a beat at a time.
//
// Storage is a memory without reset, as a designer would build it from a register file or
// SRAM (the cost flow counts its bits as a macro, the same rule as the row buffers): after
// power-up the contents are undefined until software writes every entry, and they survive
// rst_ni, so constants are loaded once rather than after every reset.
//
// Write: we_i stores data_i in entry idx_i at the clock edge; idx_i >= Entries (possible when
// Entries is not a power of two) is ignored.
// Read: Readers ports, each returning the Lanes consecutive entries of one beat (reader r's beat
// at beat_i[r*BeatWidth +: BeatWidth], entry beat*Lanes + l at
// data_o[(r*Lanes + l)*Width +: Width]), combinationally, for the parent to register with the
// beat it processes. Beats are Entries / Lanes (Lanes divides Entries).
module channel_regs #(
  parameter  int unsigned      Entries    = 384,
  parameter  int unsigned      Width      = 32,
  parameter  int unsigned      Lanes      = 4,
  parameter  int unsigned      Readers    = 1,
  localparam int unsigned      IdxWidth   = (Entries > 1) ? $clog2(Entries) : 1,
  localparam int unsigned      Beats      =
      (Lanes > 0 && Entries % Lanes == 0) ? Entries / Lanes : 1,
  localparam int unsigned      BeatWidth  = (Beats > 1) ? $clog2(Beats) : 1
) (
  input  logic                             clk_i,
  input  logic                             we_i,
  input  logic [IdxWidth-1:0]              idx_i,
  input  logic [Width-1:0]                 data_i,
  input  logic [Readers*BeatWidth-1:0]     beat_i,
  output logic [Readers*Lanes*Width-1:0]   data_o
);

  if (Entries < 1 || Lanes < 1 || Entries % Lanes != 0 || Readers < 1) begin : gen_check_params
    $fatal(1, "channel_regs: Lanes (%0d) must divide Entries (%0d), and Readers (%0d) be >= 1",
           Lanes, Entries, Readers);
  end

  logic [Width-1:0] entry_q [Entries];

  always_ff @(posedge clk_i) begin
    if (we_i && (32'(idx_i) < Entries)) begin
      entry_q[idx_i] <= data_i;
    end
  end

  always_comb begin
    for (int unsigned r = 0; r < Readers; r++) begin
      for (int unsigned l = 0; l < Lanes; l++) begin
        // beat_i < Beats, so the entry is below Entries.
        data_o[(r*Lanes + l)*Width +: Width] =
            entry_q[32'(beat_i[r*BeatWidth +: BeatWidth]) * Lanes + l];
      end
    end
  end

endmodule : channel_regs
