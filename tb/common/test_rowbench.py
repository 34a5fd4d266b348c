"""The row-bench family's model side and the coverage spelling, without a simulator."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from models.fixedpoint import FixedFormat
from models.reference import softmax
from tb.common.checks import Coverage
from tb.common.rowbench import RowStreamModel, cover_softmax_rows, row_latencies


class RowSum(RowStreamModel):
    """A toy row unit: every output is its row's sum."""

    def __init__(self) -> None:
        super().__init__(SimpleNamespace(lanes=2, row_length=4, row_latency=3, in_fmt=FixedFormat(8, 0),
                                         out_fmt=FixedFormat(12, 0)))

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        return np.repeat(rows.sum(axis=1, keepdims=True), rows.shape[1], axis=1)

    def reference_rows(self, rows: np.ndarray) -> np.ndarray:
        return self.predict_rows(rows).astype(np.float64)

    def coverage_bins(self) -> tuple[str, ...]:
        return ("row:zero_sum", "row:other")

    def cover_rows(self, cov: Coverage, rows: np.ndarray) -> None:
        zero = rows.sum(axis=1) == 0
        cov.add("row:zero_sum", zero.sum())
        cov.add("row:other", (~zero).sum())


def test_beats_are_cut_into_rows_and_partial_rows_refused() -> None:
    model = RowSum()
    assert (model.lanes, model.row_length, model.row_latency) == (2, 4, 3)
    beats = np.arange(12).reshape(6, 2)                 # three rows of four, two lanes per beat
    out = model.predict(beats)
    assert out.shape == (6, 2)
    assert out.reshape(3, 4)[:, 0].tolist() == [6, 22, 38]
    assert model.predict(np.zeros((0, 2), np.int64)).shape == (0, 2)
    with pytest.raises(ValueError, match="not a whole number of rows of 4"):
        model.predict(beats[:-1])
    cov = model.coverage(np.zeros((2, 2), np.int64))
    assert cov.bins == {"row:zero_sum": 1, "row:other": 0}
    assert model.coverage(np.zeros((0, 2), np.int64)).bins == {"row:zero_sum": 0, "row:other": 0}


def test_required_coverage_spelling() -> None:
    cov = Coverage()
    for name in ("segment[0]", "segment[1]", "row:a", "row:b"):
        cov.declare(name)
    cov.add("segment[0]", 3)
    cov.add("row:a", 1)
    assert cov.missing(["row:a"]) == []
    assert cov.missing(["row:b", "segment["]) == ["row:b", "segment[1]"]
    # A misspelt bin or a family nobody declares is reported, never passed.
    assert cov.missing(["row:typo", "w["]) == ["row:typo", "w[...]"]


def test_softmax_row_kinds() -> None:
    fmt = FixedFormat(16, 11)
    rows = np.array([[5, 5, 5, 5], [fmt.max_code, fmt.min_code, 0, 0], [0, 1, 2, 3]])
    cov = Coverage()
    cover_softmax_rows(cov, rows, fmt, softmax(fmt.to_real(rows)))
    assert cov.bins == {"row:all_equal": 1, "row:dominant": 1, "row:spread": 1, "row:has_min_code": 1,
                        "row:has_max_code": 1}


def test_row_latency_pairs_each_row_end_with_its_first_output() -> None:
    in_cycles = np.array([0, 1, 2, 3, 4, 5])            # two rows of three beats
    out_cycles = np.array([10, 11, 12, 13, 14, 15])
    assert row_latencies(in_cycles, out_cycles, 3).tolist() == [8, 8]


class FramedRowSum(RowSum):
    """The toy row unit with framed streams: a row's sum counts only its kept elements."""

    framed = True

    def predict_rows(self, rows: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        kept = np.where(mask, rows, 0) if mask is not None else rows
        return np.where(mask if mask is not None else True, kept.sum(axis=1, keepdims=True), 0)


def frame(last: int, keep: int) -> int:
    return last | keep << 1


def test_framed_rows_end_at_last_or_at_the_longest_row() -> None:
    model = FramedRowSum()                             # rows of up to 2 beats of 2 lanes
    frames = np.array([frame(1, 0b01), frame(0, 0b11), frame(0, 0b11), frame(0, 0b10), frame(1, 0b11),
                       frame(0, 0b11)])
    assert model.row_spans(frames) == [(0, 1), (1, 3), (3, 5), (5, 6)]
    # The unit cuts the second row at its 2nd beat; a trailing partial row has not ended.
    assert (model.frames_out(frames) & 1).tolist() == [1, 0, 1, 0, 1, 0]
    beats = np.arange(12).reshape(6, 2)
    out = model.predict(beats, frames)
    assert out.tolist() == [[0, 0], [2 + 3 + 4 + 5] * 2, [14] * 2, [0, 7 + 8 + 9], [24] * 2, [21] * 2]


def test_framed_coverage_bins_each_row_kind() -> None:
    model = FramedRowSum()
    frames = np.array([frame(1, 0b01), frame(0, 0b11), frame(1, 0b11), frame(1, 0b00), frame(0, 0b10),
                       frame(1, 0b11), frame(0, 0b11), frame(0, 0b11), frame(1, 0b11)])
    bins = model.coverage(np.zeros((9, 2), np.int64), frames).bins
    assert bins["frame:one_element"] == 1 and bins["frame:longest"] == 2 and bins["frame:nothing_kept"] == 1
    assert bins["frame:partial_last_beat"] == 1 and bins["frame:masked_inside"] == 1
    assert bins["frame:cut_at_longest"] == 1 and bins["row:zero_sum"] == 2


def test_rows_shorter_than_the_row_interval_are_due_one_interval_apart() -> None:
    model = RowSum()  # rows of 2 beats, row latency 3
    in_cycles = np.arange(8)  # four rows back to back
    assert not model.throttled
    assert model.due_cycles(in_cycles).tolist() == [4, 5, 6, 7, 8, 9, 10, 11]
    model.config.row_interval = 5  # a row-level stage slower than the rows
    assert model.throttled
    # The first row at its latency, each next one 5 cycles after the one before.
    assert model.due_cycles(in_cycles).tolist() == [4, 5, 9, 10, 14, 15, 19, 20]
    # Rows that arrive further apart than the interval are not held back.
    assert model.due_cycles(np.array([0, 1, 20, 21])).tolist() == [4, 5, 24, 25]
