#!/usr/bin/env python3
"""`make synth`: synthesize every unit with Yosys at the same widths and lanes.

Reports cell count, estimated transistor count (`stat -tech cmos` after mapping to simple
CMOS gates) and logic depth (longest combinational path, `ltp -noff`), and writes
build/synth/results.json for the report.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.cli import fail  # noqa: E402
from models.units import BUILD_DIR, UnitConfig  # noqa: E402
from tb.common.report import text_table  # noqa: E402
from tb.common.runner import BenchTarget, ElementwiseTarget  # noqa: E402
from tb.common.synth import synthesize  # noqa: E402


def synthesis_targets(lanes: int, entries: int) -> dict[str, BenchTarget]:
    """Every unit, NN-LUT and baselines, at the same lanes (the comparison's list)."""
    from tb.compare import METHODS

    # Row units at the comparison's short rows (tb/compare.py SYNTH_ROW_LENGTH): their
    # flip-flop row buffers make full-length rows take tens of minutes each.
    targets = {f"{m.op}/{m.method}": (m.synth_target or m.target)(lanes) for m in METHODS}
    targets["gelu/NN-LUT"] = ElementwiseTarget(UnitConfig(function="gelu", entries=entries, lanes=lanes))
    return targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lanes", type=int, default=1)
    parser.add_argument("--entries", type=int, default=16)
    parser.add_argument("--out", type=Path, default=BUILD_DIR / "synth" / "results.json")
    args = parser.parse_args()
    rows, results = [], {}
    try:
        for name, target in synthesis_targets(args.lanes, args.entries).items():
            r = synthesize(target)
            results[name] = r.to_dict()
            rows.append([name, r.top, str(r.cells), str(r.transistors), str(r.logic_depth), f"{r.seconds:.1f}"])
            print(f"{name}: {r.cells} cells, ~{r.transistors} transistors, depth {r.logic_depth}", flush=True)
    except (RuntimeError, ValueError) as err:
        fail(str(err))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"lanes": args.lanes, "entries": args.entries, "units": results}, indent=1))
    print(text_table(["unit/method", "top", "cells", "transistors", "logic depth", "s"], rows))
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
