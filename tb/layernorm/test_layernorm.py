"""NN-LUT LayerNorm unit bench (module `tb.layernorm.test_layernorm`, top `layernorm_unit`).

Every output is checked bit-exact against models.layernorm by the shared scoreboard, and its
error measured against float64 layer_norm:
- RandomRows, ConstantRows, OutlierRows, FullScaleRows: one row kind each (random gaps and
  backpressure); gamma = 1, beta = 0, so the max error must meet ACCURACY_TARGET.
- ProgrammedParams: two non-trivial gamma/beta sets written through the parameter port
  (with saturation at both ends, and a write to a feature index >= D that must be ignored).
- FullRateRows, RowLatency, BackpressureRows, ResetMidRow: the row-bench family
  (tb/common/rowbench.py) over the row kinds.
- TableWrite: the 1/sqrt table rewritten through its write port with every field moved, then
  restored (a hardwired build must ignore the writes).
gamma/beta (a memory without reset), and a 1/sqrt table built without reset, are written after
every reset.
- StreamFile: whole rows from a file (rtl_eval), skipped unless one is given.
"""

from __future__ import annotations

import os

import cocotb
import numpy as np
import pyuvm
from cocotb.triggers import ClockCycles

from models.layernorm import ACCURACY_TARGET, LayerNormConfig, LayerNormModel
from models.stimulus import layernorm_rows
from tb.common import rowbench
from tb.common.rowbench import RowTest
from tb.common.tables import perturbed_table, table_at_largest_output, write_table
from tb.common.stream import WritePortMonitor
from tb.common.uvm_env import STREAM_FILE_MISSING, StreamFileTest, register_tests, write_port
from tb.layernorm.target import LayerNormStreamModel

# A deadlocked unit would leave the source waiting for in_ready_o forever: fail instead. The
# longest test needs ~12k cycles (120 us); 2 ms bounds a hang to ~10 s of wall time.
WATCHDOG = {"timeout_time": 2, "timeout_unit": "ms"}
ALL_KINDS = ("random", "outlier", "constant", "fullscale", "near_constant")


class LayerNormTest(RowTest[LayerNormStreamModel, LayerNormConfig]):
    """Row stimulus, the parameter port, and the accuracy target at gamma 1, beta 0."""

    check_accuracy = True

    def make_rows(self, kind: str, rows: int) -> np.ndarray:
        return layernorm_rows(kind, self.np_rng, self.config.in_fmt, rows, self.config.dim)

    def n_rows(self, scale: float = 1.0) -> int:
        # Bounded in elements (~16k) rather than beats, so wide rows stay quick.
        return max(4, int(scale * max(16, min(256, 16384 // self.config.dim))))

    async def write_params(self, gamma_codes: np.ndarray, beta_codes: np.ndarray,
                           extra_writes: list[tuple[int, int, int]] = ()) -> None:
        """Program every feature through the port (plus raw (idx, gamma, beta) writes)."""
        writes = [*enumerate(zip(gamma_codes, beta_codes)), *((i, (g, b)) for i, g, b in extra_writes)]
        await write_port(self.bench.dut, "param_we_i",
                         [{"param_idx_i": i, "gamma_i": g, "beta_i": b} for i, (g, b) in writes])

    async def after_reset(self) -> None:
        """gamma and beta have no reset (a memory): write the ones the model assumes; so does a
        1/sqrt table built without reset."""
        await self.write_params(self.model.gamma_codes, self.model.beta_codes)
        if self.config.table == "no_reset":
            await write_table(self.bench.dut, self.model.model.table)

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

    def required_bins(self) -> tuple[str, ...]:
        # The [1, 4) table makes every exponent even by construction.
        odd_reachable = self.config.rsqrt_range != 4
        return tuple(b for b in self.required_coverage if odd_reachable or b != "exponent:odd")


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

    def required_bins(self) -> tuple[str, ...]:
        # Without affine the writes are ignored (checked: the model stays gamma 1, beta 0), so
        # the outputs cannot be driven to saturation by gamma.
        return super().required_bins() if self.config.affine else ()

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
        for _ in range(2):
            gamma, beta = self.random_params()
            # Writes to indices >= D (if the index width allows any) must change nothing.
            ignored = [(i, 0, c.beta_fmt.max_code) for i in range(c.dim, min(idx_limit, c.dim + 8))]
            self.env.coverage.sample(self.env.scoreboard.models[-1])
            await self.write_params(gamma, beta, ignored)
            self.env.scoreboard.switch_model(self.model.with_params(gamma, beta))
            await self.run_blocks(self.blocks())


@pyuvm.test(**WATCHDOG)
class TableWrite(LayerNormTest):
    """The 1/sqrt table rewritten at run time with every field of every entry moved, rows
    checked against the model with it, then the fitted table restored and checked again. A
    hardwired build ignores the writes: its outputs must stay those of the fitted table."""

    check_accuracy = False  # the moved table is not accurate
    row_kinds = ("random", "outlier")

    async def stimulus(self) -> None:
        fitted = self.model
        moved = LayerNormStreamModel(LayerNormModel(self.config, perturbed_table(fitted.model.table, self.np_rng)),
                                     fitted.gamma_codes, fitted.beta_codes, fitted.lanes)
        await self.run_blocks(self.blocks())
        for model in (moved, fitted):
            self.env.coverage.sample(self.env.scoreboard.models[-1])
            await write_table(self.bench.dut, model.model.table)
            self.env.scoreboard.switch_model(fitted if self.config.table == "hardwired" else model)
            await self.run_blocks(self.blocks())


@pyuvm.test(**WATCHDOG)
class TableAtBound(LayerNormTest):
    """The 1/sqrt table written with the largest slope and intercept in every entry (legal at
    run time: the largest factor any table in these formats can give), with rows of the largest
    deviations: the scale and normaliser products at their bounds. Checked against the model
    with that table; the fitted table restored after. A hardwired build ignores the write."""

    check_accuracy = False  # not 1/sqrt
    row_kinds = ("fullscale", "outlier")

    async def stimulus(self) -> None:
        fitted = self.model
        bound = LayerNormStreamModel(LayerNormModel(self.config, table_at_largest_output(fitted.model.table)),
                                     fitted.gamma_codes, fitted.beta_codes, fitted.lanes)
        for model in (bound, fitted):
            self.env.coverage.sample(self.env.scoreboard.models[-1])
            await write_table(self.bench.dut, model.model.table)
            self.env.scoreboard.switch_model(fitted if self.config.table == "hardwired" else model)
            await self.run_blocks(self.blocks())


# rtl/nnlut/layernorm_norm.sv: edges from a beat's entry into the output pipeline (where it
# reads gamma/beta) to its output handshake with out_ready_i high.
NORM_LATENCY = 4


@pyuvm.test(**WATCHDOG)
class ParamsWriteMidRow(LayerNormTest):
    """gamma/beta written while rows stream, at random cycles and features, with the sink
    always ready. The documented rule (rtl/nnlut/layernorm_unit.sv): a beat reads its features'
    gamma/beta as it enters the output pipeline, so a write sampled at edge n reaches exactly the
    elements of that feature whose output handshake is at edge n + NORM_LATENCY + 1 or later,
    and every element uses one consistent (gamma, beta) pair. The expected outputs are built
    from the model with each write's recorded edge; a unit without affine ignores the writes."""

    check_accuracy = False
    idle_probability = 0.0
    stall_probability = 0.0
    row_kinds = ("random", "outlier")

    async def stimulus(self) -> None:
        c, dut, rng = self.config, self.bench.dut, self.np_rng
        log = WritePortMonitor(dut.clk_i, dut.param_we_i, {"idx": dut.param_idx_i, "gamma": dut.gamma_i,
                                                            "beta": dut.beta_i}, self.bench.input_monitor.clock)
        monitor = cocotb.start_soon(log.run())
        rows = self.blocks()
        beats = sum(len(b) for _, b in rows)

        async def write_while_streaming() -> None:
            # Writes spread over the stream, each to a feature of a beat a few cycles from
            # leaving, so that the edge of the rule is where the writes land.
            bpr, sent = c.dim // self.lanes, self.env.scoreboard.outputs.words
            for _ in range(48):
                await ClockCycles(dut.clk_i, int(rng.integers(1, max(2, beats // 48))))
                ahead = len(sent) + int(rng.integers(NORM_LATENCY - 1, NORM_LATENCY + 4))
                f = (ahead % bpr) * self.lanes + int(rng.integers(0, self.lanes))
                g = int(rng.integers(c.gamma_fmt.min_code, c.gamma_fmt.max_code + 1))
                b = int(rng.integers(c.beta_fmt.min_code, c.beta_fmt.max_code + 1))
                await write_port(dut, "param_we_i", [{"param_idx_i": f, "gamma_i": g, "beta_i": b}])

        writer = cocotb.start_soon(write_while_streaming())
        await self.run_blocks(rows)
        await writer
        monitor.cancel()
        self.expect_with_writes(log.writes)

    def expect_with_writes(self, writes: list[tuple[int, dict[str, int]]]) -> None:
        c, sb, lanes = self.config, self.env.scoreboard, self.lanes
        x = c.in_fmt.unpack_lanes(sb.inputs.words, lanes)
        out_cycles = np.asarray(sb.outputs.cycles[: len(x)], dtype=np.int64)
        assert len(out_cycles) == len(x), f"{len(x) - len(out_cycles)} beat(s) missing: the scoreboard reports them"
        # Version k of the parameters: after the first k writes; element uses the last write it sees.
        gamma, beta = self.model.gamma_codes.copy(), self.model.beta_codes.copy()
        predictions = [self.model.predict(x)]
        for _, w in writes:
            gamma[w["idx"]] = c.gamma_fmt.unpack_lanes([w["gamma"]], 1)[0, 0]
            beta[w["idx"]] = c.beta_fmt.unpack_lanes([w["beta"]], 1)[0, 0]
            predictions.append(self.model.with_params(gamma.copy(), beta.copy()).predict(x))
        write_edges = np.asarray([n for n, _ in writes], dtype=np.int64)
        version = np.searchsorted(write_edges, out_cycles - NORM_LATENCY, side="left")
        stacked = np.stack(predictions)
        expected = stacked[version, np.arange(len(x))]
        self.logger.info(f"{len(writes)} parameter writes while streaming; elements by parameter version: "
                         f"{np.bincount(version, minlength=len(writes) + 1).tolist()}")
        assert len(writes) and version.min() < len(writes) and version.max() > 0, \
            "the writes did not fall inside the stream: the test checked nothing"
        sb.expect(expected)


# The row-bench family on LayerNorm's rows (RMSNorm registers the same).
ROW_FAMILY = {
    "FullRateRows": {"row_kinds": ("random", "outlier", "fullscale")},
    "RowLatency": {"row_kinds": ("random", "outlier", "constant", "fullscale")},
    "BackpressureRows": {"idle_probability": 0.0, "stall_probability": 0.5, "row_kinds": ALL_KINDS},
    "ResetMidRow": {"row_kinds": ("random", "outlier", "fullscale")},
}
register_tests(__name__, LayerNormTest, rowbench, ROW_FAMILY, **WATCHDOG)


@pyuvm.test(skip=STREAM_FILE_MISSING)
class StreamFile(StreamFileTest, LayerNormTest):
    """Whole rows from $NNLUT_STREAM_FILE through the unit (rtl_eval); bit-exact against the
    model, no accuracy assertion (arbitrary data) and no watchdog (any length)."""

    check_accuracy = False

    async def stimulus(self) -> None:
        # rtl_eval's --gamma/--beta arrive as code files and go in through the write port.
        gamma_path = os.environ.get("NNLUT_GAMMA_CODES")
        if gamma_path:
            gamma, beta = np.load(gamma_path), np.load(os.environ["NNLUT_BETA_CODES"])
            await self.write_params(gamma, beta)
            self.env.scoreboard.switch_model(self.model.with_params(gamma, beta))
        await self.run_blocks(self.blocks())
