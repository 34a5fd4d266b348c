#!/usr/bin/env python3
"""Run one unit's bench (`make sim UNIT=...`), optionally writing an FST waveform.

    python scripts/run_bench.py gelu --lanes 4 --waves 1 [--test ExhaustiveSweep]
    python scripts/run_bench.py softmax --row-length 128 --lanes 4
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.cli import add_run_arguments, add_unit_arguments, fail  # noqa: E402
from tb.units import UNITS, add_all_unit_arguments  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("unit", nargs="?", default="gelu", choices=sorted(UNITS))
    add_unit_arguments(parser)
    add_all_unit_arguments(parser)
    add_run_arguments(parser, default_seed=None)
    parser.add_argument("--test", action="append", default=None,
                        help="bench test to run (repeatable; default: all of the unit's tests)")
    args = parser.parse_args()
    from tb.common.runner import run_bench

    kind = UNITS[args.unit]
    tests = args.test or kind.tests
    try:
        run = run_bench(kind.target(args), testcase=tests, seed=args.seed, waves=bool(args.waves), sim=args.sim)
    except (ValueError, RuntimeError) as err:
        fail(str(err))
    for test in tests:
        path = run.results_dir / f"{test}.json"
        if path.exists():
            r = json.loads(path.read_text())
            err = r.get("rtl_error", {})
            print(f"{test}: bit-exact={r['integrity']['ok']} max err {err.get('max_abs', float('nan')):.3e} "
                  f"({err.get('max_lsb', float('nan')):.2f} LSB) timing {r.get('timing')}")
    print(f"{run.tests - run.failed}/{run.tests} bench tests passed in {run.seconds:.1f} s; "
          f"log {run.build_dir / 'sim.log'}")
    if run.waves:
        print(f"waveform: {run.waves}  (gtkwave {run.waves}  or  surfer {run.waves})")
    if run.failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
