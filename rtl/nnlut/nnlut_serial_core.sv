// nnlut_serial_core: the NN-LUT core's function for one element at a time, with the segment
// found one breakpoint comparison per cycle (binary search) and the slope multiply done one
// slope bit per cycle (shift and add), for a table that is read rarely (a Softmax row's
// reciprocal: once per row). Bit-exact with nnlut_core and models/nnlut.py:
//
//   k   = #{ j in 1..Entries-1 : x >= bp[j] }
//   acc = s[k]*x + (t[k] << (SlopeFrac + InFrac - InterceptFrac))
//   y   = clamp((acc + 2^(R-1)) >>> R),  R = SlopeFrac + InFrac - OutFrac
//
// k is found in log2(Entries) cycles, one comparator against the breakpoint a binary search
// picks (instead of Entries - 1 comparators); s[k]*x is built as sum_i s_i x 2^i over the
// slope's bits, the top bit with weight -2^i (two's complement), in SlopeWidth cycles through
// one SumWidth-bit adder instead of a SlopeWidth x InWidth multiplier. The table (nnlut_table:
// programmable, without reset or hardwired) and its write port are nnlut_core's.
//
// Handshake: an element is accepted (in_valid_i && in_ready_o) only when the core is idle; its
// result is offered on out_valid_o/out_data_o Cycles = log2(Entries) + SlopeWidth edges after
// the accepting edge and held until out_ready_i. The next element can be accepted in the cycle
// the result is taken, so the core takes one element per Cycles + 1 cycles at best. Reset
// abandons an element in progress.
`include "assert.svh"
`include "port_groups.svh"

module nnlut_serial_core #(
  // Input, output, slope and intercept formats (width, fraction bits)
  `NNLUT_CORE_FORMAT_PARAMS(16, 14, 18, 16, 11, 10, 17, 15),
  parameter  int unsigned                        Entries          = 16,
  `NNLUT_TABLE_RESET_PARAMS,
  parameter  bit                                 Hardwired        = 1'b0,
  parameter  bit                                 TableReset       = 1'b1,
  `NNLUT_TABLE_IDX_WIDTH
) (
  input  logic                              clk_i, rst_ni,
  `STREAM_IN_PORTS(InWidth),
  `STREAM_OUT_PORTS(OutWidth),
  `NNLUT_TABLE_WRITE_PORTS(IdxWidth, InWidth, SlopeWidth, InterceptWidth)
);

  `NNLUT_CORE_SHIFTS
  localparam int unsigned ProdWidth  = SlopeWidth + InWidth;
  // As nnlut_core's: the final s*x + t' fits, and the partial sums wrap modulo 2^SumWidth back
  // onto it.
  localparam int unsigned SumWidth   =
      (ProdWidth > InterceptWidth + AlignShift) ? ProdWidth : InterceptWidth + AlignShift + 1;
  localparam int unsigned Steps      = IdxWidth + SlopeWidth;   // search, then multiply
  localparam int unsigned StepWidth  = $clog2(Steps + 1);

  if (Entries < 2) begin : gen_check_entries
    $fatal(1, "nnlut_serial_core: Entries must be >= 2 (got %0d)", Entries);
  end
  if (InWidth < 2 || OutWidth < 2 || SlopeWidth < 2 || InterceptWidth < 2) begin : gen_check_widths
    $fatal(1, "nnlut_serial_core: InWidth, OutWidth, SlopeWidth and InterceptWidth must be >= 2");
  end
  if (InterceptFrac > ProdFrac || OutFrac > ProdFrac) begin : gen_check_fracs
    $fatal(1, "nnlut_serial_core: InterceptFrac (%0d) and OutFrac (%0d) must be <= SlopeFrac + InFrac (%0d)",
           InterceptFrac, OutFrac, ProdFrac);
  end

  // ---------------------------------------------------------------------------
  // Table
  // ---------------------------------------------------------------------------
  `NNLUT_TABLE_CONTENTS

  nnlut_table #(
    `NNLUT_TABLE_OVERRIDES
  ) u_table (
    .clk_i, .rst_ni, .tbl_we_i, .tbl_idx_i, .tbl_breakpoint_i, .tbl_slope_i, .tbl_intercept_i,
    .breakpoints_o(tbl_breakpoints),
    .slopes_o     (tbl_slopes),
    .intercepts_o (tbl_intercepts)
  );

  // ---------------------------------------------------------------------------
  // Steps 0 .. IdxWidth-1: binary search for k. Step i tries the candidate with index bit
  // IdxWidth-1-i set: k >= candidate exactly when x >= bp[candidate] (breakpoints ascend).
  // Steps IdxWidth .. Steps-1: shift-and-add multiply, step j adding (for the slope's sign bit,
  // subtracting) x << j.
  // ---------------------------------------------------------------------------
  logic                       busy_q, done_q;
  logic [StepWidth-1:0]       step_q;
  logic [IdxWidth-1:0]        idx_q;
  logic [SlopeWidth-1:0]      bits_q;    // the slope, shifted right one bit per multiply step
  logic signed [SumWidth-1:0] x_q;       // x, then x << j
  logic signed [SumWidth-1:0] acc_q;
  logic                       accept, searching, last_search, last_step;
  logic [IdxWidth-1:0]        candidate, idx_next;
  logic                       at_or_above;

  assign in_ready_o  = !busy_q && (!done_q || out_ready_i);
  assign accept      = in_valid_i && in_ready_o;
  assign searching   = busy_q && (32'(step_q) < IdxWidth);
  assign last_search = (32'(step_q) == IdxWidth - 1);
  assign last_step   = (32'(step_q) == Steps - 1);

  assign candidate   = idx_q | IdxWidth'((IdxWidth)'(1) << (IdxWidth - 1 - 32'(step_q)));
  assign at_or_above = (32'(candidate) < Entries) &&
                       ($signed(x_q[InWidth-1:0]) >= $signed(tbl_breakpoints[32'(candidate)*InWidth +: InWidth]));
  assign idx_next    = at_or_above ? candidate : idx_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q <= 1'b0;
      done_q <= 1'b0;
      step_q <= '0;
    end else begin
      if (accept) begin
        busy_q <= 1'b1;
        step_q <= '0;
      end else if (busy_q) begin
        busy_q <= !last_step;
        step_q <= step_q + StepWidth'(1);
      end
      if (busy_q && last_step) begin
        done_q <= 1'b1;
      end else if (out_ready_i) begin
        done_q <= 1'b0;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (accept) begin
      idx_q <= '0;
      x_q   <= SumWidth'($signed(in_data_i));
    end else if (searching) begin
      idx_q <= idx_next;
      if (last_search) begin
        bits_q <= tbl_slopes[32'(idx_next)*SlopeWidth +: SlopeWidth];
        acc_q  <= SumWidth'($signed(tbl_intercepts[32'(idx_next)*InterceptWidth +: InterceptWidth]))
                  <<< AlignShift;
      end
    end else if (busy_q) begin
      bits_q <= bits_q >> 1;
      x_q    <= x_q <<< 1;
      if (bits_q[0]) begin
        acc_q <= last_step ? acc_q - x_q : acc_q + x_q;
      end
    end
  end

  // Segment 0 has no lower breakpoint; x's sign-extension bits are only shifted.
  logic unused_breakpoint0;
  assign unused_breakpoint0 = ^tbl_breakpoints[InWidth-1:0];

  nnlut_round_sat #(
    .DataWidth(SumWidth),
    .Shift    (RoundShift),
    .OutWidth (OutWidth)
  ) u_round_sat (
    .data_i(acc_q),
    .data_o(out_data_o)
  );

  assign out_valid_o = done_q;

  `ASSERT(NoAcceptWhileBusy, accept |-> !busy_q, clk_i, !rst_ni)
  `ASSERT(SegmentInTable, 32'(idx_q) < Entries, clk_i, !rst_ni || !busy_q)
  `ASSERT_HANDSHAKE(Out, out_valid_o, out_ready_i, clk_i, !rst_ni)

endmodule : nnlut_serial_core
