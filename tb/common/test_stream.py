"""The stream monitor's handshake-rule checks, driven without a simulator: each rule fires on a
deliberately broken stream, and a correct one passes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tb.common.stream import StreamMonitor


class Value:
    """What a cocotb handle's .value gives: resolvable or not, truthy, to_unsigned()."""

    def __init__(self, v: int | None) -> None:
        self.v = v

    @property
    def is_resolvable(self) -> bool:
        return self.v is not None

    def __bool__(self) -> bool:
        return bool(self.v)

    def to_unsigned(self) -> int:
        assert self.v is not None
        return self.v

    def __int__(self) -> int:
        return self.to_unsigned()

    def __str__(self) -> str:
        # A bit string, as LogicArray's.
        return "x" if self.v is None else format(self.v, "b")


def run(cycles: list[tuple[Any, Any, Any]], reset: list[int] | None = None) -> StreamMonitor:
    """Feed (valid, ready, data) per cycle (None is X); returns the monitor."""
    signals = SimpleNamespace(valid=SimpleNamespace(value=None), ready=SimpleNamespace(value=None),
                              data=SimpleNamespace(value=None))
    rst = SimpleNamespace(value=Value(1))
    count = iter(range(10**6))
    monitor = StreamMonitor(None, signals, SimpleNamespace(now=lambda: next(count)), "out", rst)
    for i, (valid, ready, data) in enumerate(cycles):
        signals.valid.value, signals.ready.value, signals.data.value = Value(valid), Value(ready), Value(data)
        rst.value = Value(1 if reset is None else reset[i])
        monitor._sample()
    return monitor


def test_a_correct_stream_passes_and_is_recorded() -> None:
    m = run([(1, 0, 5), (1, 0, 5), (1, 1, 5), (0, 1, None), (1, 1, 6)])
    assert m.protocol_errors == [] and m.transfers.words == [5, 6]


@pytest.mark.parametrize("cycles,message", [
    ([(1, 0, 5), (0, 1, None)], "valid dropped before its beat was taken"),
    ([(1, 0, 5), (1, 1, 7)], "data changed while stalled"),
    ([(None, 1, 0)], "valid/ready not 0 or 1"),
    ([(1, None, 3)], "valid/ready not 0 or 1"),
    ([(1, 1, None)], "data has X/Z bits while valid"),
])
def test_each_rule_fires_on_a_broken_stream(cycles: list[tuple[Any, Any, Any]], message: str) -> None:
    errors = run(cycles).protocol_errors
    assert errors and message in errors[0]


class Signal(SimpleNamespace):
    """A handle with a width (the data of a framed stream)."""

    def __len__(self) -> int:
        return 8


def run_framed(cycles: list[tuple[Any, Any, Any, Any, Any]]) -> StreamMonitor:
    """Feed (valid, ready, data, last, keep) per cycle to a monitor of a framed stream."""
    signals = SimpleNamespace(valid=Signal(value=None), ready=Signal(value=None), data=Signal(value=None),
                              last=Signal(value=None), keep=Signal(value=None))
    count = iter(range(10**6))
    monitor = StreamMonitor(None, signals, SimpleNamespace(now=lambda: next(count)), "out",
                            SimpleNamespace(value=Value(1)))
    for cycle in cycles:
        for name, v in zip(("valid", "ready", "data", "last", "keep"), cycle, strict=True):
            getattr(signals, name).value = Value(v)
        monitor._sample()
    return monitor


def test_a_framed_stream_records_its_frames_above_the_data() -> None:
    m = run_framed([(1, 1, 5, 0, 3), (1, 1, 6, 1, 1)])
    assert m.protocol_errors == [] and m.transfers.words == [5 | 6 << 8, 6 | 3 << 8]


@pytest.mark.parametrize("cycles,message", [
    ([(1, 0, 5, 0, 3), (1, 1, 5, 1, 3)], "data changed while stalled"),
    ([(1, 1, 5, 0, None)], "last/keep have X/Z bits while valid"),
])
def test_each_frame_rule_fires(cycles: list[tuple[Any, Any, Any, Any, Any]], message: str) -> None:
    errors = run_framed(cycles).protocol_errors
    assert errors and message in errors[0]


def test_reset_excuses_a_dropped_beat() -> None:
    assert run([(1, 0, 5), (0, 1, None), (1, 1, 6)], reset=[1, 0, 1]).protocol_errors == []


@pytest.mark.parametrize("bits,expected", [
    ("0101", 5), ("HL01", 9), ("1" * 72, (1 << 72) - 1),
    ("01X1", None), ("Z", None), ("U000", None), ("0W", None), ("-1", None), ("1-", None),
])
def test_a_value_is_read_whole_or_not_at_all(bits: str, expected: int | None) -> None:
    """What the monitor reads of a real cocotb value: every bit 0/1 (L and H as cocotb reads
    them), else None; never a number made of the resolvable part ("-1" is not minus one)."""
    from cocotb.types import LogicArray

    from tb.common.stream import unsigned_or_none

    assert unsigned_or_none(LogicArray(bits)) == expected

