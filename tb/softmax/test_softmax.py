"""Softmax unit bench: pyuvm tests (run inside the simulator) and the pytest regression.

Inside the simulator (module `tb.softmax.test_softmax`, top `softmax_unit`), every output
is checked bit-exact against models.softmax.SoftmaxModel by the shared scoreboard, which also
keeps the error against float64 torch.softmax at the exact input values:
- RandomRows: attention-like logits (random offset and spread per row), random gaps and
  backpressure; every exp table segment covered.
- EqualRows: all-equal rows (p = 1/N exactly), including the extreme codes.
- DominantRows: one dominant logit (p near 1, the other exps underflow) and near-ties.
- ExtremeRows: rows of the most negative and most positive codes (|x - M| up to 32).
- FullRateRows: back-to-back rows, no gaps, no backpressure: elements/cycle in and out
  (asserted >= 0.95 * Lanes, and exactly Lanes as documented) and the row latency
  (asserted equal to rtl/softmax_unit.sv's RowLatency for an idle unit and back to back).
- BackpressureRows: heavy gaps and backpressure over random and extreme rows.
- ResetMidRow: a reset with a partial row (and a complete row) inside the unit, then clean
  rows; the scoreboard forgets the inputs the reset dropped, and any output they produced
  would show as a surplus beat.
With the range-reduced exp, every test also asserts the accuracy target (max |p - p_ref| <=
5e-4).

Under pytest, `test_softmax_unit` builds each parameter set in its own folder and runs them;
the lint and elaboration-check tests need no build.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest
import pyuvm
from cocotb.triggers import ClockCycles, RisingEdge

from models.softmax import SoftmaxConfig
from tb.common.uvm_env import STREAM_FILE_MISSING, StreamFileTest, StreamTest, lanes_of

from models.softmax import ACCURACY_TARGET  # noqa: E402
THROUGHPUT_FLOOR = 0.95         # x Lanes, over back-to-back rows
BEATS_PER_TEST = 768            # stimulus size per test (rounded to whole rows)


# ----------------------------------------------------------------------------------------
# Row generators (real-valued logits quantized to the input format, or codes directly)
# ----------------------------------------------------------------------------------------

def attention_rows(rng: np.random.Generator, config: SoftmaxConfig, rows: int) -> np.ndarray:
    """Logits spread like attention scores: each row gets its own offset and spread."""
    fmt = config.in_fmt
    spread = rng.choice([0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0], size=(rows, 1))
    offset = rng.uniform(-8.0, 8.0, size=(rows, 1))
    x = offset + spread * rng.standard_normal((rows, config.row_length))
    return fmt.quantize(np.clip(x, fmt.min_value, fmt.max_value))


def equal_rows(rng: np.random.Generator, config: SoftmaxConfig, rows: int) -> np.ndarray:
    fmt = config.in_fmt
    values = np.concatenate([[fmt.min_code, fmt.max_code, 0, -1],
                             rng.integers(fmt.min_code, fmt.max_code + 1, max(0, rows - 4))])
    return np.repeat(values[:rows, None], config.row_length, axis=1)


def dominant_rows(rng: np.random.Generator, config: SoftmaxConfig, rows: int) -> np.ndarray:
    """One logit far above the rest, and some near-ties where a second logit comes within 1.0
    of the top. In a third of the rows the others are 18 or more below the top, where
    2^-(18 log2 e) < 2^-25 leaves every other exp at 0 and p = 1 saturates."""
    fmt, n = config.in_fmt, config.row_length
    top = rng.uniform(2.0, fmt.max_value, rows)
    gap = np.where(rng.random((rows, 1)) < 1 / 3, 18.0, rng.uniform(6.0, 20.0, (rows, 1)))
    x = top[:, None] - gap - rng.uniform(0.0, 8.0, (rows, n))
    where = rng.integers(0, n, rows)
    x[np.arange(rows), where] = top
    if n > 1:
        near = rng.random(rows) < 0.25
        second = (where + 1 + rng.integers(0, n - 1, rows)) % n
        x[near, second[near]] = top[near] - rng.uniform(0.0, 1.0, int(near.sum()))
    return fmt.quantize(np.clip(x, fmt.min_value, fmt.max_value))


def extreme_rows(rng: np.random.Generator, config: SoftmaxConfig, rows: int) -> np.ndarray:
    """Only the most negative and most positive codes (and their neighbours)."""
    fmt, n = config.in_fmt, config.row_length
    choices = np.array([fmt.min_code, fmt.min_code + 1, fmt.max_code - 1, fmt.max_code])
    x = rng.choice(choices, size=(rows, n))
    x[0] = fmt.min_code
    if rows > 1:
        x[1] = fmt.max_code
    if rows > 2:
        x[2] = fmt.min_code
        x[2, rng.integers(0, n)] = fmt.max_code
    if rows > 3:
        x[3] = fmt.max_code
        x[3, rng.integers(0, n)] = fmt.min_code
    return x


def rows_to_beats(rows: np.ndarray, lanes: int) -> np.ndarray:
    return lanes_of(rows.reshape(-1), lanes)


# ----------------------------------------------------------------------------------------
# Tests
# ----------------------------------------------------------------------------------------

class SoftmaxTest(StreamTest):
    """Base: row helpers, mode-aware coverage requirements and the accuracy target."""

    row_bins: tuple[str, ...] = ()

    @property
    def config(self) -> SoftmaxConfig:
        return self.bench.model.config

    def n_rows(self, scale: float = 1.0) -> int:
        return max(4, int(scale * BEATS_PER_TEST) // self.config.beats_per_row)

    @property
    def required_coverage(self) -> tuple[str, ...]:  # type: ignore[override]
        # Rows of one element are always all-equal and dominant, and their exps never
        # underflow; the direct exp has no shift to clamp.
        unreachable = set()
        if self.config.row_length == 1:
            unreachable |= {"row:spread", "row:underflow", "row:q_clamped"}
        if self.config.exp_mode == "direct":
            unreachable |= {"row:q_clamped", "row:underflow"}
        # Where p is near 1 the fitted tables give m * R(m) <= 1 - 3e-4 (the 1/x table's error
        # at m near 2; see models/softmax.py), which rounds below the largest code at 16
        # output bits; at 10 bits or fewer it rounds up to 1.0 and saturates.
        if self.config.out_frac > 10:
            unreachable |= {"row:saturated"}
        return tuple(b for b in self.row_bins if b not in unreachable)

    @property
    def error_bound(self) -> float:
        """The accuracy target, plus the output LSB when the output is coarser than 16 bits."""
        lsb = self.config.out_fmt.lsb
        return ACCURACY_TARGET + (lsb if self.config.out_frac < 16 else 0.0)

    def check_phase(self) -> None:
        super().check_phase()
        error = self.env.scoreboard.results.get("rtl_error")
        assert error is not None, "no outputs were checked"
        if self.config.exp_mode == "range_reduced":
            assert error["max_abs"] <= self.error_bound, \
                f"max |p - softmax| = {error['max_abs']:.3e} exceeds {self.error_bound:.3e}: {error}"


@pyuvm.test()
class RandomRows(SoftmaxTest):
    row_bins = ("row:spread", "row:underflow")

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        rows = attention_rows(self.np_rng, self.config, self.n_rows())
        return [("attention-like rows", rows_to_beats(rows, self.config.lanes))]

    def check_phase(self) -> None:
        super().check_phase()
        if self.config.row_length > 1:
            bins = self.env.coverage.coverage.bins
            holes = [k for k in range(self.config.entries) if bins.get(f"exp_segment[{k}]", 0) == 0]
            assert not holes, f"exp table segments never used: {holes}"


@pyuvm.test()
class EqualRows(SoftmaxTest):
    row_bins = ("row:all_equal", "row:has_min_code", "row:has_max_code")

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        rows = equal_rows(self.np_rng, self.config, self.n_rows(0.5))
        return [("all-equal rows", rows_to_beats(rows, self.config.lanes))]


@pyuvm.test()
class DominantRows(SoftmaxTest):
    row_bins = ("row:dominant", "row:underflow", "row:saturated")

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        rows = dominant_rows(self.np_rng, self.config, self.n_rows(0.5))
        return [("dominant rows", rows_to_beats(rows, self.config.lanes))]


@pyuvm.test()
class ExtremeRows(SoftmaxTest):
    row_bins = ("row:has_min_code", "row:has_max_code", "row:q_clamped", "row:underflow")

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        rows = extreme_rows(self.np_rng, self.config, self.n_rows(0.5))
        return [("extreme codes", rows_to_beats(rows, self.config.lanes))]


@pyuvm.test()
class FullRateRows(SoftmaxTest):
    idle_probability = 0.0
    stall_probability = 0.0

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        rows = attention_rows(self.np_rng, self.config, self.n_rows())
        return [("back-to-back rows", rows_to_beats(rows, self.config.lanes))]

    def check_phase(self) -> None:
        super().check_phase()
        sb = self.env.scoreboard
        lanes, beats = self.config.lanes, self.config.beats_per_row
        in_cycles = np.asarray(sb.inputs.cycles)
        out_cycles = np.asarray(sb.outputs.cycles)
        in_rate = len(in_cycles) * lanes / (in_cycles[-1] - in_cycles[0] + 1)
        out_rate = len(out_cycles) * lanes / (out_cycles[-1] - out_cycles[0] + 1)
        rows = len(in_cycles) // beats
        latency = out_cycles[np.arange(rows) * beats] - in_cycles[np.arange(1, rows + 1) * beats - 1]
        expected = self.bench.model.row_latency
        sb.results["rows"] = {"rows": rows, "in_elements_per_cycle": in_rate,
                              "out_elements_per_cycle": out_rate,
                              "row_latency_min": int(latency.min()), "row_latency_max": int(latency.max()),
                              "row_latency_documented": expected}
        self.logger.info(f"back-to-back rows: {sb.results['rows']}")
        for name, rate in (("input", in_rate), ("output", out_rate)):
            assert rate >= THROUGHPUT_FLOOR * lanes, \
                f"{name} throughput {rate:.3f} elements/cycle is below {THROUGHPUT_FLOOR} x {lanes}"
            assert rate == lanes, f"{name} has bubbles: {rate:.4f} elements/cycle, documented {lanes}"
        # Row 0 enters an idle unit; the others follow back to back.
        assert latency.min() == latency.max() == expected, \
            f"row latency {latency.tolist()[:8]}... differs from the documented {expected} cycles"


@pyuvm.test()
class BackpressureRows(SoftmaxTest):
    idle_probability = 0.5
    stall_probability = 0.6
    row_bins = ("row:has_min_code", "row:has_max_code")

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        cfg = self.config
        return [("random", rows_to_beats(attention_rows(self.np_rng, cfg, self.n_rows(0.5)), cfg.lanes)),
                ("extreme", rows_to_beats(extreme_rows(self.np_rng, cfg, self.n_rows(0.25)), cfg.lanes))]


@pyuvm.test()
class ResetMidRow(SoftmaxTest):
    """Reset while a complete row and part of the next are inside the unit, then clean rows."""

    # No gaps and no backpressure while the doomed beats go in, so the reset reliably comes
    # before the complete row's first output (RowLatency after its last beat).
    idle_probability = 0.0
    stall_probability = 0.0
    row_bins = ("row:all_equal",)

    def forget_inputs_from(self, index: int) -> int:
        """Drop input beats from `index` on: the reset discarded them, so no output must follow."""
        log = self.env.scoreboard.inputs
        dropped = len(log.words) - index
        for seq in (log.words, log.cycles, log.epochs):
            del seq[index:]
        cov = self.env.coverage
        del cov.words[len(cov.words) - dropped:]
        return dropped

    async def pulse_reset(self) -> None:
        dut = self.bench.dut
        dut.rst_ni.value = 0
        await ClockCycles(dut.clk_i, 2)
        dut.rst_ni.value = 1
        await RisingEdge(dut.clk_i)

    async def stimulus(self) -> None:
        cfg, rng = self.config, self.np_rng
        sb = self.env.scoreboard
        await self.run_blocks([("before", rows_to_beats(attention_rows(rng, cfg, 3), cfg.lanes))])
        kept_in, kept_out = len(sb.inputs.words), len(sb.outputs.words)
        # One complete row, then part of a row (rows of one beat have no middle: the reset
        # then catches complete rows in flight only).
        doomed = rows_to_beats(attention_rows(rng, cfg, 2), cfg.lanes)
        partial = int(rng.integers(1, cfg.beats_per_row)) if cfg.beats_per_row > 1 else 0
        doomed = doomed[:cfg.beats_per_row + partial]
        seq_started = len(sb.inputs.words)
        await send_without_drain(self, [("doomed", doomed)])
        assert len(sb.inputs.words) - seq_started == len(doomed), "the doomed beats were not all accepted"
        await self.pulse_reset()
        dropped = self.forget_inputs_from(kept_in)
        assert dropped == len(doomed)
        assert len(sb.outputs.words) == kept_out, \
            "outputs of the doomed rows appeared before the reset; the test must reset sooner"
        self.logger.info(f"reset with {cfg.beats_per_row + partial} beats inside ({partial} of a "
                         f"partial row); the scoreboard forgot them")
        clean = np.concatenate([equal_rows(rng, cfg, 2), attention_rows(rng, cfg, 3)])
        await self.run_blocks([("after reset", rows_to_beats(clean, cfg.lanes))])


async def send_without_drain(test: StreamTest, blocks: list[tuple[str, np.ndarray]]) -> None:
    """Send blocks without draining (run_blocks drains, which would let the rows finish)."""
    from tb.common.uvm_env import CodeBlockSequence

    await CodeBlockSequence("stimulus", blocks).start(test.env.sequencer)
    # The monitor records a handshake at the edge after the driver returns.
    await RisingEdge(test.bench.dut.clk_i)


@pyuvm.test(skip=STREAM_FILE_MISSING)
class StreamFile(StreamFileTest):
    """scripts/rtl_eval.py's data path: whole rows from a file (see StreamFileTest)."""


# ----------------------------------------------------------------------------------------
# pytest regression: each parameter set builds in its own folder under build/sim/.
# ----------------------------------------------------------------------------------------

REGRESSION = [
    SoftmaxConfig(row_length=128, lanes=4),
    # 10 output bits: p = 1 rounds up to 2^10 here and exercises the saturation.
    SoftmaxConfig(row_length=1, lanes=1, out_width=10),
    SoftmaxConfig(row_length=512, lanes=16),
    SoftmaxConfig(row_length=128, lanes=4, exp_mode="direct"),
]
BENCH_TESTS = ["RandomRows", "EqualRows", "DominantRows", "ExtremeRows", "FullRateRows",
               "BackpressureRows", "ResetMidRow"]


def regression_seed(index: int) -> int:
    """Fixed seeds by default so failures reproduce; NNLUT_SEED=random draws new ones."""
    if os.environ.get("NNLUT_SEED") == "random":
        return random.SystemRandom().randrange(1 << 31)
    return int(os.environ.get("NNLUT_SEED", "20261123")) + 100 + index


@pytest.mark.parametrize("index,config", list(enumerate(REGRESSION)), ids=[c.tag for c in REGRESSION])
def test_softmax_unit(index: int, config: SoftmaxConfig) -> None:
    from tb.common.runner import run_bench
    from tb.softmax.target import SoftmaxTarget

    seed = regression_seed(index)
    print(f"{config.tag}: seed {seed} (reproduce with NNLUT_SEED={seed - 100 - index})")
    run = run_bench(SoftmaxTarget(config), testcase=BENCH_TESTS, seed=seed)
    assert run.tests == len(BENCH_TESTS), f"expected {len(BENCH_TESTS)} bench tests, ran {run.tests}"
    assert run.failed == 0, f"{run.failed} bench test(s) failed; log: {run.build_dir / 'sim.log'}"
    for test in BENCH_TESTS:
        r = run.results(test)
        print(f"  {test:16s} max err {r['rtl_error']['max_abs']:.3e} mean {r['rtl_error']['mean_abs']:.3e}"
              f" {r.get('rows', '')}")


def test_stream_model_cuts_rows_and_rejects_partial_rows(tmp_path: Path) -> None:
    """The bench's model outside the simulator: beats regrouped into rows, row sums of the
    reference equal to 1, and a stream that stops inside a row refused."""
    from tb.softmax.target import SoftmaxTarget, softmax_stream_model

    config = SoftmaxConfig(row_length=8, lanes=2)
    _, settings = SoftmaxTarget(config).prepare(tmp_path)
    model = softmax_stream_model(settings)
    rows = attention_rows(np.random.default_rng(5), config, 3)
    beats = rows_to_beats(rows, config.lanes)
    assert beats.shape == (12, 2)
    assert np.array_equal(model.predict(beats), model.model.evaluate(rows).reshape(12, 2))
    assert np.allclose(model.reference(beats).reshape(3, 8).sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="not a whole number of rows"):
        model.predict(beats[:-1])
    assert model.coverage(beats).bins["row:spread"] + model.coverage(beats).bins["row:dominant"] >= 1


# ----------------------------------------------------------------------------------------
# Static checks: lint and elaboration-time parameter checks (no simulation)
# ----------------------------------------------------------------------------------------

def _lint(config: SoftmaxConfig, overrides: dict[str, int] | None = None) -> tuple[bool, str]:
    from models.units import BUILD_DIR
    from tb.common.lint import verilator_lint
    from tb.softmax.target import prepare_packages, softmax_sources

    files = prepare_packages(config, BUILD_DIR / "lint" / config.tag)
    sources = softmax_sources([files["exp2_neg_pkg"], files["exp_pkg"], files["recip_pkg"]])
    return verilator_lint(sources, "softmax_unit", {**config.hdl_parameters(), **(overrides or {})})


@pytest.mark.parametrize("config", REGRESSION, ids=[c.tag for c in REGRESSION])
def test_softmax_lint_clean(config: SoftmaxConfig) -> None:
    ok, output = _lint(config)
    assert ok, output


@pytest.mark.parametrize("overrides,message", [
    ({"RowLength": 130}, "must be a multiple of Lanes"),
    ({"RowLength": 0}, "RowLength must be >= 1"),
    ({"Lanes": 0}, "Lanes must be >= 1"),
    ({"Entries": 32}, "regenerate the tables"),
    ({"OutFrac": 17}, "OutFrac (17) must be in [1, OutWidth = 16]"),
    ({"ExpFrac": 12}, "ExpFrac (12) must be >= recip_table_pkg::InFrac"),
])
def test_softmax_rejects_impossible_parameters(overrides: dict[str, int], message: str) -> None:
    ok, output = _lint(SoftmaxConfig(), overrides)
    assert not ok and message in output, output
