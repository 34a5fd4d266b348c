#!/usr/bin/env python3
"""The main job (`make`): fit the tables, generate the SV, run the benches, report.

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

from models.cli import add_run_arguments, add_unit_arguments, config_from_args, fail  # noqa: E402
from models.reference import function_spec  # noqa: E402
from models.units import BUILD_DIR, fit_cached  # noqa: E402
from tb.common.report import (FIT_HEADER, UNIT_HEADER, FitRow, UnitRow, fit_rows,  # noqa: E402
                              text_table, unit_rows, write_report)

FIT_FUNCTIONS = ("gelu", "exp", "recip", "rsqrt")
UNIT_TESTS = ["ExhaustiveSweep", "FullRate", "Backpressure", "TableWrite"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("unit", nargs="?", default="gelu", choices=["gelu"])
    add_unit_arguments(parser)
    add_run_arguments(parser, default_seed=20261123)
    parser.add_argument("--report-dir", type=Path, default=BUILD_DIR / "report")
    args = parser.parse_args()
    command = "python scripts/main_job.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    started = time.monotonic()
    try:
        config = config_from_args(args.unit, args)
        fits = []
        for name in FIT_FUNCTIONS:
            spec = function_spec(name)
            f = fit_cached(name, config.entries, spec.lo, spec.hi)
            fits.append(FitRow(name, config.entries, spec.lo, spec.hi, f["network_error"], f["error"],
                               f["optimal_error"], f["ratio"], f["fit_seconds"]))
        print("Float tables (max abs error on the range):")
        print(text_table(FIT_HEADER, fit_rows(fits)), "\n", flush=True)

        from tb.common.runner import run_bench

        run = run_bench(config, testcase=UNIT_TESTS,
                        seed=args.seed, waves=bool(args.waves), sim=args.sim)
    except (ValueError, RuntimeError) as err:
        fail(str(err))
    if run.failed or run.tests != len(UNIT_TESTS):
        fail(f"{run.failed} of {run.tests} bench tests failed; log: {run.build_dir / 'sim.log'}")
    lo, hi = config.fit_range
    unit = UnitRow(config, run.results("ExhaustiveSweep"), run.results("FullRate"),
                   fit_cached(config.function, config.entries, lo, hi),
                   run.test_seconds.get("ExhaustiveSweep", float("nan")),
                   run.results_dir / "ExhaustiveSweep.npz")
    print("Units (RTL, exhaustive sweep; throughput and latency at full rate):")
    print(text_table(UNIT_HEADER, unit_rows([unit])), "\n")
    report = write_report(args.report_dir, fits, [unit], command)
    print(f"report: {report}")
    if run.waves:
        print(f"waveform: {run.waves}  (open with: gtkwave {run.waves}  or  surfer {run.waves})")
    print(f"main job: {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
