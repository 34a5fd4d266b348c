// sole_fifo: first-in first-out buffer of Depth words (any Depth >= 1), head visible
// without a read request.
//
// The SOLE units keep their row buffers as FIFOs so that a slot is only held between the
// write and the read of its beat: a row's beats can be read while the next row is still
// being written, which is what lets rows stream back to back without one bank per row.
//
// The users size every instance so that it can never overflow or underflow (push_i when
// full, pop_i when empty); both are caller errors and are not guarded here. head_o is
// undefined while count_o is 0. Only the pointers and the count are reset: the storage
// needs no reset because nothing reads an entry before it was written.
module sole_fifo #(
  parameter  int unsigned Width    = 8,
  parameter  int unsigned Depth    = 4,
  localparam int unsigned AddrBits = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int unsigned CntBits  = $clog2(Depth + 1)
) (
  input  logic               clk_i,
  input  logic               rst_ni,
  input  logic               push_i,
  input  logic [Width-1:0]   data_i,
  input  logic               pop_i,
  output logic [Width-1:0]   head_o,
  output logic [CntBits-1:0] count_o
);

  if (Depth < 1) begin : gen_check_depth
    $fatal(1, "sole_fifo: Depth must be >= 1 (got %0d)", Depth);
  end
  if (Width < 1) begin : gen_check_width
    $fatal(1, "sole_fifo: Width must be >= 1 (got %0d)", Width);
  end

  logic [Width-1:0]    store_q [Depth];
  logic [AddrBits-1:0] wr_q, rd_q;
  logic [CntBits-1:0]  count_q;

  // Depth is rarely a power of two (a row plus a pipeline), so the addresses wrap by compare.
  logic wr_wrap, rd_wrap;
  assign wr_wrap = (wr_q == AddrBits'(Depth - 1));
  assign rd_wrap = (rd_q == AddrBits'(Depth - 1));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_q    <= '0;
      rd_q    <= '0;
      count_q <= '0;
    end else begin
      if (push_i) begin
        wr_q <= wr_wrap ? '0 : wr_q + AddrBits'(1);
      end
      if (pop_i) begin
        rd_q <= rd_wrap ? '0 : rd_q + AddrBits'(1);
      end
      if (push_i != pop_i) begin
        count_q <= push_i ? count_q + CntBits'(1) : count_q - CntBits'(1);
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (push_i) begin
      store_q[wr_q] <= data_i;
    end
  end

  assign head_o  = store_q[rd_q];
  assign count_o = count_q;

endmodule : sole_fifo
