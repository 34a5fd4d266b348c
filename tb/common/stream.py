"""Signal-level valid/ready stream components shared by every unit's bench.

A beat is one bus word carrying all lanes (packed by `FixedFormat.pack_lanes`). Each
component costs one await per clock cycle, whatever the lane count, which is what keeps a
16-bit exhaustive sweep at a few seconds.

A framed stream (a Softmax unit's: `<prefix>_last` and `<prefix>_keep`, AXI-Stream tlast and
tkeep) carries its frame above the data in the bench's word: word = data | last << D |
keep << (D + 1), D the data width. The scoreboard splits it again (`split_frames`).

Sampling convention: a value read right after `RisingEdge(clk)` is the value the flops saw
at that edge, so `valid and ready` read there is exactly "a transfer happened at this edge".
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from cocotb.handle import SimHandleBase
from cocotb.triggers import RisingEdge
from cocotb.utils import get_sim_time
from cocotb_bus.bus import Bus


def stream_bus(dut: SimHandleBase, prefix: str, direction: str) -> Bus:
    """Bind `<prefix>_valid`, `_ready`, `_data` with lowRISC port suffixes, and `_last`, `_keep`
    where the DUT has them (a framed stream).

    direction "in" is a stream into the DUT (valid/data inputs, ready output).
    """
    into_dut = direction == "in"
    own = "i" if into_dut else "o"
    return Bus(dut, None, {
        "valid": f"{prefix}_valid_{own}",
        "ready": f"{prefix}_ready_{'o' if into_dut else 'i'}",
        "data": f"{prefix}_data_{own}",
    }, optional_signals={"last": f"{prefix}_last_{own}", "keep": f"{prefix}_keep_{own}"})


def has_frame_signals(bus: Bus) -> bool:
    return hasattr(bus, "last") and hasattr(bus, "keep")


def split_frames(words: list[int], data_bits: int) -> tuple[list[int], list[int]]:
    """Bench words of a framed stream -> (data words, frames: last | keep << 1)."""
    mask = (1 << data_bits) - 1
    return [w & mask for w in words], [w >> data_bits for w in words]


def join_frames(data: list[int], frames: list[int] | np.ndarray, data_bits: int) -> list[int]:
    """Inverse of split_frames."""
    return [d | (int(f) << data_bits) for d, f in zip(data, frames, strict=True)]


_LH_AS_01 = str.maketrans("LH", "01")


def unsigned_or_none(value: Any) -> int | None:
    """A signal value as an unsigned integer (L and H read as 0 and 1, as cocotb does), or None
    when any bit is X, Z, U, W or -. It reads the value's bit string once: `is_resolvable` on a
    LogicArray builds one Logic object per bit, which made the check of a 16-lane data bus most
    of a bench's run time."""
    bits = str(value).translate(_LH_AS_01)
    # strip() leaves nothing exactly when every character is a 0 or a 1.
    if not bits or bits.strip("01"):
        return None
    return int(bits, 2)


class ClockCycles:
    """Cycle number of the current time, the same for every component that asks."""

    def __init__(self, clock_period_ns: int) -> None:
        self.period = clock_period_ns

    def now(self) -> int:
        return int(get_sim_time("ns")) // self.period


@dataclass
class Transfers:
    """Beats seen at one interface, with the clock cycle of each handshake."""

    cycles: list[int] = field(default_factory=list)
    words: list[int] = field(default_factory=list)

    def clear(self) -> None:
        self.cycles.clear()
        self.words.clear()


class StreamStall(AssertionError):
    """The DUT stopped taking beats: raised by the source's watchdog."""


class StreamSource:
    """Drives beats into the DUT with random idle cycles between them.

    Watchdog: a beat offered for more than `stall_budget` consecutive cycles without being
    taken fails the test at once (StreamStall), naming the interface and the last beat taken,
    instead of hanging until the simulation's time limit. The bench derives the budget from
    what the unit can hold and how fast the sink drains it (checks.cycle_budget)."""

    def __init__(self, clk: SimHandleBase, bus: Bus, rng: random.Random, name: str = "input stream",
                 stall_budget: int = 20_000) -> None:
        self.clk, self.bus, self.rng, self.name = clk, bus, rng, name
        self.stall_budget = stall_budget
        self.sent = 0            # beats taken so far
        self.cycles_seen = 0     # edges this source has waited on
        self.last_taken_cycle: int | None = None
        self.bus.valid.value = 0
        self.framed = has_frame_signals(bus)
        self.data_bits = len(bus.data) if self.framed else 0

    def _drive(self, word: int) -> None:
        bus = self.bus
        if self.framed:
            bus.data.value = word & ((1 << self.data_bits) - 1)
            bus.last.value = (word >> self.data_bits) & 1
            bus.keep.value = word >> (self.data_bits + 1)
        else:
            bus.data.value = word

    async def send(self, words: list[int], idle_probability: float = 0.0) -> None:
        """Offers each word until it is taken; idle cycles fall only between transfers (a beat
        once offered is held, as the stream rules require of a sender)."""
        bus, rng = self.bus, self.rng
        index = 0
        offer = False
        waited = 0
        while index < len(words):
            offer = offer or idle_probability == 0.0 or rng.random() >= idle_probability
            if offer:
                self._drive(words[index])
            bus.valid.value = int(offer)
            await RisingEdge(self.clk)
            self.cycles_seen += 1
            if offer and bus.ready.value:
                index += 1
                self.sent += 1
                self.last_taken_cycle = self.cycles_seen
                offer = False
                waited = 0
            elif offer:
                waited += 1
                if waited > self.stall_budget:
                    bus.valid.value = 0
                    raise StreamStall(
                        f"{self.name}: beat {self.sent} (word {words[index]:#x}) offered for {waited} cycles "
                        f"without being taken (watchdog budget {self.stall_budget} cycles); {self.sent} "
                        f"beat(s) taken before it, the last at cycle {self.last_taken_cycle}")
        bus.valid.value = 0


class StreamMonitor:
    """Passively records every handshake on a stream interface, and checks the stream rules
    from outside (out of reset): valid and ready are never X, a beat offered and not taken is
    offered again at the next edge with the same data, and an offered beat's data is never X.
    Violations go to `protocol_errors` (the first MAX_PROTOCOL_ERRORS), which the base test
    asserts empty. Cycles with ready high and valid low go to `ready_idle_cycles`: the base test
    checks that no beat was due at any of them (the unit is never the bottleneck)."""

    MAX_PROTOCOL_ERRORS = 10

    def __init__(self, clk: SimHandleBase, bus: Bus, cycles: ClockCycles, name: str = "stream",
                 reset_n: SimHandleBase | None = None) -> None:
        self.clk, self.bus, self.clock, self.name, self.reset_n = clk, bus, cycles, name, reset_n
        self.transfers = Transfers()
        self.listeners: list = []
        self.protocol_errors: list[str] = []
        self.ready_idle_cycles: list[int] = []
        self._stalled: int | None = None   # data of a beat offered and not taken at the last edge
        self.framed = has_frame_signals(bus)
        self.data_bits = len(bus.data) if self.framed else 0
        self.frame_signals = (bus.last, bus.keep) if self.framed else ()

    def _word(self) -> int | None:
        """The beat's word (with its frame above the data), or None with X/Z bits."""
        word = unsigned_or_none(self.bus.data.value)
        if word is None:
            self._violation("data has X/Z bits while valid")
            return None
        if self.framed:
            last, keep = unsigned_or_none(self.bus.last.value), unsigned_or_none(self.bus.keep.value)
            if last is None or keep is None:
                self._violation("last/keep have X/Z bits while valid")
                return None
            word |= (last | keep << 1) << self.data_bits
        return word

    async def run(self) -> None:
        while True:
            await RisingEdge(self.clk)
            self._sample()
            self._after_edge()

    def _violation(self, text: str) -> None:
        if len(self.protocol_errors) < self.MAX_PROTOCOL_ERRORS:
            self.protocol_errors.append(f"{self.name}, cycle {self.clock.now()}: {text}")

    def _sample(self) -> None:
        bus = self.bus
        valid_v, ready_v = bus.valid.value, bus.ready.value
        if self.reset_n is not None and not (self.reset_n.value.is_resolvable and self.reset_n.value):
            self._stalled = None
            return
        if not (valid_v.is_resolvable and ready_v.is_resolvable):
            self._violation(f"valid/ready not 0 or 1 (valid {valid_v}, ready {ready_v})")
            self._stalled = None
            return
        valid, ready = bool(valid_v), bool(ready_v)
        word = None
        if valid:
            word = self._word()
        if self._stalled is not None:
            if not valid:
                self._violation("valid dropped before its beat was taken")
            elif word is not None and word != self._stalled:
                self._violation(f"data changed while stalled ({self._stalled:#x} -> {word:#x})")
        self._stalled = word if valid and not ready else None
        if ready and not valid:
            self.ready_idle_cycles.append(self.clock.now())
        if valid and ready and word is not None:
            cycle = self.clock.now()
            self.transfers.cycles.append(cycle)
            self.transfers.words.append(word)
            for listener in self.listeners:
                listener(cycle, word)

    def _after_edge(self) -> None:
        """Hook for components that also drive the interface."""


class StreamSink(StreamMonitor):
    """Receives a stream out of the DUT, applying random backpressure on ready."""

    def __init__(self, clk: SimHandleBase, bus: Bus, cycles: ClockCycles, rng: random.Random,
                 stall_probability: float = 0.0, name: str = "output stream",
                 reset_n: SimHandleBase | None = None) -> None:
        super().__init__(clk, bus, cycles, name, reset_n)
        self.rng = rng
        self.stall_probability = stall_probability
        self.bus.ready.value = 1

    def _after_edge(self) -> None:
        stall = self.stall_probability
        self.bus.ready.value = int(stall == 0.0 or self.rng.random() >= stall)


class WritePortMonitor:
    """Records every write on a write-enable port (LayerNorm's parameters, a table port): the
    clock cycle of the edge that samples the enable high, numbered as the stream monitors
    number their handshakes, with the port's other signals at that edge."""

    def __init__(self, clk: SimHandleBase, enable: SimHandleBase, fields: dict[str, SimHandleBase],
                 cycles: ClockCycles) -> None:
        self.clk, self.enable, self.fields, self.clock = clk, enable, fields, cycles
        self.writes: list[tuple[int, dict[str, int]]] = []

    async def run(self) -> None:
        while True:
            await RisingEdge(self.clk)
            if self.enable.value.is_resolvable and self.enable.value:
                self.writes.append((self.clock.now(), {k: int(v.value) for k, v in self.fields.items()}))
