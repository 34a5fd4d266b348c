"""The units the scripts know: options, bench target, bench tests and summary per unit.

Adding a unit here makes it available to `make sim UNIT=...`, the main job, `make lint` and
scripts/rtl_eval.py.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from models.units import UnitConfig, fit_cached
from tb.common.runner import BenchRun, BenchTarget, ElementwiseTarget


@dataclass(frozen=True)
class UnitSummary:
    """One line of the main job's table, every figure from a bench run."""

    unit: str
    params: str
    in_fmt: str
    out_fmt: str
    max_abs: float
    max_lsb: float
    mean_abs: float
    mean_lsb: float
    tables: str            # the fitted tables the unit uses: refined vs optimal error
    elements_per_cycle: float
    latency: str
    test_seconds: float


@dataclass(frozen=True)
class UnitKind:
    name: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    target: Callable[[argparse.Namespace], BenchTarget]
    tests: list[str]
    summarize: Callable[[BenchTarget, BenchRun], UnitSummary]
    plot: Callable[[BenchTarget, BenchRun], Any]   # -> tb.common.report.ErrorPlot
    rows: bool              # rtl_eval: input is 2-D, one row per line


def _table_note(function: str, entries: int, lo: float, hi: float) -> str:
    fit = fit_cached(function, entries, lo, hi)
    return f"{function} {fit['error']:.2e} (opt {fit['optimal_error']:.2e})"


def _combined_error(run: BenchRun, tests: list[str]) -> tuple[float, float, float, float]:
    """Max and element-weighted mean error over the given bench tests."""
    stats = [run.results(t)["rtl_error"] for t in tests]
    count = sum(s["count"] for s in stats)
    mean_abs = sum(s["mean_abs"] * s["count"] for s in stats) / count
    mean_lsb = sum(s["mean_lsb"] * s["count"] for s in stats) / count
    return max(s["max_abs"] for s in stats), max(s["max_lsb"] for s in stats), mean_abs, mean_lsb


# ------------------------------------------------------------------------------ GELU

GELU_TESTS = ["ExhaustiveSweep", "FullRate", "Backpressure", "TableWrite"]


def _gelu_target(args: argparse.Namespace) -> BenchTarget:
    from models.cli import config_from_args

    return ElementwiseTarget(config_from_args("gelu", args))


def _gelu_summary(target: BenchTarget, run: BenchRun) -> UnitSummary:
    assert isinstance(target, ElementwiseTarget)
    c = target.config
    sweep, rate = run.results("ExhaustiveSweep"), run.results("FullRate")
    err, timing = sweep["rtl_error"], rate["timing"]
    lo, hi = c.fit_range
    return UnitSummary("gelu", f"entries {c.entries}, lanes {c.lanes}", str(c.in_fmt), str(c.out_fmt),
                       err["max_abs"], err["max_lsb"], err["mean_abs"], err["mean_lsb"],
                       _table_note("gelu", c.entries, lo, hi), timing["elements_per_cycle"],
                       f"{timing['latency_min']}", run.test_seconds.get("ExhaustiveSweep", math.nan))


def _gelu_plot(target: BenchTarget, run: BenchRun) -> Any:
    from tb.common.report import ErrorPlot

    assert isinstance(target, ElementwiseTarget)
    c = target.config
    lo, hi = c.fit_range
    opt = fit_cached("gelu", c.entries, lo, hi)["optimal_error"]
    return ErrorPlot(f"gelu: {c.entries} entries, in {c.in_fmt}, out {c.out_fmt} (every input code)",
                     run.results_dir / "ExhaustiveSweep.npz", c.in_fmt, c.out_fmt, opt,
                     f"optimal {c.entries}-entry table: ±{opt:.2e}")


# ------------------------------------------------------------------------------ Softmax

SOFTMAX_TESTS = ["RandomRows", "EqualRows", "DominantRows", "ExtremeRows", "FullRateRows",
                 "BackpressureRows", "ResetMidRow"]


def _softmax_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("softmax")
    group.add_argument("--row-length", type=int, default=128, help="softmax row length N")
    group.add_argument("--exp-mode", choices=["range_reduced", "direct"], default="range_reduced")


def _softmax_config(args: argparse.Namespace, row_length: int | None = None) -> Any:
    from models.softmax import SoftmaxConfig

    return SoftmaxConfig(row_length=row_length or args.row_length, lanes=args.lanes,
                         entries=args.entries, exp_mode=args.exp_mode)


def _softmax_target(args: argparse.Namespace) -> BenchTarget:
    from tb.softmax.target import SoftmaxTarget

    return SoftmaxTarget(_softmax_config(args))


def _softmax_summary(target: BenchTarget, run: BenchRun) -> UnitSummary:
    c = target.config  # type: ignore[attr-defined]
    max_abs, max_lsb, mean_abs, mean_lsb = _combined_error(run, SOFTMAX_TESTS)
    rows = run.results("FullRateRows")["rows"]
    table = ("exp2_neg", 0.0, 1.0) if c.exp_mode == "range_reduced" else ("exp", -16.0, 0.0)
    tables = f"{_table_note(table[0], c.entries, table[1], table[2])}; {_table_note('recip', c.entries, 1.0, 2.0)}"
    return UnitSummary("softmax", f"N {c.row_length}, entries {c.entries}, lanes {c.lanes}, {c.exp_mode}",
                       str(c.in_fmt), str(c.out_fmt), max_abs, max_lsb, mean_abs, mean_lsb, tables,
                       min(rows["in_elements_per_cycle"], rows["out_elements_per_cycle"]),
                       f"{rows['row_latency_max']} per row", sum(run.test_seconds.values()))


def _softmax_plot(target: BenchTarget, run: BenchRun) -> Any:
    from models.softmax import ACCURACY_TARGET
    from tb.common.report import ErrorPlot

    c = target.config  # type: ignore[attr-defined]
    return ErrorPlot(f"softmax: N {c.row_length}, {c.entries} entries, {c.exp_mode} exp "
                     "(attention-like rows; x = logit)", run.results_dir / "RandomRows.npz",
                     c.in_fmt, c.out_fmt, ACCURACY_TARGET, f"target ±{ACCURACY_TARGET:g}")


# ------------------------------------------------------------------------------ LayerNorm

LAYERNORM_TESTS = ["RandomRows", "ConstantRows", "OutlierRows", "FullScaleRows", "ProgrammedParams",
                   "Backpressure", "Throughput", "RowLatency", "ResetMidRow"]
# Tests whose rows use gamma = 1, beta = 0: the accuracy figures (ProgrammedParams' random
# gamma and beta are checked bit-exact only; its float reference saturates differently).
LAYERNORM_ACCURACY_TESTS = ["RandomRows", "ConstantRows", "OutlierRows", "FullScaleRows"]


def _layernorm_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("layernorm")
    group.add_argument("--dim", type=int, default=384, help="layernorm row length D")


def _layernorm_config(args: argparse.Namespace, dim: int | None = None) -> Any:
    from models.layernorm import LayerNormConfig

    return LayerNormConfig(dim=dim or args.dim, lanes=args.lanes, entries=args.entries)


def _layernorm_target(args: argparse.Namespace) -> BenchTarget:
    from tb.layernorm.target import LayerNormTarget

    return LayerNormTarget(_layernorm_config(args))


def _layernorm_summary(target: BenchTarget, run: BenchRun) -> UnitSummary:
    from models.layernorm import ROW_LATENCY

    c = target.config  # type: ignore[attr-defined]
    max_abs, max_lsb, mean_abs, mean_lsb = _combined_error(run, LAYERNORM_ACCURACY_TESTS)
    rate = run.results("Throughput")["timing"]["elements_per_cycle"]
    tables = _table_note("rsqrt", c.entries, 1.0, float(c.rsqrt_range))
    return UnitSummary("layernorm", f"D {c.dim}, entries {c.entries}, lanes {c.lanes}", str(c.in_fmt),
                       str(c.out_fmt), max_abs, max_lsb, mean_abs, mean_lsb, tables, rate,
                       f"{ROW_LATENCY} per row", sum(run.test_seconds.values()))


def _layernorm_plot(target: BenchTarget, run: BenchRun) -> Any:
    from models.layernorm import ACCURACY_TARGET
    from tb.common.report import ErrorPlot

    c = target.config  # type: ignore[attr-defined]
    return ErrorPlot(f"layernorm: D {c.dim}, {c.entries} entries (outlier rows; x = input feature)",
                     run.results_dir / "OutlierRows.npz", c.in_fmt, c.out_fmt, ACCURACY_TARGET,
                     f"target ±{ACCURACY_TARGET:g}")


UNITS: dict[str, UnitKind] = {
    "gelu": UnitKind("gelu", lambda parser: None, _gelu_target, GELU_TESTS, _gelu_summary, _gelu_plot,
                     rows=False),
    "softmax": UnitKind("softmax", _softmax_arguments, _softmax_target, SOFTMAX_TESTS, _softmax_summary,
                        _softmax_plot, rows=True),
    "layernorm": UnitKind("layernorm", _layernorm_arguments, _layernorm_target, LAYERNORM_TESTS,
                          _layernorm_summary, _layernorm_plot, rows=True),
}


def add_all_unit_arguments(parser: argparse.ArgumentParser) -> None:
    for kind in UNITS.values():
        kind.add_arguments(parser)


def rows_target(unit: str, args: argparse.Namespace, data: np.ndarray) -> BenchTarget:
    """A row unit built for the array's row length (rtl_eval): lanes must divide it."""
    row_length = int(data.shape[1])
    lanes = math.gcd(args.lanes, row_length)
    args.lanes = lanes
    if unit == "softmax":
        from tb.softmax.target import SoftmaxTarget

        return SoftmaxTarget(_softmax_config(args, row_length))
    if unit == "layernorm":
        from tb.layernorm.target import LayerNormTarget

        return LayerNormTarget(_layernorm_config(args, row_length))
    raise ValueError(f"{unit} is not a row unit")


__all__ = ["UNITS", "UnitKind", "UnitSummary", "UnitConfig", "add_all_unit_arguments", "rows_target"]
