"""pyuvm environment shared by every unit's bench (layered as pyuvm's TinyALU).

    sequence (blocks of input codes) -> sequencer -> driver -> StreamSource -> DUT
    DUT -> StreamMonitor (input side) -> scoreboard, coverage
    DUT -> StreamSink (output side, random backpressure) -> scoreboard

The scoreboard checks every output bit-exact against the integer model, keeps error
statistics against the float64 reference, classifies lost/duplicated/reordered beats and
measures latency and throughput. Expected values come from `models`, never from the DUT.

The bench is configured by one JSON file named in $NNLUT_BENCH_CONFIG (written by
flow/runner.py), so the same test module runs under pytest, the main job and rtl_eval.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import cocotb
import numpy as np
import pyuvm
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles as WaitCycles
from cocotb.triggers import RisingEdge

from models.fixedpoint import FixedFormat
from tb.common.checks import Coverage, bottleneck_cycles, check_stream, cycle_budget, error_stats, timing_stats
from tb.common.stream import ClockCycles, StreamMonitor, StreamSink, StreamSource, join_frames, split_frames, stream_bus

CLOCK_PERIOD_NS = 10
CONFIG_ENV = "NNLUT_BENCH_CONFIG"


# ----------------------------------------------------------------------------------------
# Bench configuration and the model the scoreboard predicts with
# ----------------------------------------------------------------------------------------

class StreamModel(Protocol):
    """What the scoreboard predicts with. Arrays are (beats, lanes) of codes, in stream order;
    a row unit's model sees whole rows as consecutive beats."""

    lanes: int
    latency: int | None     # fixed beat latency to check at full rate, or None

    @property
    def in_fmt(self) -> FixedFormat: ...

    @property
    def out_fmt(self) -> FixedFormat: ...

    def predict(self, codes: np.ndarray) -> np.ndarray: ...

    def reference(self, codes: np.ndarray) -> np.ndarray: ...

    def coverage(self, codes: np.ndarray) -> Coverage: ...


def is_framed(model: StreamModel) -> bool:
    """A model of a unit with framed streams (rows delimited by last/keep, tb/common/stream.py)."""
    return bool(getattr(model, "framed", False))


def pack_beats(model: StreamModel, codes: np.ndarray) -> list[int]:
    """Bus words of (beats, lanes) codes, or of (beats, lanes + 1) for a framed unit whose last
    column is each beat's frame (last | keep << 1)."""
    codes = np.asarray(codes, dtype=np.int64)
    lanes = model.lanes
    if codes.shape[1] == lanes + 1:
        if not is_framed(model):
            raise ValueError(f"beats of {lanes} lanes plus a frame column for a unit without framed streams")
        return join_frames(model.in_fmt.pack_lanes(codes[:, :lanes]), codes[:, lanes], lanes * model.in_fmt.width)
    return model.in_fmt.pack_lanes(codes)


def unpack_beats(model: StreamModel, fmt: FixedFormat, words: list[int]) -> tuple[np.ndarray, np.ndarray | None]:
    """(beats, lanes) codes of bus words, and for a framed unit each beat's frame (else None)."""
    if not is_framed(model):
        return fmt.unpack_lanes(words, model.lanes), None
    data, frames = split_frames(words, model.lanes * fmt.width)
    return fmt.unpack_lanes(data, model.lanes), np.asarray(frames, dtype=np.int64)


def watchdog_cycles(model: StreamModel, stall_probability: float, beats: int) -> int:
    """The watchdog's budget (checks.cycle_budget) for `beats` beats owed by a unit described by
    its model: an element-wise unit holds its latency's worth of beats; a row unit up to about
    three rows (its x and e queues) and a row latency, and a framed one may need its
    row_interval per beat (rows of one beat behind a sequential divider)."""
    if hasattr(model, "row_latency"):
        row_beats = int(model.row_beats)  # type: ignore[attr-defined]
        latency = int(model.row_latency)  # type: ignore[attr-defined]
        held = 3 * row_beats + latency
        per_beat = float(getattr(model, "row_interval", 1))
    else:
        latency = int(model.latency or 0)
        held, per_beat = latency + 2, 1.0
    return cycle_budget(latency, held + beats, stall_probability, per_beat)


def due_cycles(model: StreamModel, in_cycles: list[int], frames: np.ndarray | None = None) -> np.ndarray | None:
    """The earliest cycle each output beat may leave by the model's documented timing (a row
    model says so itself; an element-wise one by its fixed latency), or None if undocumented."""
    if hasattr(model, "due_cycles"):
        if frames is not None:
            return model.due_cycles(np.asarray(in_cycles, dtype=np.int64), frames)
        return model.due_cycles(np.asarray(in_cycles, dtype=np.int64))
    if model.latency is None:
        return None
    return np.asarray(in_cycles, dtype=np.int64) + model.latency


@dataclass
class BenchConfig:
    """The bench's settings file: traffic, results folder and how to build the model."""

    settings: dict[str, Any]
    lanes: int
    results_dir: Path
    idle_probability: float
    stall_probability: float

    @staticmethod
    def from_env() -> "BenchConfig":
        path = os.environ.get(CONFIG_ENV)
        if not path:
            raise RuntimeError(f"${CONFIG_ENV} is not set: run the bench through flow/runner.py "
                               "(make sim, make test, the main job or rtl_eval)")
        data = json.loads(Path(path).read_text())
        return BenchConfig(settings=data, lanes=int(data["lanes"]), results_dir=Path(data["results_dir"]),
                           idle_probability=float(data["idle_probability"]),
                           stall_probability=float(data["stall_probability"]))

    def model(self) -> StreamModel:
        """Calls the factory named "module:function" in the settings."""
        module_name, _, factory = self.settings["model_factory"].partition(":")
        return getattr(importlib.import_module(module_name), factory)(self.settings)


# ----------------------------------------------------------------------------------------
# Sequence layer
# ----------------------------------------------------------------------------------------

class CodeBlock(pyuvm.uvm_sequence_item):
    """A block of beats: a (beats, lanes) array of input codes. One item carries many beats
    so that the sequencer handshake is not paid per element."""

    def __init__(self, name: str, codes: np.ndarray) -> None:
        super().__init__(name)
        self.codes = codes

    def __str__(self) -> str:
        return f"{self.get_name()}: {self.codes.shape[0]} beats x {self.codes.shape[1]} lanes"


class CodeBlockSequence(pyuvm.uvm_sequence):
    def __init__(self, name: str, blocks: list[tuple[str, np.ndarray]]) -> None:
        super().__init__(name)
        self.blocks = blocks

    async def body(self) -> None:
        for label, codes in self.blocks:
            item = CodeBlock(label, codes)
            await self.start_item(item)
            await self.finish_item(item)


def lanes_of(codes: np.ndarray, lanes: int, pad_code: int = 0) -> np.ndarray:
    """Reshape a flat code array to (beats, lanes), padding the last beat with pad_code."""
    flat = np.asarray(codes, dtype=np.int64).reshape(-1)
    beats = -(-flat.size // lanes)
    padded = np.full(beats * lanes, pad_code, dtype=np.int64)
    padded[:flat.size] = flat
    return padded.reshape(beats, lanes)


# ----------------------------------------------------------------------------------------
# Agent components
# ----------------------------------------------------------------------------------------

class StreamDriver(pyuvm.uvm_driver):
    def build_phase(self) -> None:
        self.bench: BenchHandles = pyuvm.ConfigDB().get(self, "", "BENCH")

    async def run_phase(self) -> None:
        bench = self.bench
        while True:
            item = await self.seq_item_port.get_next_item()
            words = pack_beats(bench.model, item.codes)
            await bench.source.send(words, bench.config.idle_probability)
            self.seq_item_port.item_done()


class TransferCollector(pyuvm.uvm_component):
    """Starts a signal-level monitor and republishes every beat on an analysis port."""

    def __init__(self, name: str, parent: pyuvm.uvm_component, monitor: StreamMonitor) -> None:
        super().__init__(name, parent)
        self.monitor = monitor

    def build_phase(self) -> None:
        self.ap = pyuvm.uvm_analysis_port("ap", self)
        self.monitor.listeners.append(lambda cycle, word: self.ap.write((cycle, word)))

    def start_of_simulation_phase(self) -> None:
        cocotb.start_soon(self.monitor.run())


class BeatLog(pyuvm.uvm_subscriber):
    """Keeps the beats of one interface for the end-of-test check (vectorised there)."""

    def build_phase(self) -> None:
        self.cycles: list[int] = []
        self.words: list[int] = []
        self.epochs: list[int] = []
        self.epoch = 0

    def write(self, tt: tuple[int, int]) -> None:
        self.cycles.append(tt[0])
        self.words.append(tt[1])
        self.epochs.append(self.epoch)


class CoverageCollector(pyuvm.uvm_subscriber):
    """Segment and saturation coverage of the inputs the DUT accepted."""

    def build_phase(self) -> None:
        self.bench: BenchHandles = pyuvm.ConfigDB().get(self, "", "BENCH")
        self.words: list[int] = []
        self.coverage = Coverage()

    def write(self, tt: tuple[int, int]) -> None:
        self.words.append(tt[1])

    def forget_last(self, count: int) -> None:
        """Drop the last `count` unsampled inputs (a reset discarded them)."""
        if count > 0:
            del self.words[max(0, len(self.words) - count):]

    def sample(self, model: StreamModel) -> None:
        """Bins the inputs seen since the last call with the model then in use."""
        if not self.words:
            return
        codes, frames = unpack_beats(model, model.in_fmt, self.words)
        self.words = []
        self.coverage.merge(model.coverage(codes) if frames is None else model.coverage(codes, frames))


class Scoreboard(pyuvm.uvm_component):
    def build_phase(self) -> None:
        self.bench: BenchHandles = pyuvm.ConfigDB().get(self, "", "BENCH")
        self.inputs = BeatLog("inputs", self)
        self.outputs = BeatLog("outputs", self)
        self.models: list[StreamModel] = [self.bench.model]
        self.results: dict[str, Any] = {}
        # A reset mid-stream voids the beats' timing, so the bottleneck check is skipped.
        self.reset_mid_stream = False
        self.expected_override: np.ndarray | None = None
        self.compared: np.ndarray | None = None
        self.frames_in: np.ndarray | None = None

    def switch_model(self, model: StreamModel) -> None:
        """Inputs accepted from now on are predicted with `model` (pipeline must be empty)."""
        self.models.append(model)
        self.inputs.epoch = self.outputs.epoch = len(self.models) - 1

    def expect(self, codes: np.ndarray, compared: np.ndarray | None = None) -> None:
        """The test's own expected outputs, (beats, lanes) codes, for outputs that depend on
        timing the model cannot see (a parameter written while rows stream); the test builds them
        from the model and the recorded cycles, never from the DUT's outputs. `compared` (one
        bool per beat) leaves out beats the design documents as undefined (a row in flight
        while its table is rewritten): their number must still match, their values are not
        compared, and the count left out is reported."""
        self.expected_override = np.asarray(codes, dtype=np.int64)
        self.compared = None if compared is None else np.asarray(compared, dtype=bool)

    def forget(self, inputs_kept: int, outputs_kept: int) -> None:
        """Forget every input beat from index inputs_kept and output beat from outputs_kept on:
        a reset discarded those inputs, so neither they nor any output they might still produce
        is expected (such an output then shows as a surplus beat)."""
        self.reset_mid_stream = True
        for log, keep in ((self.inputs, inputs_kept), (self.outputs, outputs_kept)):
            del log.words[keep:]
            del log.cycles[keep:]
            del log.epochs[keep:]

    def check_phase(self) -> None:
        lanes = self.bench.config.lanes
        model0 = self.models[0]
        x, frames_in = unpack_beats(model0, model0.in_fmt, self.inputs.words)
        y, frames_out = unpack_beats(model0, model0.out_fmt, self.outputs.words)
        epochs = np.asarray(self.inputs.epochs, dtype=np.int64)
        expected = np.empty_like(x)
        reference = np.empty(x.shape, dtype=np.float64)
        for epoch, model in enumerate(self.models):
            sel = epochs == epoch
            if frames_in is None:
                expected[sel] = model.predict(x[sel])
                reference[sel] = model.reference(x[sel])
            else:
                expected[sel] = model.predict(x[sel], frames_in[sel])
                reference[sel] = model.reference(x[sel], frames_in[sel])
        if self.expected_override is not None:
            assert self.expected_override.shape == expected.shape, \
                f"the test's expected outputs have shape {self.expected_override.shape}, the inputs {expected.shape}"
            expected = self.expected_override
        self.frames_in = frames_in
        if frames_in is not None:
            # The framing is checked with the data, beat for beat: a last column of frames.
            assert frames_out is not None
            self.results["frames_in"] = frames_in
            expected = np.hstack([expected, model0.frames_out(frames_in)[:, None]])
            y = np.hstack([y, frames_out[:, None]])
        if self.compared is not None and len(y) == len(expected):
            self.results["beats_not_compared"] = int((~self.compared).sum())
            integrity = check_stream(expected[self.compared], y[self.compared])
        else:
            integrity = check_stream(expected, y)
        self.results["integrity"] = integrity.to_dict()
        if frames_in is not None:
            y, expected = y[:, :lanes], expected[:, :lanes]
        self.results["inputs"] = x
        self.results["outputs"] = y
        self.results["reference"] = reference
        if len(y):
            n = min(len(x), len(y))
            self.results["rtl_error"] = error_stats(model0.in_fmt.to_real(x[:n]), y[:n], reference[:n],
                                                    model0.out_fmt).to_dict()
            self.results["model_error"] = error_stats(model0.in_fmt.to_real(x), expected, reference,
                                                      model0.out_fmt).to_dict()
            self.results["timing"] = timing_stats(self.inputs.cycles, self.outputs.cycles,
                                                  lanes).to_dict()
        self.logger.info(f"integrity: {integrity.to_dict()}")
        if not integrity.ok:
            self.logger.error(f"first bad beat {integrity.first_bad_beat}: "
                              f"{integrity.mismatching_elements} element(s) differ from the model")
        assert integrity.ok, f"scoreboard: RTL output differs from the integer model: {integrity.to_dict()}"
        self.check_never_bottleneck()

    def check_never_bottleneck(self) -> None:
        """Whenever the sink was ready and a beat was due (see due_cycles), a beat left."""
        due = None if self.reset_mid_stream else due_cycles(self.models[0], self.inputs.cycles, self.frames_in)
        if due is None:
            self.logger.info("bottleneck check skipped: " +
                             ("reset mid-stream" if self.reset_mid_stream else "no documented latency"))
            return
        idle, owed = bottleneck_cycles(np.asarray(self.outputs.cycles), np.asarray(self.bench.sink.ready_idle_cycles),
                                       due)
        self.results["bottleneck_cycles"] = int(idle.size)
        assert not idle.size, (
            f"output stream: the unit was the bottleneck at {idle.size} cycle(s): the sink was ready and "
            f"nothing left, though a beat was due; first at cycle {idle[0]}: beat {owed[0]} due since cycle "
            f"{due[owed[0]]} by the documented latency")


@dataclass
class BenchHandles:
    """What the components share: the DUT's interfaces and the configuration."""

    dut: Any
    config: BenchConfig
    model: StreamModel
    source: StreamSource
    input_monitor: StreamMonitor
    sink: StreamSink


class ElementwiseEnv(pyuvm.uvm_env):
    def build_phase(self) -> None:
        bench: BenchHandles = pyuvm.ConfigDB().get(self, "", "BENCH")
        self.sequencer = pyuvm.uvm_sequencer("sequencer", self)
        self.driver = StreamDriver("driver", self)
        self.input_collector = TransferCollector("input_monitor", self, bench.input_monitor)
        self.output_collector = TransferCollector("output_monitor", self, bench.sink)
        self.scoreboard = Scoreboard("scoreboard", self)
        self.coverage = CoverageCollector("coverage", self)

    def connect_phase(self) -> None:
        self.driver.seq_item_port.connect(self.sequencer.seq_item_export)
        self.input_collector.ap.connect(self.scoreboard.inputs.analysis_export)
        self.input_collector.ap.connect(self.coverage.analysis_export)
        self.output_collector.ap.connect(self.scoreboard.outputs.analysis_export)


# ----------------------------------------------------------------------------------------
# Base test
# ----------------------------------------------------------------------------------------

class StreamTest(pyuvm.uvm_test):
    """Clock, reset, stimulus from `blocks()`, drain, checks, results file.

    Subclasses override `blocks()` (and optionally `stimulus()` for multi-phase tests),
    plus `idle_probability`/`stall_probability` to override the configured traffic."""

    idle_probability: float | None = None
    stall_probability: float | None = None
    # Coverage bins this test must hit: a bin name, or a family "name[" (every declared member).
    # A family of tests names its own bins; a unit's test adds its unit's (extra_coverage).
    required_coverage: tuple[str, ...] = ()
    extra_coverage: tuple[str, ...] = ()

    def build_phase(self) -> None:
        config = BenchConfig.from_env()
        if self.idle_probability is not None:
            config.idle_probability = self.idle_probability
        if self.stall_probability is not None:
            config.stall_probability = self.stall_probability
        dut = cocotb.top
        self.seed = cocotb.RANDOM_SEED
        self.rng = random.Random(self.seed)
        self.np_rng = np.random.default_rng(self.seed)
        cycles = ClockCycles(CLOCK_PERIOD_NS)
        model = config.model()
        self.bench = BenchHandles(
            dut=dut, config=config, model=model,
            source=StreamSource(dut.clk_i, stream_bus(dut, "in", "in"), self.rng,
                                stall_budget=watchdog_cycles(model, config.stall_probability, 0)),
            input_monitor=StreamMonitor(dut.clk_i, stream_bus(dut, "in", "in"), cycles, "input stream",
                                        dut.rst_ni),
            sink=StreamSink(dut.clk_i, stream_bus(dut, "out", "out"), cycles, self.rng,
                            config.stall_probability, "output stream", dut.rst_ni))
        pyuvm.ConfigDB().set(None, "*", "BENCH", self.bench)
        self.env = ElementwiseEnv("env", self)

    def end_of_elaboration_phase(self) -> None:
        c = self.bench.config
        global_seed = os.environ.get("COCOTB_RANDOM_SEED", "(not set: see cocotb's seeding line)")
        self.logger.info(f"{type(self).__name__}: test seed {self.seed}, derived from "
                         f"COCOTB_RANDOM_SEED={global_seed} and the test name (rerun with that "
                         f"seed to reproduce), lanes {c.lanes}, idle {c.idle_probability}, "
                         f"stall {c.stall_probability}, model {c.settings['model_factory']}")

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        raise NotImplementedError

    async def reset(self) -> None:
        """Reset with every input stream idle and every write port quiet, then restore what
        the test relies on (after_reset)."""
        await self.pulse_reset()
        await self.after_reset()

    async def pulse_reset(self) -> None:
        dut = self.bench.dut
        dut.rst_ni.value = 0
        dut.in_valid_i.value = 0
        for port in ("tbl_we_i", "param_we_i"):
            if hasattr(dut, port):
                getattr(dut, port).value = 0
        await WaitCycles(dut.clk_i, 2)
        dut.rst_ni.value = 1
        await RisingEdge(dut.clk_i)

    async def after_reset(self) -> None:
        """Hook: restore what a reset cleared and the test relies on (per-channel constants)."""

    async def run_blocks(self, blocks: list[tuple[str, np.ndarray]]) -> None:
        seq = CodeBlockSequence("stimulus", blocks)
        await seq.start(self.env.sequencer)
        await self.drain()

    async def drain(self, timeout_cycles: int = 0) -> None:
        """Wait until every accepted beat has come out, or give up after the watchdog's budget
        for the beats still owed (the scoreboard then counts them as lost)."""
        log_in, log_out = self.env.scoreboard.inputs, self.env.scoreboard.outputs
        timeout_cycles = timeout_cycles or watchdog_cycles(
            self.bench.model, self.bench.config.stall_probability, len(log_in.words) - len(log_out.words))
        for _ in range(timeout_cycles):
            if len(log_out.words) >= len(log_in.words):
                break
            await RisingEdge(self.bench.dut.clk_i)
        else:
            last = log_out.cycles[-1] if log_out.cycles else None
            self.logger.error(f"output stream: {len(log_in.words) - len(log_out.words)} beat(s) still owed "
                              f"{timeout_cycles} cycles after the last input; last output beat at cycle {last}")
        await WaitCycles(self.bench.dut.clk_i, 5)  # would catch spurious extra beats

    async def stimulus(self) -> None:
        await self.run_blocks(self.blocks())

    async def run_phase(self) -> None:
        self.raise_objection()
        Clock(self.bench.dut.clk_i, CLOCK_PERIOD_NS, unit="ns").start()
        await self.reset()
        self.start_cycle = self.bench.input_monitor.clock.now()
        await self.stimulus()
        self.env.coverage.sample(self.env.scoreboard.models[-1])
        self.drop_objection()

    def required_bins(self) -> tuple[str, ...]:
        """The bins this test must hit; override where they depend on the configuration."""
        return (*self.required_coverage, *self.extra_coverage)

    def check_phase(self) -> None:
        violations = self.bench.input_monitor.protocol_errors + self.bench.sink.protocol_errors
        assert not violations, "stream rule violations: " + "; ".join(violations)
        holes = self.env.coverage.coverage.missing(self.required_bins())
        assert not holes, f"coverage holes: {holes}"

    def report_phase(self) -> None:
        sb = self.env.scoreboard
        results = {k: v for k, v in sb.results.items() if not isinstance(v, np.ndarray)}
        results["required_coverage"] = list(self.required_bins())
        results["coverage"] = self.env.coverage.coverage.bins
        results["seed"] = self.seed
        results["test"] = type(self).__name__
        c = self.bench.config
        c.results_dir.mkdir(parents=True, exist_ok=True)
        (c.results_dir / f"{type(self).__name__}.json").write_text(json.dumps(results, indent=1))
        if "inputs" in sb.results:
            np.savez_compressed(c.results_dir / f"{type(self).__name__}.npz",
                                inputs=sb.results["inputs"], outputs=sb.results["outputs"],
                                reference=sb.results["reference"])
        for key in ("rtl_error", "timing", "rate"):
            if key in results:
                self.logger.info(f"{key}: {results[key]}")


async def send_without_drain(test: StreamTest, blocks: list[tuple[str, np.ndarray]]) -> None:
    """Send blocks and return once the last beat is accepted, without waiting for outputs
    (run_blocks drains, which would let rows in flight finish)."""
    await CodeBlockSequence("stimulus", blocks).start(test.env.sequencer)
    # The monitor records a handshake at the edge after the driver returns.
    await RisingEdge(test.bench.dut.clk_i)


async def write_port(dut: Any, enable: str, writes: list[dict[str, int]]) -> None:
    """One write per cycle through a unit's write port: `enable` high with the given signals'
    values (two's complement, masked to each signal's width), then low for a cycle. With the
    enable low the other signals carry random values (cocotb's seeded `random`), so that a
    port that writes without its enable corrupts an entry the bench then reads."""
    we = getattr(dut, enable)
    for fields in writes:
        we.value = 1
        for name, value in fields.items():
            signal = getattr(dut, name)
            signal.value = int(value) & ((1 << len(signal)) - 1)
        await RisingEdge(dut.clk_i)
    we.value = 0
    for name in {name for fields in writes for name in fields}:
        signal = getattr(dut, name)
        signal.value = random.getrandbits(len(signal))
    await RisingEdge(dut.clk_i)


def register_tests(module_name: str, base: type, family: ModuleType, tests: dict[str, dict[str, Any]],
                   **test_options: Any) -> None:
    """Register a bench family's tests for one unit: test `name` is family.<name> run on the
    unit's base test (its generators, coverage and bounds), with the given class attributes and
    pyuvm.test options. Called from the unit's test module with its __name__, where cocotb then
    finds the tests."""
    module = sys.modules[module_name]
    here = sys.modules[__name__]
    for name, attrs in tests.items():
        family_test = getattr(family, name)
        test = type(name, (family_test, base), {"__module__": module_name, "__qualname__": name,
                                                "__doc__": family_test.__doc__, **attrs})
        pyuvm.test(**test_options)(test)
        # pyuvm puts the cocotb test into the module that applied the decorator (this one).
        setattr(module, f"__{name}", getattr(here, f"__{name}"))
        delattr(here, f"__{name}")
        setattr(module, name, test)


def record_rate(test: StreamTest, elements_per_cycle: float, latency: int, per_row: bool) -> None:
    """The full-rate figures every unit's rate test leaves for the flows (main job, report):
    elements per cycle and the latency in cycles (per element, or per row for row units)."""
    test.env.scoreboard.results["rate"] = {"elements_per_cycle": float(elements_per_cycle),
                                           "latency": int(latency), "per_row": bool(per_row)}


STREAM_FILE_ENV, STREAM_OUT_ENV = "NNLUT_STREAM_FILE", "NNLUT_STREAM_OUT"
STREAM_FILE_MISSING = os.environ.get(STREAM_FILE_ENV) is None


class StreamFileTest(StreamTest):
    """Streams the codes of $NNLUT_STREAM_FILE (.npy, whole rows for row units) at full rate
    and saves the output codes to $NNLUT_STREAM_OUT (rtl_eval). The scoreboard
    still checks every output against the model. Each unit's test module registers it with
    `@pyuvm.test(skip=STREAM_FILE_MISSING)`."""

    idle_probability = 0.0
    stall_probability = 0.0

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        codes = np.load(os.environ[STREAM_FILE_ENV])
        if codes.ndim == 2:  # beats as they are, with a frame column for a framed unit
            return [("file", codes)]
        return [("file", lanes_of(codes, self.bench.model.lanes))]

    def report_phase(self) -> None:
        super().report_phase()
        np.save(os.environ[STREAM_OUT_ENV], self.env.scoreboard.results["outputs"].reshape(-1))
