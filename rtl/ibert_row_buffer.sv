// ibert_row_buffer: circular buffer of Depth words with one writer and two readers.
//
// I-BERT's LayerNorm reads every row twice after it has arrived: once for the variance
// (which needs the row's mean first) and once for the output (which needs the standard
// deviation). The first reader (peek) only looks; the second (take) frees the word. Words are
// written and read in order, so three pointers and one occupancy count (written and not yet
// taken) are the whole state.
//
// The caller guarantees the order write -> peek -> take for every word (the unit only peeks a
// row once it is complete and only takes it once it has been peeked) and never writes while
// count_o = Depth. Reads are combinational: the caller registers the word in its pipeline,
// which makes the pair a synchronous-read RAM (a 1W2R SRAM can replace the array). The array
// has no reset: the pointers say what is valid.

module ibert_row_buffer #(
  parameter  int unsigned Width    = 64,
  parameter  int unsigned Depth    = 256,
  localparam int unsigned PtrWidth = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int unsigned CntWidth = $clog2(Depth + 1)
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  input  logic                write_i,
  input  logic [Width-1:0]    data_i,
  input  logic                peek_i,
  output logic [Width-1:0]    peek_o,
  input  logic                take_i,
  output logic [Width-1:0]    take_o,
  output logic [CntWidth-1:0] count_o
);

  if (Depth < 2) begin : gen_check_depth
    $fatal(1, "ibert_row_buffer: Depth must be >= 2 (got %0d)", Depth);
  end

  logic [Width-1:0]    words_q [Depth];
  logic [PtrWidth-1:0] wr_q, peek_q, take_q;
  logic [CntWidth-1:0] count_q;

  function automatic logic [PtrWidth-1:0] advance(logic [PtrWidth-1:0] ptr);
    advance = (ptr == PtrWidth'(Depth - 1)) ? '0 : ptr + PtrWidth'(1);
  endfunction

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_q    <= '0;
      peek_q  <= '0;
      take_q  <= '0;
      count_q <= '0;
    end else begin
      if (write_i) begin
        wr_q <= advance(wr_q);
      end
      if (peek_i) begin
        peek_q <= advance(peek_q);
      end
      if (take_i) begin
        take_q <= advance(take_q);
      end
      count_q <= count_q + CntWidth'(write_i) - CntWidth'(take_i);
    end
  end

  always_ff @(posedge clk_i) begin
    if (write_i) begin
      words_q[wr_q] <= data_i;
    end
  end

  assign peek_o  = words_q[peek_q];
  assign take_o  = words_q[take_q];
  assign count_o = count_q;

endmodule : ibert_row_buffer
