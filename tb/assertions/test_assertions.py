"""Each kind of assertion, broken on purpose (run by flow/tests/test_assertions.py, which expects
every test here but `clean_traffic` to stop the simulation with the named assertion)."""

from __future__ import annotations

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge


async def start(dut) -> None:
    for port in ("probe_valid_i", "probe_ready_i", "probe_data_i", "push_i", "pop_i", "pipe_valid_i"):
        getattr(dut, port).value = 0
    dut.pipe_ready_i.value = 1
    dut.rst_ni.value = 0
    cocotb.start_soon(Clock(dut.clk_i, 10, unit="ns").start())
    await ClockCycles(dut.clk_i, 2)
    dut.rst_ni.value = 1
    await RisingEdge(dut.clk_i)


async def offer_stalled(dut) -> None:
    """A beat offered while the sink is not ready."""
    dut.probe_valid_i.value = 1
    dut.probe_data_i.value = 0x5A
    dut.probe_ready_i.value = 0
    await RisingEdge(dut.clk_i)


@cocotb.test()
async def clean_traffic(dut) -> None:
    """Legal traffic on every port: nothing fires."""
    await start(dut)
    await offer_stalled(dut)
    await ClockCycles(dut.clk_i, 3)
    dut.probe_ready_i.value = 1
    await RisingEdge(dut.clk_i)
    dut.probe_valid_i.value = 0
    dut.push_i.value = 1
    await ClockCycles(dut.clk_i, 2)
    dut.push_i.value = 0
    dut.pop_i.value = 1
    await ClockCycles(dut.clk_i, 2)
    dut.pop_i.value = 0
    dut.pipe_valid_i.value = 1
    dut.pipe_ready_i.value = 0
    await ClockCycles(dut.clk_i, 4)
    dut.pipe_ready_i.value = 1
    await RisingEdge(dut.clk_i)
    dut.pipe_valid_i.value = 0
    await ClockCycles(dut.clk_i, 4)


async def break_rule(dut, offer_first: bool, **ports: int) -> None:
    """Out of reset, optionally offer a beat the sink does not take, then set `ports`."""
    await start(dut)
    if offer_first:
        await offer_stalled(dut)
    for port, value in ports.items():
        getattr(dut, port).value = value
    await ClockCycles(dut.clk_i, 4)


@cocotb.test()
async def valid_dropped(dut) -> None:
    await break_rule(dut, True, probe_valid_i=0)


@cocotb.test()
async def data_changed(dut) -> None:
    await break_rule(dut, True, probe_data_i=0xA5)


@cocotb.test()
async def fifo_overflow(dut) -> None:
    await break_rule(dut, False, push_i=1)


@cocotb.test()
async def fifo_underflow(dut) -> None:
    await break_rule(dut, False, pop_i=1)


@cocotb.test()
async def pipeline_bubble(dut) -> None:
    """One element in a stalled 2-stage pipeline leaves a free stage: it must take another
    (legal traffic: fires only on a pipeline that does not fill bubbles)."""
    await break_rule(dut, False, pipe_ready_i=0, pipe_valid_i=1)
