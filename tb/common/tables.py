"""The NN-LUT table write port as the benches drive it (every NN-LUT unit has one: GELU's
`tbl_*`, Softmax's with `tbl_sel_i` choosing the exp or reciprocal table, LayerNorm's for its
1/sqrt table), and tables for the tests that reprogram it."""

from __future__ import annotations

from typing import Any

import numpy as np

from models.nnlut import IntTable
from tb.common.uvm_env import write_port


async def write_table(dut: Any, table: IntTable, **select: int) -> None:
    """Every entry of `table` through the port, one per cycle; `select` adds fixed signals
    (tbl_sel_i=1 for Softmax's reciprocal table)."""
    await write_port(dut, "tbl_we_i", [
        {"tbl_idx_i": k, "tbl_breakpoint_i": int(table.breakpoints[k]), "tbl_slope_i": int(table.slopes[k]),
         "tbl_intercept_i": int(table.intercepts[k]), **select} for k in range(table.params.entries)])


def perturbed_table(table: IntTable, rng: np.random.Generator, bits: int = 4) -> IntTable:
    """The table with every field moved by a random amount of up to 2^bits codes (breakpoints
    kept ascending and inside the input format, slopes and intercepts inside their widths), so
    that a unit that dropped or swapped any field of any entry no longer matches the model."""
    p = table.params
    fmt = p.in_fmt
    jitter = lambda n: rng.integers(-(1 << bits), (1 << bits) + 1, n)  # noqa: E731
    breakpoints = np.sort(np.clip(table.breakpoints + jitter(p.entries), fmt.min_code, fmt.max_code))
    slope_lim = (1 << (p.slope_width - 1)) - 1
    icpt_lim = (1 << (p.intercept_width - 1)) - 1
    slopes = np.clip(table.slopes + jitter(p.entries), -slope_lim - 1, slope_lim)
    intercepts = np.clip(table.intercepts + jitter(p.entries) * 16, -icpt_lim - 1, icpt_lim)
    return IntTable(p, table.slope_frac, table.intercept_frac, breakpoints.astype(np.int64),
                    slopes.astype(np.int64), intercepts.astype(np.int64))


def extreme_table(table: IntTable) -> IntTable:
    """A table that drives the core's datapath to its bounds: breakpoints spread over the input
    range, slopes alternating between the most negative and the most positive code (segment 0,
    which holds the most negative input, gets the most negative slope: their product is
    +2^(SlopeWidth + InWidth - 2), which needs every bit of the product), intercepts alternating
    between the largest and the most negative code."""
    p = table.params
    fmt = p.in_fmt
    breakpoints = np.linspace(fmt.min_code, fmt.max_code, p.entries + 1)[:-1].astype(np.int64)
    slope_min, slope_max = -(1 << (p.slope_width - 1)), (1 << (p.slope_width - 1)) - 1
    icpt_min, icpt_max = -(1 << (p.intercept_width - 1)), (1 << (p.intercept_width - 1)) - 1
    even = np.arange(p.entries) % 2 == 0
    return IntTable(p, table.slope_frac, table.intercept_frac, breakpoints,
                    np.where(even, slope_min, slope_max).astype(np.int64),
                    np.where(even, icpt_max, icpt_min).astype(np.int64))


def table_at_largest_output(table: IntTable) -> IntTable:
    """A table whose every entry has the largest slope and the largest intercept: for inputs
    >= 0, the largest output any table in these formats can give (saturated where the format
    allows), and so the bound of every width downstream of it."""
    p = table.params
    return IntTable(p, table.slope_frac, table.intercept_frac, table.breakpoints.copy(),
                    np.full(p.entries, (1 << (p.slope_width - 1)) - 1),
                    np.full(p.entries, (1 << (p.intercept_width - 1)) - 1))


def table_all_negative(table: IntTable) -> IntTable:
    """A table whose output is -1 LSB everywhere (slope 0): the units document that a negative
    value counts as 0, and -1 is all ones in every bit below the sign, so a unit that dropped
    the sign would see the largest magnitude instead. An intercept with fewer fraction bits than
    the output (a narrowed table) cannot make -1 LSB; its own -1 is the negative value nearest
    to 0 it can make, -2^(out frac - intercept frac) LSB, all ones above those low bits."""
    p = table.params
    shift = table.intercept_frac - p.out_fmt.frac
    intercept, expected = (-(1 << shift), -1) if shift >= 0 else (-1, -(1 << -shift))
    out = IntTable(p, table.slope_frac, table.intercept_frac, table.breakpoints.copy(),
                   np.zeros(p.entries, dtype=np.int64), np.full(p.entries, intercept))
    if not np.all(out.evaluate(np.array([p.in_fmt.min_code, 0, p.in_fmt.max_code])) == expected):
        raise ValueError(f"no intercept gives {expected} LSB in {p.out_fmt}")
    return out
