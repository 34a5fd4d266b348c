// layernorm_row_buffer: Depth words of Width bits, one write port and one read port.
//
// Holds the banks of buffered rows (bank b, beat j at word b*Beats + j). The read is
// combinational; the parent registers the word in the first stage of its output pipeline,
// which makes the pair behave like a synchronous-read RAM (a 1W1R SRAM macro can replace
// this module). No reset: a word is only read after it has been written for its row.

module layernorm_row_buffer #(
  parameter  int unsigned Width     = 64,
  parameter  int unsigned Depth     = 288,
  localparam int unsigned AddrWidth = (Depth > 1) ? $clog2(Depth) : 1
) (
  input  logic                 clk_i,
  input  logic                 we_i,
  input  logic [AddrWidth-1:0] waddr_i,
  input  logic [Width-1:0]     wdata_i,
  input  logic [AddrWidth-1:0] raddr_i,
  output logic [Width-1:0]     rdata_o
);

  logic [Width-1:0] mem_q[Depth];

  always_ff @(posedge clk_i) begin
    if (we_i) begin
      mem_q[waddr_i] <= wdata_i;
    end
  end

  assign rdata_o = mem_q[raddr_i];

endmodule : layernorm_row_buffer
