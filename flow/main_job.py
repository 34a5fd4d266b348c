"""The main job (`make`): fit the tables, generate the SV, run every unit's bench, report.

Prints, per function, the fitted float table's error next to the optimal N-entry table, and per
unit the RTL's measured error (real and LSB), throughput and latency; writes
build/report/report.md with PNG plots of the error across the input range.

    python -m flow.main_job [--units gelu softmax ...] [unit options] [--seed N]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from flow.cli import add_run_arguments, add_unit_options, check_options_apply, fail, unit_config
from flow.report import (FIT_HEADER, UNIT_HEADER, ErrorPlot, FitRow, UnitSummary, fit_rows, text_table,
                         unit_rows, write_report)
from flow.runner import BenchRun, run_bench, stream_model
from models.reference import function_spec
from models.paths import BUILD_DIR
from models.units import UnitConfig, fit_cached, quantized_table
from tb.common.spec import UnitSpec
from tb.registry import UNITS

FIT_FUNCTIONS = ("gelu", "silu", "exp", "recip", "rsqrt", "exp2_neg")
NNLUT_UNITS = [name for name, spec in UNITS.items() if spec.method == "NN-LUT"]


def table_notes(spec: UnitSpec, config: Any) -> str:
    """The fitted tables the configuration uses: fitted (optimal) max error."""
    if spec.tables is None:
        return "-"
    if isinstance(config, UnitConfig) and config.fit == "l2":
        _, fit = quantized_table(config)
        return (f"{config.function} least squares, max {fit['l2_max_error']:.2e} quantized "
                f"(minimax opt {fit['optimal_error']:.2e})")
    notes = []
    for function, entries, lo, hi in spec.tables(config):
        fit = fit_cached(function, entries, lo, hi)
        notes.append(f"{function} {fit['error']:.2e} (opt {fit['optimal_error']:.2e})")
    return "; ".join(notes)


def summarize(spec: UnitSpec, config: Any, run: BenchRun) -> UnitSummary:
    """Max and element-weighted mean error over the unit's accuracy tests, and its rate test's
    full-rate figures."""
    model = stream_model(spec.target(config), run.build_dir / "gen")
    stats = [run.results(t)["rtl_error"] for t in spec.accuracy_tests]
    count = sum(s["count"] for s in stats)
    rate = run.results(spec.rate_test)["rate"]
    latency = f"{rate['latency']}{' per row' if rate['per_row'] else ''}"
    return UnitSummary(spec.name, config_text(spec, config), str(model.in_fmt), str(model.out_fmt),
                       max(s["max_abs"] for s in stats), max(s["max_lsb"] for s in stats),
                       sum(s["mean_abs"] * s["count"] for s in stats) / count,
                       sum(s["mean_lsb"] * s["count"] for s in stats) / count,
                       table_notes(spec, config), rate["elements_per_cycle"], latency,
                       sum(run.test_seconds.get(t, math.nan) for t in spec.tests))


def config_text(spec: UnitSpec, config: Any) -> str:
    """The options that differ from the unit's defaults (or "defaults")."""
    default = spec.config()
    changed = [f"{k} {getattr(config, k)}" for k in spec.options() if getattr(config, k) != getattr(default, k)]
    return ", ".join(changed) or "defaults"


def error_plot(spec: UnitSpec, config: Any, run: BenchRun) -> ErrorPlot:
    model = stream_model(spec.target(config), run.build_dir / "gen")
    target = spec.error_target(config) if spec.error_target else None
    bound, label = target if target else (None, "")
    x_meaning = "every input code" if spec.row_option is None else "x = input element"
    return ErrorPlot(f"{spec.name}: {config_text(spec, config)} ({spec.plot_test}; {x_meaning})",
                     run.results_dir / f"{spec.plot_test}.npz", model.in_fmt, model.out_fmt, bound, label)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", nargs="+", default=NNLUT_UNITS, choices=list(UNITS),
                        help=f"units to run (default: the NN-LUT ones, {' '.join(NNLUT_UNITS)})")
    parser.add_argument("--entries-for-fits", type=int, default=16, help="entries of the fit table")
    add_unit_options(parser)
    add_run_arguments(parser)
    parser.add_argument("--report-dir", type=Path, default=BUILD_DIR / "report")
    args = parser.parse_args()
    command = "python -m flow.main_job " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    started = time.monotonic()
    try:
        # Every configuration first, so a bad option is reported before any long work starts.
        runs = []
        check_options_apply([UNITS[name] for name in args.units], args)
        for name in args.units:
            spec = UNITS[name]
            base = unit_config(spec, args, applicable_only=True)
            runs.append((spec, base))
            runs += [(spec, dataclasses.replace(base, **variant))
                     for variant in spec.variants if any(getattr(base, k) != v for k, v in variant.items())]
        entries = args.entries if args.entries is not None else args.entries_for_fits
        fits = []
        for name in FIT_FUNCTIONS:
            fspec = function_spec(name)
            f = fit_cached(name, entries, fspec.lo, fspec.hi)
            fits.append(FitRow(name, entries, fspec.lo, fspec.hi, f["network_error"], f["error"],
                               f["optimal_error"], f["ratio"], f["fit_seconds"]))
        print("Float tables (max abs error on the range):")
        print(text_table(FIT_HEADER, fit_rows(fits)), "\n", flush=True)
        summaries, plots = [], {}
        for spec, config in runs:
            target = spec.target(config)
            print(f"{spec.name}: building and running {len(spec.tests)} bench tests ({target.tag}) ...", flush=True)
            run = run_bench(target, testcase=list(spec.tests), seed=args.seed, waves=bool(args.waves), sim=args.sim)
            if run.failed or run.tests != len(spec.tests):
                fail(f"{spec.name}: {run.failed} of {run.tests} bench tests failed; log: {run.build_dir / 'sim.log'}")
            summaries.append(summarize(spec, config, run))
            plots.setdefault(spec.name, error_plot(spec, config, run))
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
