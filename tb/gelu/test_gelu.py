"""GELU unit bench: pyuvm tests (run inside the simulator) and the pytest regression.

Inside the simulator (module `tb.gelu.test_gelu`, top `gelu_unit`):
- ExhaustiveSweep: every input code, random gaps and backpressure; every segment covered.
- FullRate: no gaps, no backpressure; latency and throughput measured and checked.
- Backpressure: heavy gaps and backpressure on random and edge codes.
- TableWrite: programs other tables through the write port at run time (one that
  saturates at both ends, one exact ReLU), checks each, then restores GELU.
- StreamFile: streams codes from a file and saves the outputs (scripts/rtl_eval.py).

Under pytest, `test_gelu_unit` builds each parameter set in its own folder and runs them.
"""

from __future__ import annotations

import os
import random

import numpy as np
import pytest
import pyuvm
from cocotb.triggers import RisingEdge

from models.fixedpoint import FixedFormat
from models.nnlut import IntTable
from models.units import UnitConfig
from tb.common.uvm_env import (STREAM_FILE_MISSING, ElementwiseModel, StreamFileTest, StreamTest,
                              lanes_of)


def edge_codes(fmt: FixedFormat, table: IntTable) -> np.ndarray:
    """Format extremes, zero, and each breakpoint with its neighbours."""
    bps = table.breakpoints[1:]
    around = np.concatenate([bps - 1, bps, bps + 1])
    codes = np.concatenate([[fmt.min_code, fmt.min_code + 1, -1, 0, 1, fmt.max_code - 1, fmt.max_code],
                            around])
    return np.clip(codes, fmt.min_code, fmt.max_code)


def reachable_segments(table: IntTable) -> list[int]:
    """Segments owning at least one input code (equal breakpoints leave a segment empty)."""
    fmt = table.params.in_fmt
    lower = np.concatenate([[fmt.min_code], table.breakpoints[1:]])
    upper = np.concatenate([table.breakpoints[1:], [fmt.max_code + 1]])
    return [k for k in range(table.params.entries) if upper[k] > lower[k]]


@pyuvm.test()
class ExhaustiveSweep(StreamTest):
    def blocks(self) -> list[tuple[str, np.ndarray]]:
        model = self.bench.model
        codes = model.in_fmt.all_codes()
        return [("all codes", lanes_of(codes, model.lanes, pad_code=0))]

    def check_phase(self) -> None:
        holes = [f"segment[{k}]" for k in reachable_segments(self.bench.model.table)
                 if self.env.coverage.coverage.bins.get(f"segment[{k}]", 0) == 0]
        assert not holes, f"exhaustive sweep left segments uncovered: {holes}"


@pyuvm.test()
class FullRate(StreamTest):
    idle_probability = 0.0
    stall_probability = 0.0

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        model = self.bench.model
        codes = self.np_rng.integers(model.in_fmt.min_code, model.in_fmt.max_code + 1, 512 * model.lanes)
        return [("random, full rate", lanes_of(codes, model.lanes))]

    def check_phase(self) -> None:
        timing = self.env.scoreboard.results["timing"]
        expected = self.bench.model.latency
        assert timing["latency_min"] == timing["latency_max"] == expected, \
            f"latency without backpressure must be exactly {expected} cycles, measured {timing}"
        assert timing["elements_per_cycle"] == self.bench.config.lanes, \
            f"full rate must sustain {self.bench.config.lanes} elements/cycle, measured {timing}"


@pyuvm.test()
class Backpressure(StreamTest):
    idle_probability = 0.5
    stall_probability = 0.6

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        model = self.bench.model
        fmt = model.in_fmt
        rand = self.np_rng.integers(fmt.min_code, fmt.max_code + 1, 1024 * model.lanes)
        return [("edges", lanes_of(edge_codes(fmt, model.table), model.lanes)),
                ("random", lanes_of(rand, model.lanes))]


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


class _RelativeModel(ElementwiseModel):
    """A programmed table whose reference is given directly as a function of x."""

    def __init__(self, table: IntTable, lanes: int, reference_fn) -> None:
        super().__init__("programmed", table, lanes)
        self._reference_fn = reference_fn

    def reference(self, codes: np.ndarray) -> np.ndarray:
        return self._reference_fn(self.in_fmt.to_real(codes))


@pyuvm.test()
class TableWrite(StreamTest):
    required_coverage = ("saturate_low", "saturate_high")

    async def write_table(self, table: IntTable) -> None:
        dut = self.bench.dut
        p = table.params
        for k in range(p.entries):
            dut.tbl_we_i.value = 1
            dut.tbl_idx_i.value = k
            dut.tbl_breakpoint_i.value = int(table.breakpoints[k]) & ((1 << p.in_fmt.width) - 1)
            dut.tbl_slope_i.value = int(table.slopes[k]) & ((1 << p.slope_width) - 1)
            dut.tbl_intercept_i.value = int(table.intercepts[k]) & ((1 << p.intercept_width) - 1)
            await RisingEdge(dut.clk_i)
        dut.tbl_we_i.value = 0
        await RisingEdge(dut.clk_i)

    async def stimulus(self) -> None:
        model = self.bench.model
        fmt, lanes = model.in_fmt, model.lanes
        sweep = lanes_of(np.linspace(fmt.min_code, fmt.max_code, 512 * lanes).astype(np.int64), lanes)
        await self.run_blocks([("gelu before", sweep)])
        programmed = [
            _RelativeModel(saturating_table(model.table), lanes,
                           lambda x: np.clip(1.5 * x, model.out_fmt.min_value, model.out_fmt.max_value)),
            _RelativeModel(relu_table(model.table), lanes, lambda x: np.maximum(x, 0.0)),
            model,
        ]
        for new_model in programmed:
            self.env.coverage.sample(self.env.scoreboard.models[-1])
            await self.write_table(new_model.table)
            self.env.scoreboard.switch_model(new_model)
            await self.run_blocks([("after write", sweep)])


@pyuvm.test(skip=STREAM_FILE_MISSING)
class StreamFile(StreamFileTest):
    """scripts/rtl_eval.py's data path (see StreamFileTest)."""


# ----------------------------------------------------------------------------------------
# pytest regression: each parameter set builds in its own folder under build/sim/.
# ----------------------------------------------------------------------------------------

# Covers ENTRIES {8, 16, 32}, LANES {1, 4, 16}, input widths {12, 16} and a narrower output
# with four builds (each configuration is a Verilator build of its own).
REGRESSION = [
    UnitConfig(entries=16, lanes=16, in_width=16),
    UnitConfig(entries=8, lanes=1, in_width=12),
    UnitConfig(entries=32, lanes=4, in_width=12),
    UnitConfig(entries=32, lanes=16, in_width=16, out_width=12),
]
BENCH_TESTS = ["ExhaustiveSweep", "FullRate", "Backpressure", "TableWrite"]


def regression_seed(index: int) -> int:
    """Fixed seeds by default so failures reproduce; NNLUT_SEED=random draws new ones."""
    if os.environ.get("NNLUT_SEED") == "random":
        return random.SystemRandom().randrange(1 << 31)
    return int(os.environ.get("NNLUT_SEED", "20261123")) + index


@pytest.mark.parametrize("index,config", list(enumerate(REGRESSION)), ids=[c.tag for c in REGRESSION])
def test_gelu_unit(index: int, config: UnitConfig) -> None:
    from tb.common.runner import run_bench

    seed = regression_seed(index)
    print(f"{config.tag}: seed {seed} (reproduce with NNLUT_SEED={seed - index})")
    run = run_bench(config, testcase=BENCH_TESTS, seed=seed)
    assert run.tests == len(BENCH_TESTS), f"expected {len(BENCH_TESTS)} bench tests, ran {run.tests}"
    assert run.failed == 0, f"{run.failed} bench test(s) failed; log: {run.build_dir / 'sim.log'}"
