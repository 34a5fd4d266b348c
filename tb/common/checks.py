"""Scoreboard arithmetic, free of cocotb so it is unit-tested without a simulator.

Everything here is vectorised over beats and elements; per-beat Python work happens only
when classifying a failure.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from models.fixedpoint import FixedFormat


@dataclass
class IntegrityReport:
    """How the received beats relate to the expected ones, in order: the beats of each class
    (check_stream classifies them), the first beat that differs and the elements that differ."""

    expected_beats: int
    received_beats: int
    matched: int = 0
    lost: int = 0
    duplicated: int = 0
    reordered: int = 0
    corrupted: int = 0
    first_bad_beat: int | None = None
    mismatching_elements: int = 0

    @property
    def ok(self) -> bool:
        return (self.matched == self.expected_beats == self.received_beats
                and self.lost == self.duplicated == self.reordered == self.corrupted == 0)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def check_stream(expected: np.ndarray, received: np.ndarray) -> IntegrityReport:
    """Compare (beats, lanes) code arrays and classify every difference.

    Beats are aligned by longest matching runs, so one lost beat counts as one loss rather
    than shifting every later beat into a mismatch.
    """
    expected = np.asarray(expected, dtype=np.int64)
    received = np.asarray(received, dtype=np.int64)
    report = IntegrityReport(len(expected), len(received))
    common = min(len(expected), len(received))
    if len(expected) == len(received) and np.array_equal(expected, received):
        report.matched = common
        return report
    if common:
        bad = np.flatnonzero(np.any(expected[:common] != received[:common], axis=1))
        report.first_bad_beat = int(bad[0]) if bad.size else common
        report.mismatching_elements = int((expected[:common] != received[:common]).sum())
    exp_keys = [row.tobytes() for row in expected]
    rec_keys = [row.tobytes() for row in received]
    missing: Counter[bytes] = Counter()
    surplus: list[bytes] = []
    matcher = difflib.SequenceMatcher(None, exp_keys, rec_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            report.matched += i2 - i1
            continue
        missing.update(exp_keys[i1:i2])
        surplus.extend(rec_keys[j1:j2])
    expected_set = set(exp_keys)
    for key in surplus:
        if missing[key] > 0:
            missing[key] -= 1
            report.reordered += 1
        elif key in expected_set:
            report.duplicated += 1
        else:
            report.corrupted += 1
    report.lost = max(0, sum(missing.values()) - report.corrupted)
    return report


class _Record:
    """to_dict for the statistics dataclasses that reports write out as JSON."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ErrorStats(_Record):
    """Error of produced outputs against the float64 reference at the exact input values."""

    count: int
    max_abs: float
    mean_abs: float
    max_lsb: float
    mean_lsb: float
    worst_input: float
    out_lsb: float


def error_stats(x_real: np.ndarray, y_codes: np.ndarray, reference: np.ndarray,
                out_fmt: FixedFormat) -> ErrorStats:
    err = np.abs(out_fmt.to_real(y_codes).reshape(-1) - np.asarray(reference, np.float64).reshape(-1))
    if err.size == 0:
        raise ValueError("error_stats: no outputs to measure")
    worst = int(np.argmax(err))
    return ErrorStats(count=int(err.size), max_abs=float(err.max()), mean_abs=float(err.mean()),
                      max_lsb=float(err.max() / out_fmt.lsb), mean_lsb=float(err.mean() / out_fmt.lsb),
                      worst_input=float(np.asarray(x_real).reshape(-1)[worst]), out_lsb=out_fmt.lsb)


@dataclass
class TimingStats(_Record):
    """Latency of each beat (output handshake cycle minus input handshake cycle) and rate."""

    beats: int
    elements: int
    latency_min: int
    latency_max: int
    active_cycles: int
    elements_per_cycle: float


def timing_stats(in_cycles: list[int], out_cycles: list[int], lanes: int) -> TimingStats:
    """Pairs the k-th input beat with the k-th output beat (valid once integrity holds).

    Throughput counts output elements over the cycles from the first to the last output
    handshake, so it measures the sustained rate, not the pipeline fill.
    """
    n = min(len(in_cycles), len(out_cycles))
    if n == 0:
        raise ValueError("timing_stats: no beats went through")
    latency = np.asarray(out_cycles[:n]) - np.asarray(in_cycles[:n])
    active = out_cycles[n - 1] - out_cycles[0] + 1
    return TimingStats(beats=n, elements=n * lanes, latency_min=int(latency.min()),
                       latency_max=int(latency.max()), active_cycles=int(active),
                       elements_per_cycle=n * lanes / active)


@dataclass
class Coverage:
    """Functional coverage: hits per named bin. A bin with zero hits is a hole."""

    bins: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, hits: int) -> None:
        self.bins[name] = self.bins.get(name, 0) + int(hits)

    def declare(self, name: str) -> None:
        self.bins.setdefault(name, 0)

    def holes(self, prefix: str = "") -> list[str]:
        return [k for k, v in self.bins.items() if k.startswith(prefix) and v == 0]

    def missing(self, required: tuple[str, ...] | list[str]) -> list[str]:
        """The required bins not hit. A name ending in "[" stands for a family of bins
        ("segment[" is every segment[k]): every declared member must be hit, and a family with
        no declared member is missing as a whole. Any other name is one bin, which must exist
        and be hit (a misspelt bin is reported, not silently passed)."""
        missing: list[str] = []
        for name in required:
            if name.endswith("["):
                family = [k for k in self.bins if k.startswith(name)]
                missing += [k for k in family if self.bins[k] == 0] if family else [name + "...]"]
            elif self.bins.get(name, 0) == 0:
                missing.append(name)
        return missing

    def merge(self, other: "Coverage") -> None:
        for name, hits in other.bins.items():
            self.add(name, hits)


def segment_and_saturation_coverage(segments: np.ndarray, raw_out: np.ndarray, entries: int,
                                    out_fmt: FixedFormat) -> Coverage:
    """Bins: every table segment, and outputs that saturate low or high."""
    cov = Coverage()
    counts = np.bincount(np.asarray(segments).reshape(-1), minlength=entries)
    for k in range(entries):
        cov.add(f"segment[{k}]", counts[k])
    raw = np.asarray(raw_out).reshape(-1)
    cov.add("saturate_low", int((raw < out_fmt.min_code).sum()))
    cov.add("saturate_high", int((raw > out_fmt.max_code).sum()))
    return cov


# ------------------------------------------------------------------------------ watchdogs

# A watchdog fires after this many times the cycles the work should take, plus a constant.
WATCHDOG_MARGIN = 8
WATCHDOG_SLACK = 64


def cycle_budget(latency: int, beats: int, stall_probability: float, cycles_per_beat: float = 1.0) -> int:
    """Cycles within which `beats` beats must leave a unit whose documented latency (for row
    units: a row's) is `latency`, when the sink takes a beat with probability 1 - stall and the
    unit needs cycles_per_beat of its own per beat (a sequential divider per short row):
    latency + beats * max(1 / (1 - stall), cycles_per_beat), times WATCHDOG_MARGIN, plus
    WATCHDOG_SLACK. A bench waiting longer than that has hung, and says so within seconds
    instead of at the simulation's time limit."""
    if not 0.0 <= stall_probability < 1.0:
        raise ValueError(f"stall probability must be in [0, 1), got {stall_probability}")
    per_beat = max(1.0 / (1.0 - stall_probability), cycles_per_beat)
    return int(WATCHDOG_MARGIN * (latency + beats * per_beat)) + WATCHDOG_SLACK


# ------------------------------------------------------------------------------ framing

def frame_row(codes: np.ndarray, kept: np.ndarray, lanes: int, last: bool = True) -> np.ndarray:
    """One row as a framed unit's beats: (beats, lanes + 1), the codes then each beat's frame
    (last | keep << 1, tb/common/stream.py). codes and kept (bool, which elements belong to the
    row) are a whole number of beats; last marks the final beat."""
    codes = np.asarray(codes, dtype=np.int64).reshape(-1, lanes)
    keep = np.asarray(kept, dtype=bool).reshape(-1, lanes)
    frames = (keep.astype(np.int64) << np.arange(lanes)).sum(axis=1) << 1
    if last:
        frames[-1] |= 1
    return np.hstack([codes, frames[:, None]])


# ------------------------------------------------------------------------------ throughput

def row_due_cycles(in_cycles: np.ndarray, row_beats: int, row_latency: int) -> np.ndarray:
    """Earliest cycle of every output beat of a row unit: beat j of a row may leave row_latency
    cycles after the row's last input handshake, plus j (one beat per cycle after the first)."""
    in_cycles = np.asarray(in_cycles, dtype=np.int64)
    rows = len(in_cycles) // row_beats
    last = in_cycles[row_beats - 1::row_beats][:rows]
    return (last[:, None] + row_latency + np.arange(row_beats)[None, :]).ravel()


def framed_row_due_cycles(last_in_cycles: np.ndarray, row_beats: np.ndarray, latency_beyond_row: int,
                          row_interval: int = 1) -> np.ndarray:
    """Earliest cycle of every output beat of a Softmax unit fed rows of varying length. Row r,
    of b_r beats with its last input handshake at a_r, is issued once it is complete and the
    row before it has been issued, its normaliser is ready b_r cycles into its issue but no
    sooner than row_interval cycles after the previous row's (a sequential divider), and its
    first beat may leave latency_beyond_row cycles after that (the unit's RowLatency minus
    RowBeats); then one beat per cycle. For rows of one length arriving apart this is
    row_due_cycles."""
    last = np.asarray(last_in_cycles, dtype=np.int64)
    beats = np.asarray(row_beats, dtype=np.int64)
    first = np.empty(len(last), dtype=np.int64)
    issue_free = norm_prev = None
    for r in range(len(last)):
        issue = last[r] if issue_free is None else max(last[r], issue_free)
        norm = issue + beats[r] if norm_prev is None else max(issue + beats[r], norm_prev + row_interval)
        issue_free, norm_prev = issue + beats[r], norm
        first[r] = norm + latency_beyond_row
    return np.repeat(first, beats) + (np.arange(int(beats.sum())) - np.repeat(np.cumsum(beats) - beats, beats))


def bottleneck_cycles(out_cycles: np.ndarray, ready_idle_cycles: np.ndarray,
                      due_cycles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cycles at which the sink was ready, nothing left, and yet a beat was due: the next
    beat owed (the first not yet delivered) had reached its earliest cycle. Returns those cycles
    and the index of the beat owed at each. An empty result means the unit was never the
    bottleneck: every beat it held back was held back by the sink or by its documented latency."""
    out_cycles = np.asarray(out_cycles, dtype=np.int64)
    idle = np.asarray(ready_idle_cycles, dtype=np.int64)
    due = np.asarray(due_cycles, dtype=np.int64)
    owed = np.searchsorted(out_cycles, idle, side="left")
    pending = owed < len(due)
    idle, owed = idle[pending], owed[pending]
    late = due[owed] <= idle
    return idle[late], owed[late]
