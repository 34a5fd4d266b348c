#!/usr/bin/env python3
"""The main job (`make`): fit the tables, generate the SV, run every unit's bench, report.

Prints, per function, the fitted float table's error next to the optimal N-entry table,
and per unit the RTL's measured error (real and LSB), throughput and latency; writes
build/report/report.md with PNG plots of the error across the input range.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.cli import add_run_arguments, add_unit_arguments, fail  # noqa: E402
from models.reference import function_spec  # noqa: E402
from models.units import BUILD_DIR, fit_cached  # noqa: E402
from tb.common.report import (FIT_HEADER, UNIT_HEADER, FitRow, fit_rows, text_table,  # noqa: E402
                              unit_rows, write_report)
from tb.units import UNITS, add_all_unit_arguments  # noqa: E402

FIT_FUNCTIONS = ("gelu", "exp", "recip", "rsqrt", "exp2_neg")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", nargs="+", default=list(UNITS), choices=list(UNITS))
    add_unit_arguments(parser)
    add_all_unit_arguments(parser)
    add_run_arguments(parser, default_seed=20261123)
    parser.add_argument("--report-dir", type=Path, default=BUILD_DIR / "report")
    args = parser.parse_args()
    command = "python scripts/main_job.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    started = time.monotonic()
    from tb.common.runner import run_bench

    summaries, plots = [], {}
    try:
        fits = []
        for name in FIT_FUNCTIONS:
            spec = function_spec(name)
            f = fit_cached(name, args.entries, spec.lo, spec.hi)
            fits.append(FitRow(name, args.entries, spec.lo, spec.hi, f["network_error"], f["error"],
                               f["optimal_error"], f["ratio"], f["fit_seconds"]))
        print("Float tables (max abs error on the range):")
        print(text_table(FIT_HEADER, fit_rows(fits)), "\n", flush=True)
        # Issue 3 compares the range-reduced exp with the paper's direct wide-range table, so
        # Softmax runs in both modes (the direct one as its own build and line).
        runs = [(name, args) for name in args.units]
        if "softmax" in args.units and args.exp_mode == "range_reduced":
            runs.append(("softmax", argparse.Namespace(**{**vars(args), "exp_mode": "direct"})))
        for name, unit_args in runs:
            kind = UNITS[name]
            target = kind.target(unit_args)
            print(f"{name}: building and running {len(kind.tests)} bench tests ({target.tag}) ...", flush=True)
            run = run_bench(target, testcase=kind.tests, seed=args.seed, waves=bool(args.waves), sim=args.sim)
            if run.failed or run.tests != len(kind.tests):
                fail(f"{name}: {run.failed} of {run.tests} bench tests failed; log: {run.build_dir / 'sim.log'}")
            summaries.append(kind.summarize(target, run))
            plots.setdefault(name, kind.plot(target, run))
            if run.waves:
                print(f"  waveform: {run.waves}  (gtkwave {run.waves}  or  surfer {run.waves})")
    except (ValueError, RuntimeError) as err:
        fail(str(err))
    print("\nUnits (RTL; errors over every bench output, throughput and latency at full rate):")
    print(text_table(UNIT_HEADER, unit_rows(summaries)), "\n")
    report = write_report(args.report_dir, fits, summaries, plots, command)
    print(f"report: {report}")
    print(f"main job: {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
