"""The row-bench family: the stream model and the tests every row unit (Softmax and LayerNorm,
NN-LUT and baselines) shares, each unit supplying its row generators and documented latency.

- FullRateRows: back-to-back rows, no gaps, no backpressure: exactly Lanes elements per cycle
  in and out, and every row's latency (its last input beat to its first output beat) equal to
  the documented one; the figures go to results["rows"] and results["rate"].
- RowLatency: isolated rows, one at a time into an idle unit: each row's latency is the
  documented one and its output beats leave on consecutive cycles.
- BackpressureRows: the unit's row kinds under heavy input gaps and output backpressure.
- ResetMidRow: resets with a partial row in an idle unit, with a complete row and part of the
  next inside before any output, and with rows in flight in every stage under backpressure
  (cut at a random cycle); clean rows follow each. The scoreboard forgets what the reset
  discarded, checks the beats of a row cut in the middle of its output, and any output of a
  discarded row shows as a surplus beat.

A unit's test module subclasses these together with its own base test (row generators,
coverage, error bounds) and registers them with `@pyuvm.test()`.
"""

from __future__ import annotations

from typing import Any

import cocotb
import numpy as np
from cocotb.triggers import ClockCycles

from models.fixedpoint import FixedFormat
from tb.common.checks import Coverage, row_due_cycles
from tb.common.uvm_env import StreamTest, lanes_of, record_rate, send_without_drain

# Stimulus per test, in beats (rounded to whole rows, at least MIN_ROWS rows).
BEATS_PER_TEST = 768
MIN_ROWS = 4
# A row's probability is "dominant" when its top element holds this much of it.
DOMINANT_P = 0.99


class RowStreamModel:
    """StreamModel of a row unit: the stream of (beats, lanes) codes is cut into rows of
    row_length elements (consecutive beats), predicted and referenced row by row.

    The configuration supplies the formats (in_fmt, out_fmt), the row length (the field named
    by row_attr) and the documented row_latency (cycles from a row's last input handshake to its
    first output handshake). Subclasses provide `predict_rows`, `reference_rows` and their
    coverage (`coverage_bins`, `cover_rows`)."""

    latency: int | None = None  # beats wait for their whole row: no fixed beat latency
    row_attr = "row_length"

    def __init__(self, config: Any, lanes: int | None = None) -> None:
        self.config = config
        self.lanes = int(config.lanes if lanes is None else lanes)

    @property
    def in_fmt(self) -> FixedFormat:
        return self.config.in_fmt

    @property
    def out_fmt(self) -> FixedFormat:
        return self.config.out_fmt

    @property
    def row_length(self) -> int:
        return int(getattr(self.config, self.row_attr))

    @property
    def row_latency(self) -> int:
        return int(self.config.row_latency)

    def due_cycles(self, in_cycles: np.ndarray) -> np.ndarray:
        """Earliest cycle of every output beat: the documented row latency after the row's last
        input, then one beat per cycle."""
        return row_due_cycles(in_cycles, self.row_length // self.lanes, self.row_latency)

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def reference_rows(self, rows: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def coverage_bins(self) -> tuple[str, ...]:
        return ()

    def cover_rows(self, cov: Coverage, rows: np.ndarray) -> None:
        """Add the hits of `rows` (at least one) to the declared bins."""

    def rows(self, codes: np.ndarray) -> np.ndarray:
        flat = np.asarray(codes, dtype=np.int64).reshape(-1)
        n = self.row_length
        if flat.size % n:
            raise ValueError(f"{flat.size} elements are not a whole number of rows of {n}")
        return flat.reshape(-1, n)

    def predict(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes, dtype=np.int64)
        if codes.size == 0:
            return codes
        return np.asarray(self.predict_rows(self.rows(codes)), dtype=np.int64).reshape(codes.shape)

    def reference(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes)
        if codes.size == 0:
            return np.zeros(codes.shape)
        return np.asarray(self.reference_rows(self.rows(codes)), dtype=np.float64).reshape(codes.shape)

    def coverage(self, codes: np.ndarray) -> Coverage:
        cov = Coverage()
        for name in self.coverage_bins():
            cov.declare(name)
        if np.asarray(codes).size:
            self.cover_rows(cov, self.rows(codes))
        return cov


SOFTMAX_ROW_BINS = ("row:all_equal", "row:dominant", "row:spread", "row:has_min_code", "row:has_max_code")


def cover_softmax_rows(cov: Coverage, rows: np.ndarray, fmt: FixedFormat, probabilities: np.ndarray) -> None:
    """The row kinds every Softmax bench bins: all-equal, dominant (top p >= DOMINANT_P), spread
    (top p < 1/2), and rows holding the format's extreme codes."""
    equal = (rows == rows[:, :1]).all(axis=1)
    top = np.asarray(probabilities).max(axis=1)
    cov.add("row:all_equal", int(equal.sum()))
    cov.add("row:dominant", int((top >= DOMINANT_P).sum()))
    cov.add("row:spread", int(((top < 0.5) & ~equal).sum()))
    cov.add("row:has_min_code", int((rows == fmt.min_code).any(axis=1).sum()))
    cov.add("row:has_max_code", int((rows == fmt.max_code).any(axis=1).sum()))


class RowTest(StreamTest):
    """Base of every row-unit test: rows of the unit's kinds, cut into beats."""

    # The row kinds this test sends, by the names the unit's make_rows knows.
    row_kinds: tuple[str, ...] = ("random",)
    beats_per_test = BEATS_PER_TEST

    @property
    def model(self) -> RowStreamModel:
        return self.bench.model  # type: ignore[return-value]

    @property
    def lanes(self) -> int:
        return self.bench.config.lanes

    @property
    def beats_per_row(self) -> int:
        return self.model.row_length // self.lanes

    def make_rows(self, kind: str, rows: int) -> np.ndarray:
        """(rows, row_length) input codes of one kind: each unit's generators."""
        raise NotImplementedError

    def n_rows(self, scale: float = 1.0) -> int:
        return max(MIN_ROWS, int(scale * self.beats_per_test) // self.beats_per_row)

    def beats(self, rows: np.ndarray) -> np.ndarray:
        return lanes_of(np.asarray(rows).reshape(-1), self.lanes)

    def row_block(self, kind: str, rows: int) -> tuple[str, np.ndarray]:
        return (f"{rows} {kind} rows", self.beats(self.make_rows(kind, rows)))

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        per_kind = self.n_rows(1.0 / len(self.row_kinds))
        return [self.row_block(kind, per_kind) for kind in self.row_kinds]

    async def drain(self, timeout_cycles: int = 0) -> None:
        # A row's outputs wait for the whole row, and backpressure can stretch a row to several
        # times its length: the timeout scales with the row.
        await super().drain(timeout_cycles or 60 * self.beats_per_row + 4000)

    def forget_dropped_rows(self) -> None:
        """After a reset: the unit drops partial and buffered rows, so the scoreboard keeps only
        the rows that came out whole. The delivered beats of a row cut in the middle of its
        output are checked against the model here before being dropped."""
        sb, beats, lanes = self.env.scoreboard, self.beats_per_row, self.lanes
        n_in, n_out = len(sb.inputs.words), len(sb.outputs.words)
        keep = (n_out // beats) * beats
        cut = n_out - keep
        if cut:
            assert n_in >= keep + beats, "an output beat came out of a row that was never complete"
            model = sb.models[-1]
            row = model.in_fmt.unpack_lanes(sb.inputs.words[keep:keep + beats], lanes)
            got = model.out_fmt.unpack_lanes(sb.outputs.words[keep:], lanes)
            expected = model.predict(row)[:cut]
            assert np.array_equal(got, expected), \
                f"beats of the row cut by reset differ from the model: {got.tolist()} vs {expected.tolist()}"
        self.logger.info(f"reset: {n_in - keep} accepted beat(s) dropped, {cut} delivered beat(s) of a cut row")
        self.env.coverage.forget_last(n_in - keep)
        sb.forget(keep, keep)


def row_latencies(in_cycles: np.ndarray, out_cycles: np.ndarray, beats: int) -> np.ndarray:
    """Per row: the first output handshake minus the last input handshake."""
    rows = min(len(in_cycles), len(out_cycles)) // beats
    return out_cycles[np.arange(rows) * beats] - in_cycles[np.arange(1, rows + 1) * beats - 1]


class FullRateRows(RowTest):
    idle_probability = 0.0
    stall_probability = 0.0

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        # One sequence item, so nothing between items can open a gap in the input.
        return [("back-to-back rows", np.concatenate([b for _, b in super().blocks()]))]

    def check_phase(self) -> None:
        super().check_phase()
        sb, lanes, beats = self.env.scoreboard, self.lanes, self.beats_per_row
        in_cycles, out_cycles = np.asarray(sb.inputs.cycles), np.asarray(sb.outputs.cycles)
        in_rate = len(in_cycles) * lanes / (in_cycles[-1] - in_cycles[0] + 1)
        out_rate = len(out_cycles) * lanes / (out_cycles[-1] - out_cycles[0] + 1)
        latency = row_latencies(in_cycles, out_cycles, beats)
        expected = self.model.row_latency
        sb.results["rows"] = {"rows": int(latency.size), "in_elements_per_cycle": in_rate,
                              "out_elements_per_cycle": out_rate, "row_latency_min": int(latency.min()),
                              "row_latency_max": int(latency.max()), "row_latency_documented": expected}
        self.logger.info(f"back-to-back rows: {sb.results['rows']}")
        for name, rate in (("input", in_rate), ("output", out_rate)):
            assert rate == lanes, f"{name} has bubbles: {rate:.4f} elements/cycle, documented {lanes}"
        # Row 0 enters an idle unit; the others follow back to back.
        assert latency.min() == latency.max() == expected, \
            f"row latency {latency.tolist()[:8]}... differs from the documented {expected} cycles"
        record_rate(self, min(in_rate, out_rate), expected, per_row=True)


class RowLatency(RowTest):
    idle_probability = 0.0
    stall_probability = 0.0

    async def stimulus(self) -> None:
        for kind in self.row_kinds:
            await self.run_blocks([self.row_block(kind, 1)])

    def check_phase(self) -> None:
        super().check_phase()
        sb, beats = self.env.scoreboard, self.beats_per_row
        in_cycles, out_cycles = np.asarray(sb.inputs.cycles), np.asarray(sb.outputs.cycles)
        rows = len(self.row_kinds)
        assert len(in_cycles) == len(out_cycles) == rows * beats, f"{len(in_cycles)} in, {len(out_cycles)} out"
        latency = row_latencies(in_cycles, out_cycles, beats)
        expected = self.model.row_latency
        assert (latency == expected).all(), \
            f"row latency (last input beat -> first output beat) must be {expected}, measured {latency.tolist()}"
        spans = out_cycles[beats - 1::beats] - out_cycles[::beats] + 1
        assert (spans == beats).all(), f"a row's {beats} output beats must leave in {beats} cycles: {spans.tolist()}"
        sb.results["isolated_row_latency"] = latency.tolist()


class EqualRows(RowTest):
    """Softmax: all-equal rows (p = 1/N), the format's extremes among the levels."""

    row_kinds = ("equal",)
    beats_per_test = BEATS_PER_TEST // 2
    required_coverage = ("row:all_equal", "row:has_min_code", "row:has_max_code")


class DominantRows(RowTest):
    """Softmax: one logit far above the rest, and near-ties."""

    row_kinds = ("dominant",)
    beats_per_test = BEATS_PER_TEST // 2
    required_coverage = ("row:dominant",)


class ExtremeRows(RowTest):
    """Softmax: only the format's most negative and most positive codes."""

    row_kinds = ("extreme",)
    beats_per_test = BEATS_PER_TEST // 2
    required_coverage = ("row:has_min_code", "row:has_max_code")


class BackpressureRows(RowTest):
    idle_probability = 0.5
    stall_probability = 0.6


class ResetMidRow(RowTest):
    idle_probability = 0.0
    stall_probability = 0.3

    async def reset_and_forget(self) -> None:
        await self.pulse_reset()
        self.forget_dropped_rows()
        await self.after_reset()

    def clean_rows(self) -> list[tuple[str, np.ndarray]]:
        """A row of every kind the test names."""
        return [self.row_block(kind, 1) for kind in self.row_kinds]

    async def stimulus(self) -> None:
        beats, clk, kind = self.beats_per_row, self.bench.dut.clk_i, self.row_kinds[0]
        # 1. An idle unit holding part of a row.
        await self.run_blocks(self.clean_rows())
        partial = self.beats(self.make_rows(kind, 1))[: max(1, beats // 2)]
        await send_without_drain(self, [("partial row", partial)])
        await ClockCycles(clk, 3)
        await self.reset_and_forget()
        await self.run_blocks(self.clean_rows())
        # 2. A complete row and part of the next inside, reset before their outputs start (rows
        # of one beat have no middle: then one complete row only).
        partial_beats = int(self.np_rng.integers(1, beats)) if beats > 1 else 0
        doomed = self.beats(self.make_rows(kind, 2))[: beats + partial_beats]
        await send_without_drain(self, [("complete and partial row", doomed)])
        await self.reset_and_forget()
        await self.run_blocks(self.clean_rows())
        # 3. Rows in flight in every stage under backpressure, cut at a random cycle.
        words = self.bench.model.in_fmt.pack_lanes(self.beats(self.make_rows(kind, 4)))
        task = cocotb.start_soon(self.bench.source.send(words, 0.1))
        await ClockCycles(clk, int(self.np_rng.integers(2 * beats, 3 * beats + 2)))
        task.cancel()
        await self.reset_and_forget()
        await self.run_blocks(self.clean_rows())

    def check_phase(self) -> None:
        super().check_phase()
        # A row of every kind before the first reset and after each of the three.
        checked = len(self.env.scoreboard.outputs.words) // self.beats_per_row
        expected = 4 * len(self.row_kinds)
        assert checked >= expected, f"only {checked} whole rows (of {expected}) were checked around the resets"


__all__ = ["RowStreamModel", "RowTest", "FullRateRows", "RowLatency", "BackpressureRows", "ResetMidRow",
           "EqualRows", "DominantRows", "ExtremeRows",
           "SOFTMAX_ROW_BINS", "cover_softmax_rows", "row_latencies", "DOMINANT_P"]
