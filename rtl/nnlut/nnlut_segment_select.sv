// nnlut_segment_select: combinational segment index of x in a piecewise-linear table.
//
// idx_o = number of breakpoints j in [1, Entries-1] with x_i >= bp[j] (signed compare).
// Entry 0 has no breakpoint here: segment 0 extends to -infinity. For a table whose
// breakpoints ascend this is the usual "last breakpoint not above x" search; counting
// instead of priority-encoding keeps the result well defined (and identical to the
// bit-accurate model) even while software is rewriting the table out of order.

module nnlut_segment_select #(
  parameter  int unsigned Entries  = 16,
  parameter  int unsigned InWidth  = 16,
  // Guarded so that an illegal Entries reaches the parent's $fatal instead of
  // failing on a negative range first.
  localparam int unsigned IdxWidth = (Entries > 1) ? $clog2(Entries) : 1
) (
  input  logic [InWidth-1:0]             x_i,
  // bp[j] for j = 1..Entries-1 at [(j-1)*InWidth +: InWidth]
  input  logic [(Entries-1)*InWidth-1:0] breakpoints_i,
  output logic [IdxWidth-1:0]            idx_o
);

  if (Entries < 2) begin : gen_check_entries
    $fatal(1, "nnlut_segment_select: Entries must be >= 2 (got %0d)", Entries);
  end

  logic [Entries-2:0] at_or_above;

  for (genvar j = 1; j < Entries; j++) begin : gen_cmp
    assign at_or_above[j-1] =
        $signed(x_i) >= $signed(breakpoints_i[(j-1)*InWidth +: InWidth]);
  end

  // The count is at most Entries-1, which always fits in IdxWidth bits.
  always_comb begin
    idx_o = '0;
    for (int unsigned j = 0; j < Entries - 1; j++) begin
      idx_o = idx_o + IdxWidth'(at_or_above[j]);
    end
  end

endmodule
