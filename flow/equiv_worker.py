"""Yosys equivalence check of a unit against a mutated copy (flow/mutate.py), in a process of
its own: prints EQUIVALENT when equiv_induct proves every output equal.

    python -m flow.equiv_worker request.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    from pyosys import libyosys as ys

    request = json.loads(Path(sys.argv[1]).read_text())
    design = ys.Design()
    includes = " ".join(f"-I{d}" for d in request["includes"])
    params = " ".join(f"-set {k} {v}" for k, v in request["params"].items())
    top = request["top"]

    def load(kind: str) -> None:
        ys.run_pass(f"read_verilog -defer -sv {includes} " + " ".join(request[kind]), design)
        if params:
            ys.run_pass(f"chparam {params} {top}", design)
        ys.run_pass(f"hierarchy -top {top}", design)
        ys.run_pass(f"rename -top {kind}", design)
        ys.run_pass(f"proc; flatten; opt_clean; memory -nomap; memory_map; opt -fast; design -stash {kind}", design)

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
