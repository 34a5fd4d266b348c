"""LayerNorm unit bench: pyuvm tests (run inside the simulator) and the pytest regression.

Inside the simulator (module `tb.layernorm.test_layernorm`, top `layernorm_unit`), every
output is checked bit-exact against models.layernorm by the shared scoreboard, and its
error measured against float64 torch layer_norm:
- RandomRows, ConstantRows, OutlierRows, FullScaleRows: one row kind each (random gaps and
  backpressure); gamma = 1, beta = 0, so the max error must meet ACCURACY_TARGET.
- ProgrammedParams: two non-trivial gamma/beta sets written through the parameter port
  (with saturation at both ends, and a write to a feature index >= D that must be ignored).
- Backpressure: back-to-back rows under heavy random backpressure.
- Throughput: no input gaps, no backpressure: >= 0.95 * Lanes elements per cycle, and the
  input never stalls once rows flow.
- RowLatency: isolated rows; last input beat to first output beat is exactly ROW_LATENCY.
- ResetMidRow: a reset in a partial row of an idle unit, and a reset with rows in flight
  under backpressure; each followed by clean rows.
- StreamFile: whole rows from a file (scripts/rtl_eval.py), skipped unless one is given.

Under pytest, `test_layernorm_unit` builds each parameter set in its own folder and runs them.
"""

from __future__ import annotations

import os
import random

import cocotb
import numpy as np
import pytest
import pyuvm
from cocotb.triggers import ClockCycles, RisingEdge

from models.layernorm import ROW_LATENCY, LayerNormConfig, make_rows
from tb.common.uvm_env import STREAM_FILE_MISSING, StreamFileTest, StreamTest, lanes_of
from tb.layernorm.target import LayerNormStreamModel, LayerNormTarget

# Max absolute error on normalised outputs (gamma = 1, beta = 0) against float64 layer_norm.
from models.layernorm import ACCURACY_TARGET  # noqa: E402
MIN_ELEMENTS_PER_CYCLE_FRACTION = 0.95
# A deadlocked unit would leave the source waiting for in_ready_o forever: fail instead. The
# longest test needs ~12k cycles (120 us); 2 ms bounds a hang to ~10 s of wall time.
WATCHDOG = {"timeout_time": 2, "timeout_unit": "ms"}


class LayerNormTest(StreamTest):
    """Row stimulus, the parameter port, and scoreboard bookkeeping for resets."""

    row_kinds: tuple[str, ...] = ("random",)
    check_accuracy = True

    @property
    def model(self) -> LayerNormStreamModel:
        return self.bench.model

    @property
    def config(self) -> LayerNormConfig:
        return self.bench.model.config

    @property
    def beats_per_row(self) -> int:
        return self.config.dim // self.config.lanes

    def rows_per_test(self) -> int:
        # Bounded in cycles (~4k beats) rather than rows, so wide rows stay quick.
        return max(16, min(256, 16384 // self.config.dim))

    def row_block(self, kind: str, rows: int) -> tuple[str, np.ndarray]:
        codes = make_rows(kind, rows, self.config.dim, self.config.in_fmt, self.np_rng)
        return (f"{rows} {kind} rows", lanes_of(codes, self.config.lanes))

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        per_kind = max(4, self.rows_per_test() // len(self.row_kinds))
        return [self.row_block(kind, per_kind) for kind in self.row_kinds]

    async def reset(self) -> None:
        self.bench.dut.param_we_i.value = 0
        await super().reset()

    async def drain(self, timeout_cycles: int = 0) -> None:
        # A row's outputs wait for the whole row, and backpressure can stretch a row to
        # several times its length: scale the timeout with the row.
        await super().drain(timeout_cycles or 50 * self.beats_per_row + 2000)

    async def write_params(self, gamma_codes: np.ndarray, beta_codes: np.ndarray,
                           extra_writes: list[tuple[int, int, int]] = ()) -> None:
        """Program every feature through the port (plus raw (idx, gamma, beta) writes)."""
        dut, c = self.bench.dut, self.config
        gmask, bmask = (1 << c.gamma_width) - 1, (1 << c.beta_width) - 1
        writes = [(i, int(g), int(b)) for i, (g, b) in enumerate(zip(gamma_codes, beta_codes))]
        for idx, g, b in [*writes, *extra_writes]:
            dut.param_we_i.value = 1
            dut.param_idx_i.value = idx
            dut.gamma_i.value = g & gmask
            dut.beta_i.value = b & bmask
            await RisingEdge(dut.clk_i)
        dut.param_we_i.value = 0
        await RisingEdge(dut.clk_i)

    def forget_dropped_rows(self) -> None:
        """After a reset: the unit drops partial and buffered rows, so the scoreboard keeps
        only the rows that came out whole. A row cut in the middle of its output is checked
        here (its delivered beats against the model) before being dropped."""
        sb, cov = self.env.scoreboard, self.env.coverage
        beats, lanes = self.beats_per_row, self.config.lanes
        n_in, n_out = len(sb.inputs.words), len(sb.outputs.words)
        keep = (n_out // beats) * beats
        cut = n_out - keep
        if cut:
            assert n_in >= keep + beats, "an output beat came out of a row that was never complete"
            row = self.model.in_fmt.unpack_lanes(sb.inputs.words[keep:keep + beats], lanes)
            got = self.model.out_fmt.unpack_lanes(sb.outputs.words[keep:], lanes)
            expected = sb.models[-1].predict(row)[:cut]
            assert np.array_equal(got, expected), \
                f"beats of the row cut by reset differ from the model: {got.tolist()} vs {expected.tolist()}"
        self.logger.info(f"reset: {n_in - keep} accepted beat(s) dropped, {cut} delivered beat(s) of a cut row")
        drop = n_in - keep
        del cov.words[max(0, len(cov.words) - drop):]
        for log in (sb.inputs, sb.outputs):
            del log.words[keep:]
            del log.cycles[keep:]
            del log.epochs[keep:]

    def check_phase(self) -> None:
        super().check_phase()
        if self.check_accuracy and "rtl_error" in self.env.scoreboard.results:
            err = self.env.scoreboard.results["rtl_error"]
            assert err["max_abs"] <= ACCURACY_TARGET, \
                f"max error {err['max_abs']:.3e} exceeds {ACCURACY_TARGET:g} (gamma = 1, beta = 0): {err}"


@pyuvm.test(**WATCHDOG)
class RandomRows(LayerNormTest):
    row_kinds = ("random", "near_constant")
    required_coverage = ("row:other", "row:near_constant", "term:left_shift", "term:right_shift",
                         "exponent:even", "exponent:odd")

    def end_of_elaboration_phase(self) -> None:
        super().end_of_elaboration_phase()
        # The [1, 4) table makes every exponent even by construction.
        if self.config.rsqrt_range == 4:
            self.required_coverage = tuple(b for b in self.required_coverage if b != "exponent:odd")


@pyuvm.test(**WATCHDOG)
class ConstantRows(LayerNormTest):
    row_kinds = ("constant",)
    required_coverage = ("row:constant",)

    def check_phase(self) -> None:
        super().check_phase()
        # (x - mean) is exactly 0: the output must be beta = 0 whatever epsilon and the table.
        outputs = self.env.scoreboard.results["outputs"]
        assert outputs.size and not outputs.any(), \
            f"constant rows must normalise to exactly 0; nonzero codes: {np.unique(outputs).tolist()}"


@pyuvm.test(**WATCHDOG)
class OutlierRows(LayerNormTest):
    row_kinds = ("outlier",)
    required_coverage = ("row:outlier",)


@pyuvm.test(**WATCHDOG)
class FullScaleRows(LayerNormTest):
    row_kinds = ("fullscale",)
    required_coverage = ("row:fullscale",)


@pyuvm.test(**WATCHDOG)
class ProgrammedParams(LayerNormTest):
    check_accuracy = False  # gamma scales every error; the reference uses the same gamma
    required_coverage = ("out:saturate_low", "out:saturate_high")
    row_kinds = ("random", "outlier", "constant", "fullscale")

    def random_params(self) -> tuple[np.ndarray, np.ndarray]:
        c, rng = self.config, self.np_rng
        gamma = rng.integers(c.gamma_fmt.min_code, c.gamma_fmt.max_code + 1, c.dim)
        beta = rng.integers(c.beta_fmt.min_code, c.beta_fmt.max_code + 1, c.dim)
        # The extremes of both formats, at random features.
        ends = rng.permutation(c.dim)[:4]
        gamma[ends] = [c.gamma_fmt.min_code, c.gamma_fmt.max_code, 0, 1 << c.gamma_frac][: ends.size]
        beta[ends] = [c.beta_fmt.max_code, c.beta_fmt.min_code, 0, 0][: ends.size]
        return gamma, beta

    async def stimulus(self) -> None:
        c = self.config
        idx_limit = 1 << max(1, (c.dim - 1).bit_length())
        for setting in range(2):
            gamma, beta = self.random_params()
            # Writes to indices >= D (if the index width allows any) must change nothing.
            ignored = [(i, 0, c.beta_fmt.max_code) for i in range(c.dim, min(idx_limit, c.dim + 8))]
            self.env.coverage.sample(self.env.scoreboard.models[-1])
            await self.write_params(gamma, beta, ignored)
            self.env.scoreboard.switch_model(self.model.with_params(gamma, beta))
            await self.run_blocks(self.blocks())


@pyuvm.test(**WATCHDOG)
class Backpressure(LayerNormTest):
    idle_probability = 0.0
    stall_probability = 0.5
    row_kinds = ("random", "outlier", "constant", "fullscale", "near_constant")


@pyuvm.test(**WATCHDOG)
class Throughput(LayerNormTest):
    idle_probability = 0.0
    stall_probability = 0.0
    row_kinds = ("random", "outlier", "fullscale")

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        # One sequence item, so nothing between items can open a gap in the input.
        return [("mixed rows, back to back", np.concatenate([b for _, b in super().blocks()]))]

    def check_phase(self) -> None:
        super().check_phase()
        sb, lanes = self.env.scoreboard, self.config.lanes
        timing = sb.results["timing"]
        rate = timing["elements_per_cycle"]
        assert rate >= MIN_ELEMENTS_PER_CYCLE_FRACTION * lanes, \
            f"back-to-back rows must sustain >= {MIN_ELEMENTS_PER_CYCLE_FRACTION} x {lanes} elements/cycle: {timing}"
        in_cycles = np.asarray(sb.inputs.cycles)
        gaps = int((np.diff(in_cycles) != 1).sum())
        assert gaps == 0, f"the input stalled {gaps} time(s) with rows offered back to back"
        self.logger.info(f"throughput: {rate:.3f} elements/cycle ({rate / lanes:.3f} x lanes) over "
                         f"{timing['beats']} beats; input gaps {gaps}")


@pyuvm.test(**WATCHDOG)
class RowLatency(LayerNormTest):
    idle_probability = 0.0
    stall_probability = 0.0
    check_accuracy = True

    async def stimulus(self) -> None:
        for kind in ("random", "outlier", "constant", "fullscale"):
            await self.run_blocks([self.row_block(kind, 1)])

    def check_phase(self) -> None:
        super().check_phase()
        sb, beats = self.env.scoreboard, self.beats_per_row
        in_cycles, out_cycles = np.asarray(sb.inputs.cycles), np.asarray(sb.outputs.cycles)
        rows = len(in_cycles) // beats
        assert rows == 4 and len(out_cycles) == len(in_cycles), f"{len(in_cycles)} in, {len(out_cycles)} out"
        last_in = in_cycles[beats - 1::beats]
        first_out = out_cycles[::beats]
        latency = first_out - last_in
        assert (latency == ROW_LATENCY).all(), \
            f"row latency (last input beat -> first output beat) must be {ROW_LATENCY}, measured {latency.tolist()}"
        spans = out_cycles[beats - 1::beats] - first_out + 1
        assert (spans == beats).all(), f"a row's {beats} output beats must leave in {beats} cycles: {spans.tolist()}"
        first_in = in_cycles[::beats]
        self.logger.info(f"row latency {ROW_LATENCY} cycles from the last input beat, "
                         f"{int((first_out - first_in).max())} from the first ({beats} beats per row)")


@pyuvm.test(**WATCHDOG)
class ResetMidRow(LayerNormTest):
    stall_probability = 0.3

    async def reset_now(self) -> None:
        dut = self.bench.dut
        dut.in_valid_i.value = 0
        dut.rst_ni.value = 0
        await ClockCycles(dut.clk_i, 2)
        dut.rst_ni.value = 1
        await RisingEdge(dut.clk_i)
        self.forget_dropped_rows()

    async def stimulus(self) -> None:
        c, beats = self.config, self.beats_per_row
        source, clk = self.bench.source, self.bench.dut.clk_i
        # 1. An idle unit with a partial row in it.
        await self.run_blocks([self.row_block("random", 2)])
        partial = self.row_block("random", 1)[1][: max(1, beats // 2)]
        await source.send(c.in_fmt.pack_lanes(partial), 0.0)
        await ClockCycles(clk, 3)
        await self.reset_now()
        await self.run_blocks([self.row_block("random", 3)])
        # 2. Rows in flight in every stage (buffered, being output, partially written) under
        # backpressure, cut at a random cycle.
        words = c.in_fmt.pack_lanes(self.row_block("outlier", 4)[1])
        task = cocotb.start_soon(source.send(words, 0.1))
        await ClockCycles(clk, int(self.np_rng.integers(2 * beats, 3 * beats + 2)))
        task.cancel()
        await self.reset_now()
        await self.run_blocks([self.row_block("random", 2), self.row_block("fullscale", 1)])

    def check_phase(self) -> None:
        super().check_phase()
        sb = self.env.scoreboard
        rows_checked = len(sb.outputs.words) // self.beats_per_row
        assert rows_checked >= 8, f"only {rows_checked} whole rows were checked around the resets"


@pyuvm.test(skip=STREAM_FILE_MISSING)
class StreamFile(StreamFileTest, LayerNormTest):
    """Whole rows from $NNLUT_STREAM_FILE through the unit (scripts/rtl_eval.py); bit-exact
    against the model, no accuracy assertion (arbitrary data) and no watchdog (any length)."""

    check_accuracy = False

    async def stimulus(self) -> None:
        # rtl_eval's --gamma/--beta arrive as code files and go in through the write port.
        gamma_path = os.environ.get("NNLUT_GAMMA_CODES")
        if gamma_path:
            gamma, beta = np.load(gamma_path), np.load(os.environ["NNLUT_BETA_CODES"])
            await self.write_params(gamma, beta)
            self.env.scoreboard.switch_model(self.model.with_params(gamma, beta))
        await self.run_blocks(self.blocks())


# ----------------------------------------------------------------------------------------
# pytest regression: each parameter set builds in its own folder under build/sim/.
# ----------------------------------------------------------------------------------------

REGRESSION = [
    LayerNormConfig(),                                          # D = 384, 4 lanes, [1, 2) table
    LayerNormConfig(dim=768, lanes=16),                         # BERT-base width, EpsTerm = 1
    LayerNormConfig(dim=8, lanes=1, rsqrt_range=4, eps=1e-5),   # even-shift [1, 4) table, large eps
]
BENCH_TESTS = ["RandomRows", "ConstantRows", "OutlierRows", "FullScaleRows", "ProgrammedParams",
               "Backpressure", "Throughput", "RowLatency", "ResetMidRow"]


def regression_seed(index: int) -> int:
    """Fixed seeds by default so failures reproduce; NNLUT_SEED=random draws new ones."""
    if os.environ.get("NNLUT_SEED") == "random":
        return random.SystemRandom().randrange(1 << 31)
    return int(os.environ.get("NNLUT_SEED", "20261123")) + 100 + index


@pytest.mark.parametrize("index,config", list(enumerate(REGRESSION)), ids=[c.tag for c in REGRESSION])
def test_layernorm_unit(index: int, config: LayerNormConfig) -> None:
    from tb.common.runner import run_bench

    seed = regression_seed(index)
    print(f"{config.tag}: seed {seed} (reproduce with NNLUT_SEED={seed - 100 - index})")
    run = run_bench(LayerNormTarget(config), testcase=BENCH_TESTS, seed=seed)
    print(f"{config.tag}: {run.tests} bench tests in {run.seconds:.1f} s: {run.test_seconds}")
    assert run.tests == len(BENCH_TESTS), f"expected {len(BENCH_TESTS)} bench tests, ran {run.tests}"
    assert run.failed == 0, f"{run.failed} bench test(s) failed; log: {run.build_dir / 'sim.log'}"


# ----------------------------------------------------------------------------------------
# Static checks (no simulation): lint clean under -Wall, and impossible parameters stop
# elaboration with a message that names them.
# ----------------------------------------------------------------------------------------

def lint_layernorm(config: LayerNormConfig, overrides: dict[str, int | str] | None = None) -> tuple[bool, str]:
    from models.units import BUILD_DIR
    from tb.common.lint import verilator_lint

    target = LayerNormTarget(config)
    sources, _ = target.prepare(BUILD_DIR / "lint" / config.tag)
    return verilator_lint(sources, target.toplevel, {**target.hdl_parameters(), **(overrides or {})})


LINT_CONFIGS = [*REGRESSION, LayerNormConfig(dim=384, lanes=3), LayerNormConfig(dim=1024, lanes=8, eps=1e-5)]


@pytest.mark.parametrize("config", LINT_CONFIGS, ids=[c.tag for c in LINT_CONFIGS])
def test_layernorm_lint_clean(config: LayerNormConfig) -> None:
    ok, output = lint_layernorm(config)
    assert ok, output


@pytest.mark.parametrize("overrides,message", [
    ({"Lanes": 5}, "must be >= 1 and divide Dim"),
    ({"Dim": 1, "Lanes": 1}, "Dim must be >= 2"),
    ({"Banks": 1}, "Banks must be >= 2"),
    ({"Dim": 16384, "Lanes": 4}, "variance term (max 62)"),
    ({"Entries": 32}, "regenerate the table"),
    ({"RsqrtRange": 4}, "regenerate the table"),
    ({"RsqrtRange": 3}, "RsqrtRange must be 2 or 4"),
    ({"EpsTerm": "64'd1152921504606846976"}, "does not fit"),
    ({"YGuard": 8}, "exceeds the table's OutFrac + RGuard"),
    ({"GammaFrac": 15}, "cannot hold 1.0"),
])
def test_layernorm_rejects_impossible_parameters(overrides: dict[str, int | str], message: str) -> None:
    ok, output = lint_layernorm(LayerNormConfig(), overrides)
    assert not ok and message in output, output
