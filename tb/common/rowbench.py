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

from typing import Any, Generic, TypeVar, cast

import cocotb
import numpy as np
from cocotb.triggers import ClockCycles

from models.fixedpoint import FixedFormat
from tb.common.checks import Coverage, frame_row, framed_row_due_cycles, row_due_cycles
from tb.common.uvm_env import StreamTest, lanes_of, pack_beats, record_rate, send_without_drain, unpack_beats

# Stimulus per test, in beats (rounded to whole rows, at least MIN_ROWS rows).
BEATS_PER_TEST = 768
MIN_ROWS = 4
# A row's probability is "dominant" when its top element holds this much of it.
DOMINANT_P = 0.99
# Framing bins of a framed (Softmax) unit, over every row: one element, row_length elements,
# no element kept, a final beat partly kept, a lane left out before the row's last kept one,
# and a row cut at row_length elements because it had no last beat there.
FRAME_BINS = ("frame:one_element", "frame:longest", "frame:nothing_kept", "frame:partial_last_beat",
              "frame:masked_inside", "frame:cut_at_longest")


class RowStreamModel:
    """StreamModel of a row unit: the stream of (beats, lanes) codes is cut into rows of
    row_length elements (consecutive beats), predicted and referenced row by row.

    The configuration supplies the formats (in_fmt, out_fmt), the row length (the field named
    by row_attr) and the documented row_latency (cycles from a row's last input handshake to its
    first output handshake). Subclasses provide `predict_rows`, `reference_rows` and their
    coverage (`coverage_bins`, `cover_rows`)."""

    latency: int | None = None  # beats wait for their whole row: no fixed beat latency
    row_attr = "row_length"
    # A framed unit (the Softmax units) takes rows of 1 to row_length elements delimited by each
    # beat's frame (last | keep << 1, see tb/common/stream.py); the scoreboard then passes the
    # frames to predict, reference, coverage and due_cycles. Rows without frames are whole rows.
    framed = False

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

    @property
    def row_beats(self) -> int:
        return self.row_length // self.lanes

    @property
    def row_interval(self) -> int:
        """Fewest cycles between two rows' normalisers, from the configuration (1 unless a
        sequential divider or 1/x sets it): rows of fewer beats cannot stream at full rate."""
        return int(getattr(self.config, "row_interval", 1))

    @property
    def throttled(self) -> bool:
        """Rows shorter than the row interval: back-to-back rows leave one per row_interval
        cycles, and the input stalls by design."""
        return self.row_interval > self.row_beats

    def due_cycles(self, in_cycles: np.ndarray, frames: np.ndarray | None = None) -> np.ndarray:
        """Earliest cycle of every output beat: the documented row latency after the row's last
        input, then one beat per cycle, and no row sooner than row_interval cycles after the one
        before it (rows of varying length, or shorter than the interval: framed_row_due_cycles)."""
        if frames is None and not self.throttled:
            return row_due_cycles(in_cycles, self.row_beats, self.row_latency)
        if frames is None:
            in_cycles = np.asarray(in_cycles, dtype=np.int64)
            last = in_cycles[self.row_beats - 1::self.row_beats]
            return framed_row_due_cycles(last, np.full(len(last), self.row_beats), self.row_latency - self.row_beats,
                                         self.row_interval)
        spans = self.row_spans(frames)
        whole = [(a, b) for a, b in spans if b <= len(in_cycles)]
        in_cycles = np.asarray(in_cycles, dtype=np.int64)
        last = np.array([in_cycles[b - 1] for _, b in whole], dtype=np.int64)
        beats = np.array([b - a for a, b in whole], dtype=np.int64)
        return framed_row_due_cycles(last, beats, self.row_latency - self.row_beats, self.row_interval)

    # -- framing ---------------------------------------------------------------------------
    def frames_out(self, frames: np.ndarray) -> np.ndarray:
        """The frames the unit gives its output beats: the input's, with a row that reaches
        row_beats beats cut there (last set on that beat)."""
        out = np.asarray(frames, dtype=np.int64).copy()
        for start, stop in self.row_spans(out):
            if stop - start == self.row_beats:
                out[stop - 1] |= 1
        return out

    def row_spans(self, frames: np.ndarray) -> list[tuple[int, int]]:
        """[start, stop) beat ranges of the rows of a framed stream: a row ends at a beat with
        last set or at its row_beats-th beat; a trailing partial row is the last span."""
        spans: list[tuple[int, int]] = []
        start = 0
        for i, f in enumerate(np.asarray(frames, dtype=np.int64)):
            if f & 1 or i - start + 1 == self.row_beats:
                spans.append((start, i + 1))
                start = i + 1
        if start < len(frames):
            spans.append((start, len(frames)))
        return spans

    def keep_mask(self, frames: np.ndarray) -> np.ndarray:
        """(beats, lanes) bool: which lanes of each beat are elements of their row."""
        keep = np.asarray(frames, dtype=np.int64) >> 1
        return (keep[:, None] >> np.arange(self.lanes)[None, :]) & 1 == 1

    def _by_row_length(self, codes: np.ndarray, frames: np.ndarray, fn: Any, dtype: Any) -> np.ndarray:
        """fn(rows, mask) over rows grouped by length in beats, scattered back to (beats, lanes)."""
        codes = np.asarray(codes, dtype=np.int64)
        out = np.zeros(codes.shape, dtype=dtype)
        keep = self.keep_mask(frames)
        groups: dict[int, list[int]] = {}
        for start, stop in self.row_spans(frames):
            groups.setdefault(stop - start, []).append(start)
        for beats, starts in groups.items():
            index = np.asarray(starts)[:, None] + np.arange(beats)[None, :]
            rows = codes[index].reshape(len(starts), beats * self.lanes)
            mask = keep[index].reshape(rows.shape)
            out[index] = np.asarray(fn(rows, mask)).reshape(len(starts), beats, self.lanes)
        return out

    def predict_rows(self, rows: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def reference_rows(self, rows: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
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

    def predict(self, codes: np.ndarray, frames: np.ndarray | None = None) -> np.ndarray:
        codes = np.asarray(codes, dtype=np.int64)
        if codes.size == 0:
            return codes
        if frames is not None:
            return self._by_row_length(codes, frames, self.predict_rows, np.int64)
        return np.asarray(self.predict_rows(self.rows(codes)), dtype=np.int64).reshape(codes.shape)

    def reference(self, codes: np.ndarray, frames: np.ndarray | None = None) -> np.ndarray:
        codes = np.asarray(codes)
        if codes.size == 0:
            return np.zeros(codes.shape)
        if frames is not None:
            return self._by_row_length(codes, frames, self.reference_rows, np.float64)
        return np.asarray(self.reference_rows(self.rows(codes)), dtype=np.float64).reshape(codes.shape)

    def coverage(self, codes: np.ndarray, frames: np.ndarray | None = None) -> Coverage:
        """The unit's row bins over whole rows (all lanes kept, row_length elements), and for a
        framed unit the framing bins over every row."""
        cov = Coverage()
        for name in self.coverage_bins():
            cov.declare(name)
        if self.framed:
            for name in FRAME_BINS:
                cov.declare(name)
        codes = np.asarray(codes, dtype=np.int64)
        if not codes.size:
            return cov
        if frames is None:
            self.cover_rows(cov, self.rows(codes))
            return cov
        keep = self.keep_mask(frames)
        whole = []
        for start, stop in self.row_spans(frames):
            kept = keep[start:stop]
            n = int(kept.sum())
            cov.add("frame:one_element", int(n == 1))
            cov.add("frame:longest", int(n == self.row_length))
            cov.add("frame:nothing_kept", int(n == 0))
            cov.add("frame:partial_last_beat", int(0 < kept[-1].sum() < self.lanes))
            cov.add("frame:masked_inside", int(not kept[:-1].all() or not (kept[-1][:kept[-1].sum()]).all()))
            cov.add("frame:cut_at_longest", int(stop - start == self.row_beats and not frames[stop - 1] & 1))
            if n == self.row_length:
                whole.append(codes[start:stop].reshape(-1))
        if whole:
            self.cover_rows(cov, np.stack(whole))
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


ModelT = TypeVar("ModelT", bound=RowStreamModel)
ConfigT = TypeVar("ConfigT")


class RowTest(StreamTest, Generic[ModelT, ConfigT]):
    """Base of every row-unit test: rows of the unit's kinds, cut into beats. A unit's test base
    names its stream model and configuration types, `class SoftmaxTest(RowTest[SoftmaxStreamModel,
    SoftmaxConfig])`, and `model` and `config` have those types."""

    # The row kinds this test sends, by the names the unit's make_rows knows.
    row_kinds: tuple[str, ...] = ("random",)
    beats_per_test = BEATS_PER_TEST

    @property
    def model(self) -> ModelT:
        return cast(ModelT, self.bench.model)

    @property
    def config(self) -> ConfigT:
        return cast(ConfigT, self.model.config)

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
        """(beats, lanes) codes of whole rows, and for a framed unit each beat's frame as a last
        column (last on each row's final beat, every lane kept)."""
        rows = np.asarray(rows)
        codes = lanes_of(rows.reshape(-1), self.lanes)
        if not self.model.framed:
            return codes
        per_row = max(1, rows.shape[-1] // self.lanes)
        frames = np.full(len(codes), ((1 << self.lanes) - 1) << 1, dtype=np.int64)
        frames[per_row - 1::per_row] |= 1
        return np.hstack([codes, frames[:, None]])

    def framed_beats(self, rows: list[np.ndarray], keeps: list[np.ndarray] | None = None,
                     last: list[bool] | None = None) -> np.ndarray:
        """Framed beats (codes and a frame column) of rows of any lengths: each row (1-D codes)
        is padded to whole beats with random codes in lanes that are not kept (they must not
        matter), keeps[i] (bool per element, default all) says which elements are kept, and
        last[i] (default True) whether the row's final beat carries last."""
        lanes, fmt = self.lanes, self.model.in_fmt
        beats = []
        for i, row in enumerate(rows):
            row = np.asarray(row, dtype=np.int64).reshape(-1)
            n = -(-row.size // lanes) * lanes
            codes = self.np_rng.integers(fmt.min_code, fmt.max_code + 1, n)
            codes[:row.size] = row
            kept = np.zeros(n, dtype=bool)
            kept[:row.size] = True if keeps is None else np.asarray(keeps[i], dtype=bool)
            beats.append(frame_row(codes, kept, lanes, last is None or last[i]))
        return np.concatenate(beats)

    def row_block(self, kind: str, rows: int) -> tuple[str, np.ndarray]:
        return (f"{rows} {kind} rows", self.beats(self.make_rows(kind, rows)))

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        per_kind = self.n_rows(1.0 / len(self.row_kinds))
        return [self.row_block(kind, per_kind) for kind in self.row_kinds]

    def forget_dropped_rows(self) -> None:
        """After a reset: the unit drops partial and buffered rows, so the scoreboard keeps only
        the rows that came out whole. The delivered beats of a row cut in the middle of its
        output are checked against the model here before being dropped."""
        sb, model = self.env.scoreboard, self.env.scoreboard.models[-1]
        n_in, n_out = len(sb.inputs.words), len(sb.outputs.words)
        x, frames = unpack_beats(model, model.in_fmt, sb.inputs.words)
        spans = model.row_spans(frames) if frames is not None else \
            [(a, a + self.beats_per_row) for a in range(0, n_in, self.beats_per_row)]
        keep = max([0] + [stop for _, stop in spans if stop <= n_out])
        cut = n_out - keep
        if cut:
            stop = next(b for a, b in spans if a == keep)
            assert stop <= n_in and (frames is None or stop - keep == model.row_beats or frames[stop - 1] & 1), \
                "an output beat came out of a row that was never complete"
            got, _ = unpack_beats(model, model.out_fmt, sb.outputs.words[keep:])
            if frames is None:
                expected = model.predict(x[keep:stop])[:cut]
            else:
                expected = model.predict(x[keep:stop], frames[keep:stop])[:cut]
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
        if self.model.throttled:
            # Rows shorter than the row interval: the input stalls by design, and every output
            # beat leaves exactly when the documented timing says (the first row's at the row
            # latency, each next row's row_interval cycles after the one before).
            due = self.model.due_cycles(in_cycles)
            late = np.flatnonzero(out_cycles != due)
            assert not late.size, (f"beat {late[0]} left at cycle {out_cycles[late[0]]}, documented {due[late[0]]} "
                                   f"(row latency {expected}, one row per {self.model.row_interval} cycles)")
            record_rate(self, out_rate, expected, per_row=True)
            return
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
        words = pack_beats(self.bench.model, self.beats(self.make_rows(kind, 4)))
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


class VariableRows(RowTest):
    """Framed units (the Softmax units): rows of random lengths from one element to row_length,
    with partial final beats, elements left out inside rows (masked keys), rows with nothing
    kept, and rows sent without last up to twice row_length long (the unit cuts them at
    row_length), under input gaps and output backpressure. Values and output framing are
    checked beat for beat against the model."""

    idle_probability = 0.3
    stall_probability = 0.4
    required_coverage = FRAME_BINS
    masked_fraction = 0.2

    def required_bins(self) -> tuple[str, ...]:
        unreachable = set()
        if self.lanes == 1:
            unreachable.add("frame:partial_last_beat")
        if self.model.row_length == 1:
            unreachable.add("frame:masked_inside")
        return tuple(b for b in super().required_bins() if b not in unreachable)

    def random_rows(self, count: int, min_beats: int = 1, special: bool = True) -> np.ndarray:
        """Framed beats of `count` rows of the test's kinds, cut to random lengths of at least
        min_beats beats; with `special`, the first rows are one element, row_length elements,
        nothing kept, and one too long, and a fraction of the rest have elements left out."""
        n, lanes, rng = self.model.row_length, self.lanes, self.np_rng
        kinds = [self.row_kinds[i % len(self.row_kinds)] for i in range(count)]
        full = {k: list(self.make_rows(k, kinds.count(k))) for k in set(kinds)}
        lengths = rng.integers((min_beats - 1) * lanes + 1, n + 1, count)
        rows, keeps, last = [], [], []
        for i, kind in enumerate(kinds):
            row = full[kind].pop()
            length, keep, ends = int(lengths[i]), None, True
            if special and i == 0:
                length = 1
            elif special and i == 1:
                length = n
            elif special and i == 2:
                keep = np.zeros(length, dtype=bool)
            elif special and i == 3:
                # Longer than a row can be: the unit ends the row at n elements.
                row = np.concatenate([row, self.make_rows(kind, 1)[0]])
                length, ends = n + int(rng.integers(1, n + 1)), False
            elif special and rng.random() < self.masked_fraction and length > 1:
                keep = rng.random(length) >= 0.3
                keep[int(rng.integers(0, length))] = True
                keep[0] = False if length > 1 else keep[0]
            if not ends:
                rows += [row[:n], row[n:length]]
                keeps += [None, None]
                last += [False, True]
                continue
            rows.append(row[:length])
            keeps.append(keep)
            last.append(ends)
        return self.framed_beats(rows, [np.ones(r.size, bool) if k is None else k for r, k in zip(rows, keeps)],
                                 last)

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        count = max(MIN_ROWS + 4, 2 * self.beats_per_test // max(1, self.beats_per_row))
        return [(f"{count} rows of random lengths", self.random_rows(count))]


class FullQueueRows(VariableRows):
    """Framed units: rows of one element against a stalled sink until the unit stops taking
    input, then the sink released. Every queue fills to its depth in rows (the row queues' row
    counts reach their top bits, which random backpressure on longer rows never does), and what
    comes out is checked beat for beat: nothing lost, duplicated or reordered."""

    idle_probability = 0.0
    stall_probability = 0.0
    required_coverage = ()
    # Cycles without an input handshake that show the unit is full.
    full_after = 64

    async def stimulus(self) -> None:
        rows = [r[:1] for r in self.make_rows(self.row_kinds[0], 4 * self.beats_per_row + 64)]
        beats = self.framed_beats(rows)
        sink, inputs, clk = self.bench.sink, self.env.scoreboard.inputs, self.bench.dut.clk_i
        sink.stall_probability = 1.0
        send = cocotb.start_soon(send_without_drain(self, [("one-element rows", beats)]))
        quiet = 0
        while quiet < self.full_after and not send.done():
            taken = len(inputs.cycles)
            await ClockCycles(clk, 1)
            quiet = quiet + 1 if len(inputs.cycles) == taken else 0
        held = len(inputs.cycles)
        sink.stall_probability = 0.0
        await send
        await self.drain()
        self.env.scoreboard.results["full_queue"] = {"rows_held": held, "rows_sent": len(rows)}
        self.logger.info(f"a stalled sink: the unit took {held} one-element rows, then stopped")
        assert held < len(rows), f"the unit took all {len(rows)} rows against a stalled sink: it never filled"


class VariableRowsFullRate(VariableRows):
    """Framed units: back-to-back rows of random lengths, no gaps, no backpressure. First rows
    of at least the unit's row_interval beats: the input never stalls (Lanes elements
    per cycle). Then, for a unit with a slower normaliser (I-BERT's divider), rows shorter than
    that, which it takes at its documented row interval. Throughout, the output is never the
    bottleneck by the documented timing (the scoreboard's check, with the row queueing of
    framed_row_due_cycles)."""

    idle_probability = 0.0
    stall_probability = 0.0
    required_coverage = ("frame:longest",)

    async def stimulus(self) -> None:
        min_beats = min(self.model.row_interval, self.beats_per_row)
        count = max(MIN_ROWS, 2 * self.beats_per_test // max(1, self.beats_per_row + min_beats))
        # One row of row_length elements, so the longest row is among them.
        longest = self.beats(self.make_rows(self.row_kinds[0], 1))
        full_rate = np.concatenate([self.random_rows(count, min_beats, special=False), longest])
        await self.run_blocks([("back-to-back rows of random lengths", full_rate)])
        self.full_rate_beats = len(full_rate)
        if min_beats > 1:
            lanes, n = self.lanes, 4 * count
            lengths = self.np_rng.integers(1, (min_beats - 1) * lanes + 1, n)
            rows = [self.make_rows(self.row_kinds[0], 1)[0][:k] for k in lengths]
            await self.run_blocks([("back-to-back short rows", self.framed_beats(rows))])

    def check_phase(self) -> None:
        super().check_phase()
        cycles = np.asarray(self.env.scoreboard.inputs.cycles)[:self.full_rate_beats]
        rate = len(cycles) * self.lanes / (cycles[-1] - cycles[0] + 1)
        self.env.scoreboard.results["variable_rows"] = {"beats": int(len(cycles)), "in_elements_per_cycle": rate}
        assert rate == self.lanes, f"input has stalls with rows of varying length: {rate:.4f} elements/cycle"


__all__ = ["RowStreamModel", "RowTest", "FullRateRows", "RowLatency", "BackpressureRows", "ResetMidRow",
           "VariableRows", "VariableRowsFullRate", "FullQueueRows", "FRAME_BINS",
           "EqualRows", "DominantRows", "ExtremeRows",
           "SOFTMAX_ROW_BINS", "cover_softmax_rows", "row_latencies", "DOMINANT_P"]
