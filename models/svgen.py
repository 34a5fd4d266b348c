"""Render a quantized table as a SystemVerilog package that the RTL reads at elaboration."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.fileio import write_atomically
from models.nnlut import IntTable


def _packed_literal(codes: np.ndarray, width: int) -> str:
    """Concatenation with entry 0 in the least significant position."""
    mask = (1 << width) - 1
    digits = (width + 3) // 4
    items = [f"{width}'h{int(c) & mask:0{digits}x}" for c in codes[::-1]]
    rows = [", ".join(items[i:i + 4]) for i in range(0, len(items), 4)]
    return "{\n    " + ",\n    ".join(rows) + "\n  }"


def render_package(package: str, table: IntTable, provenance: str) -> str:
    p = table.params
    bp_real, slope_real, icpt_real = table.to_float()
    lines = [
        f"// {package}: NN-LUT table contents and formats.",
        "// GENERATED FILE - do not edit. Regenerate with:",
        f"//   {provenance}",
        "// Entry k holds the lower bound of segment k (entry 0's is unused), its slope and",
        "// intercept. Formats are two's complement, value = code * 2^-Frac.",
        "// Real values (breakpoint, slope, intercept):",
        f"//   entry  0: {'-inf':>12} {slope_real[0]: .8f} {icpt_real[0]: .8f}",
    ]
    for k in range(1, p.entries):
        lines.append(f"//   entry {k:2d}: {bp_real[k - 1]:12.6f} {slope_real[k]: .8f} {icpt_real[k]: .8f}")
    lines += [
        f"package {package};",
        f"  localparam int unsigned Entries        = {p.entries};",
        f"  localparam int unsigned InWidth        = {p.in_fmt.width};",
        f"  localparam int unsigned InFrac         = {p.in_fmt.frac};",
        f"  localparam int unsigned OutWidth       = {p.out_fmt.width};",
        f"  localparam int unsigned OutFrac        = {p.out_fmt.frac};",
        f"  localparam int unsigned SlopeWidth     = {p.slope_width};",
        f"  localparam int unsigned SlopeFrac      = {table.slope_frac};",
        f"  localparam int unsigned InterceptWidth = {p.intercept_width};",
        f"  localparam int unsigned InterceptFrac  = {table.intercept_frac};",
        f"  localparam logic [Entries*InWidth-1:0] Breakpoints = "
        f"{_packed_literal(table.breakpoints, p.in_fmt.width)};",
        f"  localparam logic [Entries*SlopeWidth-1:0] Slopes = "
        f"{_packed_literal(table.slopes, p.slope_width)};",
        f"  localparam logic [Entries*InterceptWidth-1:0] Intercepts = "
        f"{_packed_literal(table.intercepts, p.intercept_width)};",
        f"endpackage : {package}",
        "",
    ]
    return "\n".join(lines)


def write_package(path: Path, package: str, table: IntTable, provenance: str) -> None:
    write_atomically(path, render_package(package, table, provenance))
