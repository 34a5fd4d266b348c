"""NN-LUT GELU unit bench (module `tb.gelu.test_gelu`, top `nnlut_act_unit`), run inside the
simulator by flow/runner.py:
- ExhaustiveSweep: every input code, random gaps and backpressure; every reachable segment.
- FullRate: no gaps, no backpressure; latency and throughput measured and checked.
- Backpressure: heavy gaps and backpressure on the breakpoints' and the format's edge codes and
  random codes.
- TableWrite: programs other tables through the write port at run time (one that saturates at
  both ends, one exact ReLU), checks each, then restores GELU.
- StreamFile: streams codes from a file and saves the outputs (rtl_eval).
The element-wise family (tb/common/elementwise.py) supplies the first three.
"""

from __future__ import annotations

import numpy as np
import pyuvm

from models.nnlut import IntTable
from tb.common import elementwise
from tb.common.elementwise import ElementwiseModel, ElementwiseTest
from tb.common.tables import extreme_table
from tb.common.uvm_env import STREAM_FILE_MISSING, StreamFileTest, lanes_of, register_tests, write_port


def reachable_segments(table: IntTable) -> list[int]:
    """Segments owning at least one input code (equal breakpoints leave a segment empty)."""
    fmt = table.params.in_fmt
    lower = np.concatenate([[fmt.min_code], table.breakpoints[1:]])
    upper = np.concatenate([table.breakpoints[1:], [fmt.max_code + 1]])
    return [k for k in range(table.params.entries) if upper[k] > lower[k]]


class GeluTest(ElementwiseTest):
    @property
    def table_kind(self) -> str:
        return str(self.bench.config.settings["config"]["table"])

    async def after_reset(self) -> None:
        """A table without reset holds nothing until software writes it: write the fitted one."""
        if self.table_kind == "no_reset":
            await write_table(self, self.bench.model.table)

    def edge_codes(self) -> np.ndarray:
        """The format's edges, and each breakpoint with its neighbours."""
        bps = self.bench.model.table.breakpoints[1:]
        return np.concatenate([super().edge_codes(), bps - 1, bps, bps + 1])


class GeluSweep(GeluTest):
    def required_bins(self) -> tuple[str, ...]:
        return tuple(f"segment[{k}]" for k in reachable_segments(self.bench.model.table))


register_tests(__name__, GeluTest, elementwise, {"FullRate": {}, "Backpressure": {}})
register_tests(__name__, GeluSweep, elementwise, {"ExhaustiveSweep": {}})


def saturating_table(base: IntTable) -> IntTable:
    """y = 1.5 x everywhere: leaves the output range at both ends of the input range."""
    p = base.params
    slope = int(round(1.5 * 2 ** base.slope_frac))
    slope_max = (1 << (p.slope_width - 1)) - 1
    slope = min(slope, slope_max)
    return IntTable(p, base.slope_frac, base.intercept_frac, base.breakpoints.copy(),
                    np.full(p.entries, slope), np.zeros(p.entries, dtype=np.int64))


def relu_table(base: IntTable) -> IntTable:
    """ReLU is exactly piecewise linear: slope 0 below zero, 1 from zero on."""
    p = base.params
    breakpoints = np.zeros(p.entries, dtype=np.int64)
    breakpoints[0] = p.in_fmt.min_code
    slopes = np.full(p.entries, 1 << base.slope_frac)
    slopes[0] = 0
    return IntTable(p, base.slope_frac, base.intercept_frac, breakpoints, slopes,
                    np.zeros(p.entries, dtype=np.int64))


class _PiecewiseModel(ElementwiseModel):
    """A programmed table referenced by its own piecewise-linear function in float64."""

    def __init__(self, table: IntTable, lanes: int) -> None:
        super().__init__("programmed", table, lanes)

    def reference(self, codes: np.ndarray) -> np.ndarray:
        t = self.table
        k = t.segment(codes)
        y = t.slopes[k] * 2.0 ** -t.slope_frac * self.in_fmt.to_real(codes) + t.intercepts[k] * 2.0 ** -t.intercept_frac
        return np.clip(y, self.out_fmt.min_value, self.out_fmt.max_value)


def product_bound_reached(table: IntTable, codes: np.ndarray) -> bool:
    """Whether some s[k] * x of the inputs needs every bit of the core's exact product
    (SlopeWidth + InWidth): its magnitude reaches 2^(SlopeWidth + InWidth - 2)."""
    x = np.asarray(codes, dtype=np.int64).reshape(-1)
    prod = table.slopes[table.segment(x)] * x
    return bool(np.abs(prod).max() >= 1 << (table.params.slope_width + table.params.in_fmt.width - 2))


class _RelativeModel(ElementwiseModel):
    """A programmed table whose reference is given directly as a function of x."""

    def __init__(self, table: IntTable, lanes: int, reference_fn) -> None:
        super().__init__("programmed", table, lanes)
        self._reference_fn = reference_fn

    def reference(self, codes: np.ndarray) -> np.ndarray:
        return self._reference_fn(self.in_fmt.to_real(codes))


async def write_table(test: GeluTest, table: IntTable) -> None:
    await write_port(test.bench.dut, "tbl_we_i", [
        {"tbl_idx_i": k, "tbl_breakpoint_i": table.breakpoints[k], "tbl_slope_i": table.slopes[k],
         "tbl_intercept_i": table.intercepts[k]} for k in range(table.params.entries)])


@pyuvm.test()
class TableWrite(GeluTest):
    """Programs other tables through the write port at run time (one that saturates at both
    ends, one exact ReLU, one with extreme slopes and intercepts whose product at the most
    negative input needs every bit of the core's product and sum), checks each, then restores GELU. A hardwired table ignores the writes:
    GELU must come out after each of them."""

    def required_bins(self) -> tuple[str, ...]:
        return () if self.table_kind == "hardwired" else ("saturate_low", "saturate_high")

    async def stimulus(self) -> None:
        model = self.bench.model
        fmt, lanes = model.in_fmt, model.lanes
        sweep = lanes_of(np.linspace(fmt.min_code, fmt.max_code, 512 * lanes).astype(np.int64), lanes)
        await self.run_blocks([("gelu before", sweep)])
        programmed = [
            _RelativeModel(saturating_table(model.table), lanes,
                           lambda x: np.clip(1.5 * x, model.out_fmt.min_value, model.out_fmt.max_value)),
            _RelativeModel(relu_table(model.table), lanes, lambda x: np.maximum(x, 0.0)),
            _PiecewiseModel(extreme_table(model.table), lanes),
            model,
        ]
        assert product_bound_reached(programmed[2].table, sweep), "the extreme table misses the product bound"
        for new_model in programmed:
            self.env.coverage.sample(self.env.scoreboard.models[-1])
            await write_table(self, new_model.table)
            self.env.scoreboard.switch_model(model if self.table_kind == "hardwired" else new_model)
            await self.run_blocks([("after write", sweep)])


@pyuvm.test(skip=STREAM_FILE_MISSING)
class StreamFile(StreamFileTest):
    """rtl_eval's data path (see StreamFileTest)."""
