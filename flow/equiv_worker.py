"""Yosys equivalence check of a unit against a mutated copy (flow/mutate.py), in a process of
its own. Prints one verdict line:

- EQUIVALENT (identical netlists): the two elaborate to the same netlist once logic that reaches
  no output is removed (a mutant in code that only computes parameters, in a generate condition
  that picks the same branch, or in a value nothing reads), up to the order Yosys lists objects
  in and the numbers it gives its own names (canonical_netlist);
- EQUIVALENT (module <name>, ...): the mutated file's module, at every parameter set the unit
  instantiates it with, is proved equal to the original on its own, with free inputs: a module
  whose registers form no loop (a pipeline) by a bounded proof from an undefined state (after it
  has flushed, its outputs are functions of its inputs, and equal), any other by equiv_induct
  from free state. Either is a stronger claim than the unit's equivalence and a much smaller
  proof (a mutant deep in a 16-lane unit);
- EQUIVALENT (top, submodules cut): a mutant in the top's own file; the top alone, with its
  submodule instances cut out (their inputs become outputs to prove equal, their outputs
  shared inputs; both sides must instantiate the same submodules with the same parameters),
  proved by equiv_induct;
- EQUIVALENT: equiv_induct proves every output of the whole unit equal;
- INVALID (...): Yosys cannot elaborate the mutant (an asynchronous reset tested with the wrong
  polarity, say), so it is not synthesisable RTL;
- NOT PROVED.

    python -m flow.equiv_worker request.json
    python -m flow.equiv_worker request.json --dump|--dump-purged gold|gate out.il [module]   (one netlist)
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# Sound rewrites only. For the comparison as text, what reaches no output goes too (a mutant there
# leaves the netlist alone); the proofs keep every name, which equiv_make pairs signals by.
ELABORATE = "proc; flatten -noscopeinfo; opt_clean; memory -nomap; memory_map; opt -fast"
PURGE = "; opt_clean -purge"
PROVE = "equiv_make gold gate equiv; hierarchy -top equiv; async2sync; equiv_simple -seq 5; equiv_induct -seq 5"
# Cycles a pipeline module's bounded proof unrolls: pipelines up to PIPELINE_STEPS - 1 deep.
PIPELINE_STEPS = 8
# The dump of a unit's top with its submodule instances cut out.
CUT = "--cut"


# A name Yosys numbers itself ends in, or holds, `$` and a counter: `$and$x.sv:12$345_Y`.
COUNTER = re.compile(r"\$(\d+)(?!\d)")


def canonical_netlist(path: Path, renamed: dict[str, str]) -> list[str]:
    """An elaborated netlist (write_rtlil) as a sorted list of its objects, equal for two netlists
    exactly when one is the other up to the order Yosys lists objects in and the counters it
    numbers its own names with. Yosys counts every object it creates, so an extra loop iteration
    whose logic reaches no output shifts the counters of everything created after it, and its
    hash tables list what survives in an order that depends on what was deleted.

    Sound because each step is a bijective renaming or a reordering: source positions go (src
    attributes; the mutated copy's path is read as the original's), cell names go (nothing in
    RTLIL refers to a cell by name), and each counter becomes its rank among the netlist's
    distinct counters (as written: `$07` and `$7` stay apart), an injective map applied to tokens
    that parse back the same way."""
    text = path.read_text()
    for copy, original in renamed.items():
        text = text.replace(copy, original)
    text = re.sub(r"^\s*attribute \\\w*src .*\n|^autoidx .*\n", "", text, flags=re.M)
    text = re.sub(r"^(  cell \S+) \S+$", r"\1", text, flags=re.M)
    counters = sorted(set(COUNTER.findall(text)), key=lambda n: (int(n), n))
    rank = {n: str(i) for i, n in enumerate(counters)}
    text = COUNTER.sub(lambda m: "$" + rank[m.group(1)], text)
    objects: list[str] = []
    attributes: list[str] = []
    body: list[str] | None = None
    for line in text.splitlines():
        if body is not None:
            body.append(line)
            if line == "  end":
                objects.append("\n".join(body))
                body = None
        elif line.startswith("  attribute "):
            attributes.append(line)
        elif line.startswith(("  cell ", "  process ")):
            body, attributes = [*attributes, line], []
        else:
            objects.append("\n".join([*attributes, line]))
            attributes = []
    if body is not None or attributes:
        raise ValueError(f"{path}: the netlist ends inside an object")
    return sorted(objects)


def dump(request_path: str, kind: str, out: Path, module: str = "", purge: bool = False
         ) -> subprocess.CompletedProcess[str]:
    """One side elaborated in a fresh process (so that Yosys numbers the cells it creates alike)."""
    return subprocess.run([sys.executable, "-m", "flow.equiv_worker", request_path,
                           "--dump-purged" if purge else "--dump", kind, str(out), *([module] if module else [])],
                          capture_output=True, text=True)


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


def run_dump(request_path: str, kind: str, out: str, module: str, purge: bool) -> None:
    """Writes one side's netlist: the whole unit, or (module given) the one instance of a
    mutated module named `module` in the elaborated hierarchy, flattened, as top, or (module
    CUT) the top alone with every submodule instance cut out: its inputs become the top's
    outputs and its outputs the top's inputs (expose -evert). A cut dump also writes the names
    of the submodules it cut, with their parameters, to <out>.cut."""
    from pyosys import libyosys as ys

    request = json.loads(Path(request_path).read_text())
    design = ys.Design()
    elaborate(ys, design, request, kind)
    if module == CUT:
        ys.run_pass("proc; opt_clean; memory -nomap; memory_map; opt -fast", design)
        top = design.top_module().name.str()
        Path(f"{out}.cut").write_text("\n".join(sorted(m.name.str() for m in design.modules_.values()
                                                        if m.name.str() != top)))
        ys.run_pass("rename -top TOP; expose -evert TOP; hierarchy -top TOP", design)
        ys.run_pass(f"write_rtlil {out}", design)
        return
    if module:
        ys.run_pass(f"rename {module} mutated_top; hierarchy -top mutated_top", design)
    ys.run_pass("rename -top TOP; " + ELABORATE + (PURGE if purge else ""), design)
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


def yosys_passes(script: str, log: Path) -> bool:
    """Runs a Yosys script in a process of its own (a failed assertion or proof ends a Yosys
    process, in Python too); True when every command succeeded."""
    proc = subprocess.run([shutil.which("yosys") or "yosys", "-q", "-l", str(log), "-p", script],
                          capture_output=True, text=True)
    return proc.returncode == 0


def load_pair(gold: Path, gate: Path) -> str:
    return f"read_rtlil {gold}; rename -top gold; design -stash gold; read_rtlil {gate}; rename -top gate; " \
           "design -stash gate; design -copy-from gold -as gold gold; design -copy-from gate -as gate gate; "


def prove(gold: Path, gate: Path) -> bool:
    """equiv_make / equiv_simple / equiv_induct, from free state."""
    return yosys_passes(load_pair(gold, gate) + PROVE + "; equiv_status -assert", gold.with_suffix(".induct.log"))


def prove_pipeline(gold: Path, gate: Path) -> bool:
    """For a module with no loop through its registers (a pipeline): from any state, after
    PIPELINE_STEPS - 1 cycles every output is a function of the inputs alone, and the two agree
    (a bounded proof from an undefined state, which for a pipeline no deeper than that is a
    complete one). False for a module with a register loop, or deeper, or different."""
    return yosys_passes(
        load_pair(gold, gate) + "miter -equiv -flatten -make_outputs gold gate miter; hierarchy -top miter; "
        "async2sync; scc -all_cell_types -select; select -assert-none %; select -clear; "
        f"sat -verify -seq {PIPELINE_STEPS} -prove-skip {PIPELINE_STEPS - 1} -prove trigger 0 -set-init-undef "
        "-set-def-inputs miter", gold.with_suffix(".pipeline.log"))


def verdict(request_path: str) -> str:
    request = json.loads(Path(request_path).read_text())
    renamed = {copy: original for original, copy in zip(request["gold"], request["gate"]) if copy != original}
    with tempfile.TemporaryDirectory() as tmp:
        gold, gate = Path(tmp) / "gold.il", Path(tmp) / "gate.il"
        proc = dump(request_path, "gold", gold, purge=True)
        if proc.returncode:
            raise SystemExit(f"the original does not elaborate in Yosys: {yosys_error(proc)}")
        proc = dump(request_path, "gate", gate, purge=True)
        if proc.returncode:
            return f"INVALID (Yosys cannot elaborate the mutant: {yosys_error(proc)})"
        if canonical_netlist(gold, {}) == canonical_netlist(gate, renamed):
            return "EQUIVALENT (identical netlists)"
        for kind, path in (("gold", gold), ("gate", gate)):
            if dump(request_path, kind, path).returncode:
                return "NOT PROVED"
        names = variants(request_path, mutated_modules(request))
        how: set[str] = set()
        if names:
            for i, name in enumerate(names):
                pair = Path(tmp) / f"gold{i}.il", Path(tmp) / f"gate{i}.il"
                if dump(request_path, "gold", pair[0], name).returncode or \
                        dump(request_path, "gate", pair[1], name).returncode:
                    break
                if prove_pipeline(*pair):
                    how.add("pipeline")
                elif prove(*pair):
                    how.add("induction")
                else:
                    break
            else:
                return (f"EQUIVALENT (module {names[0].split(chr(92))[-1]}, {len(names)} parameter set(s), "
                        f"{' and '.join(sorted(how))})")
        elif only_the_top_mutated(request) and top_cut_equivalent(request_path, Path(tmp)):
            return "EQUIVALENT (top, submodules cut)"
        return "EQUIVALENT" if prove(gold, gate) else "NOT PROVED"


def only_the_top_mutated(request: dict[str, Any]) -> bool:
    """The mutated file defines the top and nothing else (so every submodule is the same code on
    both sides)."""
    changed = [copy for original, copy in zip(request["gold"], request["gate"]) if copy != original]
    return len(changed) == 1 and re.findall(r"^\s*module\s+(\w+)", Path(changed[0]).read_text(), re.M) == \
        [request["top"]]


def top_cut_equivalent(request_path: str, tmp: Path) -> bool:
    """A mutant in the top's own file: the top alone, every submodule instance cut out, proved
    by induction. Sound when both sides instantiate the same submodules with the same
    parameters (checked): their inputs must then be equal (they are outputs of the cut top),
    and their outputs, equal functions of equal inputs, are shared inputs."""
    gold, gate = tmp / "gold_cut.il", tmp / "gate_cut.il"
    for kind, path in (("gold", gold), ("gate", gate)):
        if dump(request_path, kind, path, CUT).returncode:
            return False
    same_parts = Path(f"{gold}.cut").read_text() == Path(f"{gate}.cut").read_text()
    return same_parts and prove(gold, gate)


def main() -> None:
    if len(sys.argv) in (5, 6) and sys.argv[2] in ("--dump", "--dump-purged"):
        run_dump(sys.argv[1], sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) == 6 else "",
                 purge=sys.argv[2] == "--dump-purged")
        return
    result = verdict(sys.argv[1])
    print(result)
    if result == "NOT PROVED":
        raise SystemExit(1)


if __name__ == "__main__":
    main()
