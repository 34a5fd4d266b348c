"""Run one unit's bench (`make sim UNIT=...`), optionally writing an FST waveform.

    python -m flow.sim gelu --lanes 4 --waves 1 [--test ExhaustiveSweep]
    python -m flow.sim ibert_softmax --row-length 128 --lanes 4
"""

from __future__ import annotations

import argparse
import json
import random
import xml.etree.ElementTree as ET
from pathlib import Path

from flow.cli import add_run_arguments, add_unit_options, fail, unit_config
from flow.runner import run_bench
from tb.registry import UNITS


def failure_reasons(results_xml: Path) -> dict[str, str]:
    """Why each failed test failed, as cocotb recorded it: the exception's type and the first
    line of its message (a simulation that crashed may leave no record)."""
    if not results_xml.exists():
        return {}
    try:
        root = ET.parse(results_xml).getroot()
    except ET.ParseError:
        return {}
    reasons = {}
    for case in root.iter("testcase"):
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        if failure is not None:
            message = (failure.get("message") or "").strip().splitlines()
            reasons[case.get("name", "?")] = ": ".join(
                part for part in (failure.get("type", ""), message[0] if message else "") if part) or "failed"
    return reasons


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("unit", nargs="?", default="gelu", choices=list(UNITS))
    add_unit_options(parser)
    add_run_arguments(parser, default_seed=None)
    parser.add_argument("--test", action="append", default=None,
                        help="bench test to run (repeatable; default: all of the unit's tests)")
    args = parser.parse_args()
    spec = UNITS[args.unit]
    tests = args.test or list(spec.tests)
    unknown = [t for t in tests if t not in spec.tests and t != "StreamFile"]
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    try:
        if unknown:
            raise ValueError(f"{args.unit} has no bench test {', '.join(unknown)}; its tests: {', '.join(spec.tests)}")
        target = spec.target(unit_config(spec, args))
        print(f"{args.unit} ({target.tag}): seed {seed} (reproduce with --seed {seed}, or SEED={seed} for make sim)",
              flush=True)
        run = run_bench(target, testcase=tests, seed=seed, waves=bool(args.waves), sim=args.sim)
    except (ValueError, RuntimeError) as err:
        fail(str(err))
    reasons = failure_reasons(run.build_dir / "results.xml")
    for test in tests:
        path = run.results_dir / f"{test}.json"
        if test in reasons:
            print(f"{test}: FAILED: {reasons[test]}")
        elif path.exists():
            r = json.loads(path.read_text())
            err = r.get("rtl_error", {})
            print(f"{test}: bit-exact={r['integrity']['ok']} max err {err.get('max_abs', float('nan')):.3e} "
                  f"({err.get('max_lsb', float('nan')):.2f} LSB) rate {r.get('rate', '-')}")
        else:
            print(f"{test}: FAILED before writing results (the simulation stopped; see the log)")
    print(f"{run.tests - run.failed}/{run.tests} bench tests passed in {run.seconds:.1f} s; "
          f"log {run.build_dir / 'sim.log'}")
    if run.waves:
        print(f"waveform: {run.waves}  (gtkwave {run.waves}  or  surfer {run.waves})")
    if run.failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
