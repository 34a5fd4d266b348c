"""Signal-level valid/ready stream components shared by every unit's bench.

A beat is one bus word carrying all lanes (packed by `FixedFormat.pack_lanes`). Each
component costs one await per clock cycle, whatever the lane count, which is what keeps a
16-bit exhaustive sweep at a few seconds.

Sampling convention: a value read right after `RisingEdge(clk)` is the value the flops saw
at that edge, so `valid and ready` read there is exactly "a transfer happened at this edge".
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from cocotb.handle import SimHandleBase
from cocotb.triggers import RisingEdge
from cocotb.utils import get_sim_time
from cocotb_bus.bus import Bus


def stream_bus(dut: SimHandleBase, prefix: str, direction: str) -> Bus:
    """Bind `<prefix>_valid`, `_ready`, `_data` with lowRISC port suffixes.

    direction "in" is a stream into the DUT (valid/data inputs, ready output).
    """
    into_dut = direction == "in"
    return Bus(dut, None, {
        "valid": f"{prefix}_valid_{'i' if into_dut else 'o'}",
        "ready": f"{prefix}_ready_{'o' if into_dut else 'i'}",
        "data": f"{prefix}_data_{'i' if into_dut else 'o'}",
    })


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


class StreamSource:
    """Drives beats into the DUT with random idle cycles between them."""

    def __init__(self, clk: SimHandleBase, bus: Bus, rng: random.Random) -> None:
        self.clk, self.bus, self.rng = clk, bus, rng
        self.bus.valid.value = 0

    async def send(self, words: list[int], idle_probability: float = 0.0) -> None:
        bus, rng = self.bus, self.rng
        index = 0
        while index < len(words):
            offer = idle_probability == 0.0 or rng.random() >= idle_probability
            if offer:
                bus.data.value = words[index]
            bus.valid.value = int(offer)
            await RisingEdge(self.clk)
            if offer and bus.ready.value:
                index += 1
        bus.valid.value = 0


class StreamMonitor:
    """Passively records every handshake on a stream interface."""

    def __init__(self, clk: SimHandleBase, bus: Bus, cycles: ClockCycles) -> None:
        self.clk, self.bus, self.clock = clk, bus, cycles
        self.transfers = Transfers()
        self.listeners: list = []

    async def run(self) -> None:
        while True:
            await RisingEdge(self.clk)
            self._sample()
            self._after_edge()

    def _sample(self) -> None:
        bus = self.bus
        if bus.valid.value and bus.ready.value:
            word = bus.data.value.to_unsigned()
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
                 stall_probability: float = 0.0) -> None:
        super().__init__(clk, bus, cycles)
        self.rng = rng
        self.stall_probability = stall_probability
        self.bus.ready.value = 1

    def _after_edge(self) -> None:
        stall = self.stall_probability
        self.bus.ready.value = int(stall == 0.0 or self.rng.random() >= stall)
