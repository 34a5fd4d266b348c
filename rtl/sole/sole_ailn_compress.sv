// sole_ailn_compress: one AILayerNorm element: x = q << alpha and its approximate square
// (combinational; bit-exact with models/sole.py AILayerNorm.compress and trace).
//
//   |q| ~ m << e,  m < 2^CompressBits     e = the fewest right shifts that fit |q| in
//                                          CompressBits bits, m rounded half to even; a carry
//                                          to 2^CompressBits renormalises (m >> 1, e + 1)
//   sq  = SQ[m] << 2 (e + alpha)          SQ = the 2^CompressBits-entry table of m^2
//
// Squaring a CompressBits-bit m from a table instead of multiplying InWidth-bit codes is
// SOLE's dynamic compression: at the defaults a 16-entry table of 8-bit squares.
`include "sole_ailn.svh"

module sole_ailn_compress #(
  parameter  int unsigned InWidth      = 8,
  parameter  int unsigned PtfMax       = 3,
  parameter  int unsigned CompressBits = 4,
  `SOLE_AILN_ALPHA_BITS,
  localparam int unsigned XWidth       = InWidth + PtfMax,
  // |q| rounds to at most 2^(InWidth-1), so sq <= 2^(2 (InWidth - 1 + PtfMax)).
  localparam int unsigned SqWidth      = 2 * (InWidth - 1 + PtfMax) + 1
) (
  input  logic [InWidth-1:0]   q_i,
  input  logic [AlphaBits-1:0] alpha_i,
  output logic [XWidth-1:0]    x_o,
  output logic [SqWidth-1:0]   sq_o
);

  localparam int unsigned Entries   = 1 << CompressBits;
  localparam int unsigned EntryBits = 2 * CompressBits;
  localparam int unsigned LzcBits   = $clog2(InWidth + 1);
  localparam int unsigned EBits     = $clog2(InWidth + 1);
  localparam int unsigned ShiftBits = $clog2(2 * (InWidth + PtfMax) + 1);

  if (CompressBits < 1 || CompressBits > InWidth) begin : gen_check_compress
    $fatal(1, "sole_ailn_compress: CompressBits (%0d) must be in [1, InWidth = %0d]", CompressBits,
           InWidth);
  end

  // The square table, entry m at [m*EntryBits +: EntryBits].
  function automatic logic [Entries*EntryBits-1:0] square_table();
    logic [Entries*EntryBits-1:0] table_bits;
    table_bits = '0;
    for (int unsigned m = 0; m < Entries; m++) begin
      table_bits[m*EntryBits +: EntryBits] = EntryBits'(m * m);
    end
    square_table = table_bits;
  endfunction

  localparam logic [Entries*EntryBits-1:0] SquareTable = square_table();

  logic [InWidth-1:0]      mag;
  logic [LzcBits-1:0]      lead_zeros;
  logic                    mag_zero;
  logic [EBits-1:0]        e0, e;
  logic [CompressBits-1:0] kept;
  logic [InWidth-1:0]      dropped, half;
  logic                    up;
  logic [CompressBits:0]   m_round;
  logic [CompressBits-1:0] m;
  logic [ShiftBits-1:0]    sq_shift;

  // |q| fits InWidth bits unsigned (|-2^(InWidth-1)| included).
  assign mag = q_i[InWidth-1] ? InWidth'(-q_i) : q_i;

  lzc #(
    .Width(InWidth)
  ) u_lzc (
    .data_i(mag),
    .cnt_o (lead_zeros),
    .zero_o(mag_zero)
  );

  always_comb begin
    // bit length of |q| is InWidth - lead_zeros; e0 = max(bit length - CompressBits, 0)
    e0      = (InWidth - 32'(lead_zeros) > CompressBits) ? EBits'(InWidth - 32'(lead_zeros) - CompressBits) : '0;
    // At most CompressBits bits remain after e0 shifts.
    kept    = CompressBits'(mag >> e0);
    dropped = mag & ((InWidth'(1) << e0) - InWidth'(1));
    half    = (InWidth'(1) << e0) >> 1;
    // Ties to even; e0 = 0 drops nothing (half = 0 and dropped = 0).
    up      = (e0 != '0) && ((dropped > half) || (dropped == half && kept[0]));
    m_round = (CompressBits+1)'(kept) + (CompressBits+1)'(up);
    if (m_round[CompressBits]) begin
      m = CompressBits'(m_round >> 1);
      e = e0 + EBits'(1);
    end else begin
      m = m_round[CompressBits-1:0];
      e = e0;
    end
    sq_shift = ShiftBits'(2 * (32'(e) + 32'(alpha_i)));
    sq_o     = SqWidth'(SquareTable[m*EntryBits +: EntryBits]) << sq_shift;
    x_o      = XWidth'($signed(q_i)) <<< alpha_i;
  end

  logic unused_mag_zero;
  assign unused_mag_zero = mag_zero;  // a zero |q| gives e = 0, m = 0 without special care

endmodule : sole_ailn_compress
