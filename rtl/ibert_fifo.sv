// ibert_fifo: first-in first-out queue of Depth entries (any Depth >= 1) whose oldest entry is
// readable combinationally.
//
// The I-BERT row units keep rows and row descriptors in these: a slot is held only from the
// edge that writes it to the edge that reads it, so buffers sized for the pipeline depth plus
// one row stream rows back to back whatever their length. The units size every instance so
// that a push into a full queue or a pop from an empty one cannot happen; the counters would
// wrap if it did, so callers must respect count_o. head_o is meaningless while count_o is 0.
// The storage has no reset: the pointers and the count alone say what is valid.

module ibert_fifo #(
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
  output logic [Width-1:0]    head_o,
  output logic [CntWidth-1:0] count_o
);

  if (Depth < 1) begin : gen_check_depth
    $fatal(1, "ibert_fifo: Depth must be >= 1 (got %0d)", Depth);
  end
  if (Width < 1) begin : gen_check_width
    $fatal(1, "ibert_fifo: Width must be >= 1 (got %0d)", Width);
  end

  logic [Width-1:0]    slots_q [Depth];
  logic [PtrWidth-1:0] head_q, tail_q;
  logic [CntWidth-1:0] count_q;

  // Depth is any integer, so the pointers wrap by comparison rather than by overflow.
  function automatic logic [PtrWidth-1:0] advance(logic [PtrWidth-1:0] ptr);
    advance = (ptr == PtrWidth'(Depth - 1)) ? '0 : ptr + PtrWidth'(1);
  endfunction

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      head_q  <= '0;
      tail_q  <= '0;
      count_q <= '0;
    end else begin
      if (push_i) begin
        tail_q <= advance(tail_q);
      end
      if (pop_i) begin
        head_q <= advance(head_q);
      end
      count_q <= count_q + CntWidth'(push_i) - CntWidth'(pop_i);
    end
  end

  always_ff @(posedge clk_i) begin
    if (push_i) begin
      slots_q[tail_q] <= data_i;
    end
  end

  assign head_o  = slots_q[head_q];
  assign count_o = count_q;

endmodule : ibert_fifo
