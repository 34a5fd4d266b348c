"""The scoreboard's arithmetic must be able to fail: feed it broken streams."""

from __future__ import annotations

import numpy as np
import pytest

from models.fixedpoint import FixedFormat
from tb.common.checks import (check_stream, error_stats, framed_row_due_cycles, row_due_cycles,
                              segment_and_saturation_coverage, timing_stats)


@pytest.fixture
def stream() -> np.ndarray:
    return np.arange(200 * 4, dtype=np.int64).reshape(200, 4)


def test_identical_stream_passes(stream: np.ndarray) -> None:
    report = check_stream(stream, stream.copy())
    assert report.ok and report.matched == 200


def test_lost_beat_counts_once(stream: np.ndarray) -> None:
    report = check_stream(stream, np.delete(stream, 50, axis=0))
    assert not report.ok and report.lost == 1 and report.matched == 199 and report.corrupted == 0


def test_duplicated_beat(stream: np.ndarray) -> None:
    report = check_stream(stream, np.insert(stream, 10, stream[10], axis=0))
    assert not report.ok and report.duplicated == 1 and report.lost == 0


def test_reordered_beats(stream: np.ndarray) -> None:
    swapped = stream.copy()
    swapped[[20, 21]] = swapped[[21, 20]]
    report = check_stream(stream, swapped)
    assert not report.ok and report.reordered >= 1 and report.lost == 0 and report.corrupted == 0


def test_one_wrong_element(stream: np.ndarray) -> None:
    bad = stream.copy()
    bad[7, 2] += 1
    report = check_stream(stream, bad)
    assert not report.ok and report.corrupted == 1 and report.first_bad_beat == 7
    assert report.mismatching_elements == 1


def test_error_stats_in_real_units_and_lsb() -> None:
    fmt = FixedFormat(16, 12)
    y = np.array([4096, 4100])  # 1.0 and 1.0009765625
    stats = error_stats(np.array([0.0, 1.0]), y, np.array([1.0, 1.0]), fmt)
    assert stats.max_lsb == pytest.approx(4.0) and stats.max_abs == pytest.approx(4 * fmt.lsb)
    assert stats.mean_lsb == pytest.approx(2.0) and stats.worst_input == 1.0


def test_timing_pairs_beats_in_order() -> None:
    stats = timing_stats([0, 1, 2, 3], [3, 4, 5, 6], lanes=16)
    assert stats.latency_min == stats.latency_max == 3 and stats.elements_per_cycle == 16.0
    stalled = timing_stats([0, 1, 2, 3], [3, 4, 8, 9], lanes=2)
    assert stalled.latency_max == 6 and stalled.elements_per_cycle == pytest.approx(8 / 7)


def test_coverage_bins_and_holes() -> None:
    fmt = FixedFormat(8, 4)
    cov = segment_and_saturation_coverage(np.array([0, 0, 2]), np.array([0, 200, -5]), 4, fmt)
    assert cov.bins["segment[0]"] == 2 and cov.bins["saturate_high"] == 1
    assert set(cov.holes()) == {"segment[1]", "segment[3]", "saturate_low"}


def test_lane_packing_round_trip() -> None:
    rng = np.random.default_rng(1)
    for width, lanes in ((16, 16), (12, 3), (7, 1)):
        fmt = FixedFormat(width, 4)
        codes = rng.integers(fmt.min_code, fmt.max_code + 1, (50, lanes))
        words = fmt.pack_lanes(codes)
        assert all(0 <= w < (1 << width * lanes) for w in words)
        assert np.array_equal(fmt.unpack_lanes(words, lanes), codes)
    assert FixedFormat(8, 0).pack_lanes(np.array([[-1, 1]])) == [0x01FF]


def test_bottleneck_found_only_where_a_beat_was_due() -> None:
    from tb.common.checks import bottleneck_cycles, row_due_cycles

    due = np.array([10, 11, 12])                 # latency 3 after inputs at 7, 8, 9
    out = np.array([10, 12, 13])                 # beat 1 held at cycle 11 while the sink was ready
    idle, owed = bottleneck_cycles(out, np.array([5, 9, 11]), due)
    assert idle.tolist() == [11] and owed.tolist() == [1]
    # The same gap is fine when the sink was not ready at cycle 11.
    assert bottleneck_cycles(out, np.array([5, 9]), due)[0].size == 0
    # Rows of 2 beats: beat j of a row is due row_latency + j after the row's last input.
    assert row_due_cycles(np.array([0, 1, 5, 6, 7]), 2, 4).tolist() == [5, 6, 10, 11]


def test_framed_rows_queue_behind_longer_rows_and_a_slow_normaliser() -> None:
    # Rows of 3, 1 and 2 beats whose last beats arrive at 10, 11 and 13; 5 cycles beyond the row.
    due = framed_row_due_cycles(np.array([10, 11, 13]), np.array([3, 1, 2]), 5)
    # Row 0 issues at 10..12 (first out 10 + 3 + 5); row 1 waits for the issue (13), out 13 + 1 + 5;
    # row 2 issues at 14, out 14 + 2 + 5.
    assert due.tolist() == [18, 19, 20, 19, 21, 22]
    # A normaliser that takes one row per 4 cycles: row 1's is ready at 13 + 4, row 2's at 17 + 4.
    slow = framed_row_due_cycles(np.array([10, 11, 13]), np.array([3, 1, 2]), 5, row_interval=4)
    assert slow.tolist() == [18, 19, 20, 22, 26, 27]
    # Rows of one length arriving apart: the documented row latency.
    assert np.array_equal(framed_row_due_cycles(np.array([3, 20]), np.array([2, 2]), 4),
                          row_due_cycles(np.array([2, 3, 19, 20]), 2, 6))


def test_watchdog_budget_grows_with_the_work_and_the_backpressure() -> None:
    from tb.common.checks import WATCHDOG_MARGIN, WATCHDOG_SLACK, cycle_budget

    assert cycle_budget(3, 10, 0.0) == WATCHDOG_MARGIN * 13 + WATCHDOG_SLACK
    assert cycle_budget(3, 10, 0.5) == WATCHDOG_MARGIN * 23 + WATCHDOG_SLACK
    # A unit that needs 4 cycles per beat of its own (a sequential divider) is given them.
    assert cycle_budget(3, 10, 0.5, cycles_per_beat=4.0) == WATCHDOG_MARGIN * 43 + WATCHDOG_SLACK
    with pytest.raises(ValueError, match="stall probability"):
        cycle_budget(3, 10, 1.0)
