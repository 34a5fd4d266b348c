"""Yosys equivalence check of a unit against a mutated copy (flow/mutate.py), in a process of
its own: prints EQUIVALENT when the two elaborate to the same netlist (a mutant in code that only
computes parameters, or in a generate condition that picks the same branch), or else when
equiv_induct proves every output equal.

    python -m flow.equiv_worker request.json
    python -m flow.equiv_worker request.json --dump gold|gate out.il   (one elaborated netlist)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path


def netlist_text(path: Path, renamed: dict[str, str]) -> str:
    """An elaborated netlist without its source positions (src, cell_src ...: the mutated copy is
    another file), and with the copy's path read as the original's wherever a name holds it."""
    text = re.sub(r"^\s*attribute \\\w*src .*$", "", path.read_text(), flags=re.M)
    for copy, original in renamed.items():
        text = text.replace(copy, original)
    return text


def same_netlist(request_path: str) -> bool:
    """Gold and gate elaborated each in a fresh process (so that Yosys numbers the cells it
    creates alike) and compared as text."""
    request = json.loads(Path(request_path).read_text())
    renamed = {copy: original for original, copy in zip(request["gold"], request["gate"]) if copy != original}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("gold", "gate"):
            subprocess.run([sys.executable, "-m", "flow.equiv_worker", request_path, "--dump", kind,
                            f"{tmp}/{kind}.il"], check=True, capture_output=True)
        return netlist_text(Path(tmp) / "gold.il", {}) == netlist_text(Path(tmp) / "gate.il", renamed)


def main() -> None:
    from pyosys import libyosys as ys

    request = json.loads(Path(sys.argv[1]).read_text())
    design = ys.Design()
    includes = " ".join(f"-I{d}" for d in request["includes"])
    params = " ".join(f"-set {k} {v}" for k, v in request["params"].items())
    top = request["top"]

    def load(kind: str, stash: bool = True) -> None:
        ys.run_pass(f"read_verilog -defer -sv {includes} " + " ".join(request[kind]), design)
        if params:
            ys.run_pass(f"chparam {params} {top}", design)
        ys.run_pass(f"hierarchy -top {top}", design)
        ys.run_pass(f"rename -top {'TOP' if not stash else kind}", design)
        ys.run_pass("proc; flatten; opt_clean; memory -nomap; memory_map; opt -fast" +
                    (f"; design -stash {kind}" if stash else ""), design)

    if len(sys.argv) == 5 and sys.argv[2] == "--dump":
        load(sys.argv[3], stash=False)
        ys.run_pass(f"write_rtlil {sys.argv[4]}", design)
        return
    if same_netlist(sys.argv[1]):
        print("EQUIVALENT (identical netlists)")
        return
    load("gold")
    load("gate")
    ys.run_pass("design -copy-from gold -as gold gold; design -copy-from gate -as gate gate", design)
    ys.run_pass("equiv_make gold gate equiv; hierarchy -top equiv; async2sync; equiv_simple -seq 5; "
                "equiv_induct -seq 5", design)
    try:
        ys.run_pass("equiv_status -assert", design)
    except Exception:  # noqa: BLE001 - yosys reports unproven cells by raising
        print("NOT PROVED")
        raise SystemExit(1) from None
    print("EQUIVALENT")


if __name__ == "__main__":
    main()
