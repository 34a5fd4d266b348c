"""Yosys equivalence check of a unit against a mutated copy (flow/mutate.py), in a process of
its own. Prints one verdict line:

- EQUIVALENT (identical netlists): the two elaborate to the same netlist once logic that reaches
  no output is removed (a mutant in code that only computes parameters, in a generate condition
  that picks the same branch, or in a value nothing reads);
- EQUIVALENT (module <name>): the mutated file's module, at every parameter set the unit
  instantiates it with, is proved equal to the original by equiv_induct on its own, with free
  inputs and free state. That is a stronger claim than the unit's equivalence and a much smaller
  proof (a mutant deep in a 16-lane unit);
- EQUIVALENT: equiv_induct proves every output of the whole unit equal;
- INVALID (...): Yosys cannot elaborate the mutant (an asynchronous reset tested with the wrong
  polarity, say), so it is not synthesisable RTL;
- NOT PROVED.

    python -m flow.equiv_worker request.json
    python -m flow.equiv_worker request.json --dump gold|gate out.il [module]   (one netlist)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# Sound rewrites only: what reaches no output goes, so a mutant there leaves the netlist alone.
NORMALISE = "proc; flatten; opt_clean; memory -nomap; memory_map; opt -fast; opt_clean -purge"
PROVE = "equiv_make gold gate equiv; hierarchy -top equiv; async2sync; equiv_simple -seq 5; equiv_induct -seq 5"


def netlist_text(path: Path, renamed: dict[str, str]) -> str:
    """An elaborated netlist without its source positions (src, cell_src ...: the mutated copy is
    another file), and with the copy's path read as the original's wherever a name holds it."""
    text = re.sub(r"^\s*attribute \\\w*src .*$", "", path.read_text(), flags=re.M)
    for copy, original in renamed.items():
        text = text.replace(copy, original)
    return text


def dump(request_path: str, kind: str, out: Path, module: str = "") -> subprocess.CompletedProcess[str]:
    """One side elaborated in a fresh process (so that Yosys numbers the cells it creates alike)."""
    return subprocess.run([sys.executable, "-m", "flow.equiv_worker", request_path, "--dump", kind, str(out),
                           *([module] if module else [])], capture_output=True, text=True)


def yosys_error(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in (proc.stdout + proc.stderr).splitlines() if "ERROR" in line]
    return (lines or ["Yosys failed"])[0][:200]


def elaborate(ys: Any, design: Any, request: dict[str, Any], kind: str) -> None:
    includes = " ".join(f"-I{d}" for d in request["includes"])
    params = " ".join(f"-set {k} {v}" for k, v in request["params"].items())
    ys.run_pass(f"read_verilog -defer -sv {includes} " + " ".join(request[kind]), design)
    if params:
        ys.run_pass(f"chparam {params} {request['top']}", design)
    ys.run_pass(f"hierarchy -top {request['top']}", design)


def mutated_modules(request: dict[str, Any]) -> list[str]:
    """Names of the modules the mutated file defines (none if the mutant is in the top's file)."""
    changed = [copy for original, copy in zip(request["gold"], request["gate"]) if copy != original]
    names = re.findall(r"^\s*module\s+(\w+)", Path(changed[0]).read_text(), re.M) if changed else []
    return [] if request["top"] in names else names


def run_dump(request_path: str, kind: str, out: str, module: str) -> None:
    """Writes one side's netlist: the whole unit, or (module given) the one instance of a
    mutated module named `module` in the elaborated hierarchy, flattened, as top."""
    from pyosys import libyosys as ys

    request = json.loads(Path(request_path).read_text())
    design = ys.Design()
    elaborate(ys, design, request, kind)
    if module:
        ys.run_pass(f"rename {module} mutated_top; hierarchy -top mutated_top", design)
    ys.run_pass("rename -top TOP; " + NORMALISE, design)
    ys.run_pass(f"write_rtlil {out}", design)


def variants(request_path: str, modules: list[str]) -> list[str]:
    """The elaborated names of the mutated modules, one per parameter set the unit uses."""
    from pyosys import libyosys as ys

    request = json.loads(Path(request_path).read_text())
    design = ys.Design()
    elaborate(ys, design, request, "gold")
    found = []
    for module in design.modules_.values():
        name = module.name.str()
        base = name.split("\\")[-1] if name.startswith("$paramod") else name.lstrip("\\")
        if base in modules:
            found.append(name)
    return found


def prove(gold: Path, gate: Path) -> bool:
    from pyosys import libyosys as ys

    design = ys.Design()
    for kind, path in (("gold", gold), ("gate", gate)):
        ys.run_pass(f"read_rtlil {path}; rename -top {kind}; design -stash {kind}", design)
    ys.run_pass("design -copy-from gold -as gold gold; design -copy-from gate -as gate gate", design)
    ys.run_pass(PROVE, design)
    try:
        ys.run_pass("equiv_status -assert", design)
    except Exception:  # noqa: BLE001 - yosys reports unproven cells by raising
        return False
    return True


def verdict(request_path: str) -> str:
    request = json.loads(Path(request_path).read_text())
    renamed = {copy: original for original, copy in zip(request["gold"], request["gate"]) if copy != original}
    with tempfile.TemporaryDirectory() as tmp:
        gold, gate = Path(tmp) / "gold.il", Path(tmp) / "gate.il"
        proc = dump(request_path, "gold", gold)
        if proc.returncode:
            raise SystemExit(f"the original does not elaborate in Yosys: {yosys_error(proc)}")
        proc = dump(request_path, "gate", gate)
        if proc.returncode:
            return f"INVALID (Yosys cannot elaborate the mutant: {yosys_error(proc)})"
        if netlist_text(gold, {}) == netlist_text(gate, renamed):
            return "EQUIVALENT (identical netlists)"
        names = variants(request_path, mutated_modules(request))
        if names:
            for i, name in enumerate(names):
                pair = Path(tmp) / f"gold{i}.il", Path(tmp) / f"gate{i}.il"
                if dump(request_path, "gold", pair[0], name).returncode or \
                        dump(request_path, "gate", pair[1], name).returncode or not prove(*pair):
                    break
            else:
                return f"EQUIVALENT (module {names[0].split(chr(92))[-1]}, {len(names)} parameter set(s))"
        return "EQUIVALENT" if prove(gold, gate) else "NOT PROVED"


def main() -> None:
    if len(sys.argv) in (5, 6) and sys.argv[2] == "--dump":
        run_dump(sys.argv[1], sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) == 6 else "")
        return
    result = verdict(sys.argv[1])
    print(result)
    if result == "NOT PROVED":
        raise SystemExit(1)


if __name__ == "__main__":
    main()
