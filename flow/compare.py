"""`make report`: every registered unit side by side, op by op (GELU, Softmax, LayerNorm x NN-LUT,
I-BERT, SOLE): accuracy, throughput, latency, and cost in real cells and on an FPGA.

- Accuracy: for every op all units see the same real inputs (`op_inputs`) and are measured
  against the same float64 reference (models.reference); each unit's outputs come from its
  bit-accurate model, the model its own bench checks the RTL against bit for bit.
- Throughput and latency: each unit's full-rate bench test, run in this job.
- Cost (flow/cost.py): the full set of points when `make synth` has run (LANES 1 and 16, the
  NN-LUT options; ECP5 where it measured it), otherwise every unit at its defaults at LANES 1
  in real cells with the NN-LUT candidates the targets need. Every figure comes from the cost
  cache, keyed by configuration and source contents; a point it lacks is measured now (ASIC).
- Targets (issue 9): at LANES 1 and 16, an NN-LUT configuration that dominates I-BERT's unit
  (smaller, at least its Fmax, at most a fifth of its max error for GELU and LayerNorm, below
  it for Softmax); against SOLE, the NN-LUT point nearest SOLE's area and its error.

Writes build/report/compare.md with PNG plots, and copies them to docs/ (not with --no-docs).

    python -m flow.compare [--cost measure|cached|none]
"""

from __future__ import annotations

import argparse
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from flow.cli import fail
from flow.cost import COST_LABEL, POWER_CLOCK_MHZ, CostError, CostRecord, cached_cost, cost, check_tools
from flow.report import markdown_table, text_table
from flow.runner import run_bench, stream_model
from flow.synth import (BUDGET_TEXT, CANDIDATE_LANES, OPTION_LANES, OPTION_OPS, RESULTS, SWEEP_LANES,
                        is_candidate, load_results, nnlut_options)
from models import reference
from models.configtag import unique_tag
from models.softmax import NARROW_INTERNAL
from models.paths import BUILD_DIR, REPO_ROOT
from models.stimulus import op_inputs
from tb.common.spec import BenchTarget, UnitSpec
from tb.registry import UNITS

REPORT_LANES = 4     # bench configuration of every unit (throughput, latency)
TARGET_LANES = (1, 16)
# Issue 9's accuracy margins: NN-LUT's max error as a fraction of I-BERT's.
ERROR_MARGIN = {"gelu": 0.2, "softmax": 1.0, "layernorm": 0.2}

OP_REFERENCES = {"gelu": reference.gelu, "silu": reference.silu, "softmax": reference.softmax,
                 "layernorm": reference.layer_norm, "rmsnorm": reference.rms_norm}
ELEMENTWISE_OPS = ("gelu", "silu")


def through_model(target: BenchTarget, x: np.ndarray) -> np.ndarray:
    """Quantize real inputs to the unit's format, run its bit-accurate model, dequantize."""
    model = stream_model(target, BUILD_DIR / "compare" / target.tag / "gen")
    codes = model.in_fmt.quantize(x)
    return model.out_fmt.to_real(model.predict(codes))


def evaluate(spec: UnitSpec, target: BenchTarget, x: np.ndarray) -> np.ndarray:
    y = (spec.evaluate or through_model)(target, x)
    if y.shape != x.shape:
        raise RuntimeError(f"{spec.name}: output shape {y.shape} != input shape {x.shape}")
    return y


def model_error(spec: UnitSpec, config: Any) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Max and mean |error| of the configuration on the op's comparison inputs, with x and the
    signed errors. Lanes and the table/search options do not change a unit's outputs."""
    x = op_inputs(spec.op)
    err = evaluate(spec, spec.target(config), x) - OP_REFERENCES[spec.op](x)
    return float(np.abs(err).max()), float(np.abs(err).mean()), x, err


# ------------------------------------------------------------------------------ accuracy and rate

@dataclass
class Row:
    unit: str
    op: str
    method: str
    max_abs: float
    mean_abs: float
    elements_per_cycle_per_lane: float
    latency: str
    note: str
    x: np.ndarray = field(repr=False)
    error: np.ndarray = field(repr=False)


def compare_unit(spec: UnitSpec, seed: int) -> Row:
    config = spec.config(lanes=REPORT_LANES)
    max_abs, mean_abs, x, err = model_error(spec, config)
    run = run_bench(spec.target(config), testcase=[spec.rate_test], seed=seed, build_root=BUILD_DIR / "compare")
    if run.failed or run.tests == 0:
        raise RuntimeError(f"{spec.name}: bench failed; log {run.build_dir / 'sim.log'}")
    rate = run.results(spec.rate_test)["rate"]
    latency = f"{rate['latency']}{'/row' if rate['per_row'] else ''}"
    return Row(spec.name, spec.op, spec.method, max_abs, mean_abs, rate["elements_per_cycle"] / REPORT_LANES,
               latency, spec.note, x, err)


ACCURACY_HEADER = ["op", "method", "max abs err", "mean abs err", f"elem/cycle ({REPORT_LANES} lanes)",
                   "latency (cycles)", "note"]


def accuracy_rows(rows: list[Row]) -> list[list[str]]:
    return [[r.op, r.method, f"{r.max_abs:.3e}", f"{r.mean_abs:.3e}",
             f"{r.elements_per_cycle_per_lane * REPORT_LANES:.2f}", r.latency, r.note] for r in rows]


# ------------------------------------------------------------------------------ cost points

@dataclass
class CostPoint:
    unit: str
    op: str
    method: str
    option: str
    lanes: int
    max_abs: float
    record: CostRecord
    rate_per_lane: float     # elements per cycle per lane, from the unit's full-rate bench
    # Share of full rate that rows of the configuration's length get: below 1 where a row is
    # fewer beats than the cycles its normaliser needs per row (a sequential divider or 1/x).
    row_share: float = 1.0

    @property
    def elements_per_cycle(self) -> float:
        return self.rate_per_lane * self.lanes * self.row_share

    @property
    def elements_per_s(self) -> float:
        return self.elements_per_cycle * self.record.fmax_mhz * 1e6

    @property
    def energy_pj(self) -> float:
        return self.record.energy_pj_per_element(self.elements_per_cycle)

    @property
    def label(self) -> str:
        return self.method if self.option == "default" else f"{self.method} ({self.option})"


def report_configs(quick: bool) -> list[tuple[UnitSpec, Any, str]]:
    """Every unit at its defaults at every swept lane count (make synth's), each NN-LUT option
    at LANES 1 and the hardwired narrow candidate at the target lanes (quick: LANES 1 only, the
    defaults and the candidate)."""
    points = []
    lanes = (1,) if quick else TARGET_LANES
    for spec in UNITS.values():
        for n in (1,) if quick else SWEEP_LANES:
            points.append((spec, spec.config(lanes=n), "default"))
    for spec in UNITS.values():
        if spec.method != "NN-LUT" or spec.op not in OPTION_OPS:
            continue
        options = nnlut_options(spec, spec.config())
        if quick:
            options = [o for o in options if is_candidate(o[0])]
        for n in lanes:
            for option, changes in options:
                if n in OPTION_LANES or (n in CANDIDATE_LANES and is_candidate(option)):
                    points.append((spec, spec.config(lanes=n, **changes), option))
    return points


def cost_records(quick: bool, jobs: int, measure: bool = True) -> list[tuple[UnitSpec, Any, str, CostRecord]]:
    """The records for the report: the cost cache's for the current sources (with ECP5 where
    make synth measured it), measured now (ASIC only, cached) where there is none, or left out
    (measure=False). build/synth/results.json is not read here: it names configurations, not
    the sources they were measured on, so after an RTL change it would report the old design."""
    from flow.cost import sweep

    wanted = report_configs(quick)
    found: dict[int, CostRecord] = {}
    missing = []
    for i, (spec, config, _) in enumerate(wanted):
        record = cached_cost(spec, config)
        if record is not None:
            found[i] = record
        else:
            missing.append(i)
    if missing and not measure:
        print(f"cost: {len(missing)} configuration(s) not measured yet (make synth, or make report, "
              "measures them); the report leaves them out", flush=True)
        missing_set = set(missing)
        return [(spec, config, option, found[i]) for i, (spec, config, option) in enumerate(wanted)
                if i not in missing_set]
    if missing:
        check_tools(ecp5=False)
        print(f"measuring {len(missing)} configuration(s) in real cells (cached afterwards; "
              "`make synth` adds the FPGA figures)", flush=True)
        records = sweep([(wanted[i][0], wanted[i][1]) for i in missing], jobs=jobs, ecp5=False)
        found.update(zip(missing, records))
    return [(spec, config, option, found[i]) for i, (spec, config, option) in enumerate(wanted)]


def cost_points(rows: list[Row], quick: bool, jobs: int, measure: bool = True) -> list[CostPoint]:
    rate = {r.unit: r.elements_per_cycle_per_lane for r in rows}
    errors: dict[str, float] = {}
    points = []
    for spec, config, option, record in cost_records(quick, jobs, measure):
        key = unique_tag(config.__class__(**{**config.to_dict(), "lanes": 1}))
        if key not in errors:
            errors[key] = model_error(spec, config)[0]
        points.append(CostPoint(spec.name, spec.op, spec.method, option, record.lanes, errors[key], record,
                                rate[spec.name], row_share(config)))
    return points


def row_share(config: Any) -> float:
    """The full-rate share rows of the configuration's length get: a unit that takes one row per
    row_interval cycles (its documented normaliser rate) streams rows of fewer beats than that
    at beats / row_interval of full rate."""
    interval = int(getattr(config, "row_interval", 1))
    length = getattr(config, "row_length", None)
    if length is None or interval <= 1:
        return 1.0
    return min(1.0, (length // config.lanes) / interval)


COST_HEADER = ["op", "method", "lanes", "max abs err", "area um^2", "seq um^2", "um^2/lane", "macro bits",
               "Fmax MHz", "Melem/s", f"mW @{POWER_CLOCK_MHZ:.0f} MHz", "pJ/elem", "ECP5 LUT4", "FF", "MULT18",
               "BRAM", "ECP5 MHz"]


def _opt(value: Any, fmt: str = "{}") -> str:
    return "-" if value is None else fmt.format(value)


def cost_rows(points: list[CostPoint]) -> list[list[str]]:
    rows = []
    for p in points:
        r = p.record
        rows.append([p.op, p.label, str(p.lanes), f"{p.max_abs:.2e}", f"{r.area_um2:,.0f}", f"{r.seq_area_um2:,.0f}",
                     f"{r.area_per_lane_um2:,.0f}", str(r.storage_bits), f"{r.fmax_mhz:.0f}",
                     f"{p.elements_per_s / 1e6:,.0f}", f"{r.power_mw:.1f}", f"{p.energy_pj:.0f}",
                     _opt(r.ecp5_lut4), _opt(r.ecp5_ff), _opt(r.ecp5_mult18), _opt(r.ecp5_bram),
                     _opt(r.ecp5_fmax_mhz, "{:.0f}")])
    return rows


# ------------------------------------------------------------------------------ targets

@dataclass
class Verdict:
    op: str
    lanes: int
    ibert: CostPoint
    nnlut: CostPoint
    met: bool
    text: str


def accurate_enough(nnlut: CostPoint, ibert: CostPoint) -> bool:
    """At most ERROR_MARGIN times I-BERT's max error (strictly below it where the margin is 1)."""
    margin = ERROR_MARGIN[nnlut.op]
    return nnlut.max_abs < ibert.max_abs if margin >= 1 else nnlut.max_abs <= margin * ibert.max_abs


def dominates(nnlut: CostPoint, ibert: CostPoint) -> bool:
    """Smaller, at least I-BERT's Fmax and element rate (rows of the reported length), and
    accurate enough."""
    return (nnlut.record.area_um2 < ibert.record.area_um2 and nnlut.record.fmax_mhz >= ibert.record.fmax_mhz
            and nnlut.elements_per_s >= ibert.elements_per_s and accurate_enough(nnlut, ibert))


def verdicts(points: list[CostPoint]) -> list[Verdict]:
    out = []
    for op in ERROR_MARGIN:
        for lanes in TARGET_LANES:
            ibert = next((p for p in points if p.op == op and p.method == "I-BERT" and p.lanes == lanes), None)
            candidates = [p for p in points if p.op == op and p.method == "NN-LUT" and p.lanes == lanes]
            if ibert is None or not candidates:
                continue
            accurate = [p for p in candidates if accurate_enough(p, ibert)]
            winners = [p for p in accurate if dominates(p, ibert)]
            best = min(winners or accurate or candidates, key=lambda p: p.record.area_um2)
            area = best.record.area_um2 / ibert.record.area_um2
            text = (f"{best.label}: area {area:.2f}x I-BERT's ({best.record.area_um2:,.0f} vs "
                    f"{ibert.record.area_um2:,.0f} um^2), Fmax {best.record.fmax_mhz:.0f} vs "
                    f"{ibert.record.fmax_mhz:.0f} MHz, max error {best.max_abs:.2e} vs {ibert.max_abs:.2e} "
                    f"({best.max_abs / ibert.max_abs:.2f}x; needed <= {ERROR_MARGIN[op]:g}x)")
            if not winners:
                text += "; " + why_missed(points, best, ibert)
            out.append(Verdict(op, lanes, ibert, best, bool(winners), text))
    return out


def lane_split(points: list[CostPoint], point: CostPoint) -> tuple[float, float] | None:
    """(fixed area, area per added lane) of a configuration, from its LANES 1 and 16 points."""
    same = {p.lanes: p.record.area_um2 for p in points
            if p.unit == point.unit and p.option == point.option}
    if 1 not in same or 16 not in same:
        return None
    per_lane = (same[16] - same[1]) / 15
    return same[1] - per_lane, per_lane


def why_missed(points: list[CostPoint], nnlut: CostPoint, ibert: CostPoint) -> str:
    """What the numbers say about a miss: which of area, Fmax, error failed, and where the area
    goes (the part shared by all lanes and the part each lane adds)."""
    failed = [name for name, ok in (("area", nnlut.record.area_um2 < ibert.record.area_um2),
                                    ("Fmax", nnlut.record.fmax_mhz >= ibert.record.fmax_mhz),
                                    ("elements/s", nnlut.elements_per_s >= ibert.elements_per_s),
                                    ("error", accurate_enough(nnlut, ibert))) if not ok]
    text = f"missed on {', '.join(failed)}"
    split_n, split_i = lane_split(points, nnlut), lane_split(points, ibert)
    if split_n and split_i:
        text += (f" (shared part {split_n[0]:,.0f} vs {split_i[0]:,.0f} um^2, each lane adds "
                 f"{split_n[1]:,.0f} vs {split_i[1]:,.0f} um^2)")
    return text


def sole_rows(points: list[CostPoint]) -> list[list[str]]:
    """Per op and target lanes (where the NN-LUT options are measured), the NN-LUT point nearest
    SOLE's area, and both errors."""
    rows = []
    for sole in (p for p in points if p.method == "SOLE" and p.option == "default" and p.lanes in TARGET_LANES):
        nnlut = [p for p in points if p.op == sole.op and p.method == "NN-LUT" and p.lanes == sole.lanes]
        if not nnlut:
            continue
        near = min(nnlut, key=lambda p: abs(np.log(p.record.area_um2 / sole.record.area_um2)))
        rows.append([sole.op, str(sole.lanes), f"{sole.record.area_um2:,.0f}", f"{sole.max_abs:.2e}", near.label,
                     f"{near.record.area_um2:,.0f} ({near.record.area_um2 / sole.record.area_um2:.2f}x)",
                     f"{near.max_abs:.2e} ({sole.max_abs / near.max_abs:.0f}x lower)"])
    return rows


# ------------------------------------------------------------------------------ plots

def plot_errors(rows: list[Row], out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for op in dict.fromkeys(r.op for r in rows):
        fig, ax = plt.subplots(figsize=(9, 4))
        for r in (r for r in rows if r.op == op):
            x, err = r.x.reshape(-1), np.abs(r.error.reshape(-1))
            if op in ELEMENTWISE_OPS:
                order = np.argsort(x)
                ax.plot(x[order], err[order], lw=0.6, label=r.method)
            else:
                # Per input value, the worst error any element with that value got.
                values, inverse = np.unique(x, return_inverse=True)
                worst = np.zeros(values.size)
                np.maximum.at(worst, inverse, err)
                ax.plot(values, worst, ".", ms=2, label=r.method)
        ax.set_yscale("log")
        ax.set_xlabel("input value" if op in ELEMENTWISE_OPS else "input value (worst error of elements with it)")
        ax.set_ylabel("|error| vs float64")
        ax.set_title(f"{op}: error across the input range")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3, which="both")
        fig.tight_layout()
        path = out_dir / f"compare_{op}_error.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def plot_area(points: list[CostPoint], out_dir: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ops = [op for op in OP_REFERENCES if any(p.op == op for p in points)]
    fig, axes = plt.subplots(1, len(ops), figsize=(15, 5))
    colors = {"NN-LUT": "tab:blue", "I-BERT": "tab:red", "SOLE": "tab:green"}
    for ax, op in zip(axes, ops):
        for p in (p for p in points if p.op == op and p.lanes == 1):
            marker = "o" if p.option == "default" else "^"
            ax.scatter(p.record.area_um2, p.max_abs, c=colors[p.method], marker=marker, s=45)
            ax.annotate(p.label, (p.record.area_um2, p.max_abs), fontsize=6, xytext=(4, 3),
                        textcoords="offset points")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("area um^2 with flip-flops (OSU 0.18 um, LANES 1)")
        ax.set_ylabel("max abs error vs float64")
        ax.set_title(f"{op} (lower left is better; triangles: NN-LUT options)")
        ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    path = out_dir / "compare_area_error.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ------------------------------------------------------------------------------ the report

def cost_section(points: list[CostPoint], results: list[dict[str, Any]] | None) -> list[str]:
    baseline = [p for p in points if p.option == "default"]
    options = [p for p in points if p.method == "NN-LUT" and p.option != "default"]
    found = verdicts(points)
    md = [
        "## Cost in real cells and on an FPGA",
        "",
        f"- ASIC: {COST_LABEL}. Area in um^2 from the liberty with flip-flops counted (seq: the "
        "flip-flops' share). Row and beat buffers and per-channel constants of >= 1 kbit are "
        "cut out as memory macros for every method alike: their bits are in `macro bits`, "
        "their area and access time are not in the figures. Fmax from OpenSTA's critical "
        "path. Power is OpenSTA's estimate from the liberty's power tables at "
        f"{POWER_CLOCK_MHZ:.0f} MHz with the data inputs toggling as the comparison's inputs "
        "do at full rate (set_power_activity; no waveform), an estimate, not a measurement; "
        "pJ/elem is that power over the element rate at that clock.",
        "- Melem/s = elements per cycle (full rate, measured by each unit's bench) x Fmax, times beats "
        "per row / the unit's row interval where rows of the reported length are shorter than the "
        "cycles its normaliser takes per row (I-BERT's divider: DivSteps + 1; NN-LUT's serial 1/x: "
        "slope width + 1).",
        "- ECP5: LFE5U-85F out of context, Yosys synth_ecp5 and nextpnr-ecp5, Fmax the median of "
        "3 placement seeds; '-' where `make synth` has not placed the configuration.",
        "- Softmax rows of 128 (N), LayerNorm rows of 384 (D), the units' defaults.",
        f"- NN-LUT options: table hardwired (constants), table without reset, pipelined binary "
        f"segment search, {BUDGET_TEXT}; for LayerNorm also no affine (no gamma/beta store, "
        "registers or multiplier: the function I-BERT's unit computes, which has no affine "
        "either; a model folds gamma/beta into the next layer); for Softmax also narrow internal "
        f"formats ({', '.join(f'{k} {v}' for k, v in NARROW_INTERNAL.items())}: models.softmax."
        "NARROW_INTERNAL). The last option of each unit combines them (its tables narrowed again "
        "for its formats) and is also measured at 16 lanes.",
        "",
        "### Every unit at its defaults",
        "",
        markdown_table(COST_HEADER, cost_rows(baseline)),
        "",
        "### NN-LUT microarchitecture options",
        "",
        "Each option's effect on area, Fmax and error (the same benches verify every option; "
        "see the regression's configurations).",
        "",
        markdown_table(COST_HEADER, cost_rows(options)),
        "",
        "### Targets: an NN-LUT configuration that dominates I-BERT's unit",
        "",
        "Smaller (area with flip-flops), at least I-BERT's Fmax, and more accurate: at most a fifth "
        "of I-BERT's max error for GELU and LayerNorm, below it for Softmax. Per op and lanes, the "
        "smallest dominating NN-LUT configuration, or (missed) the smallest one accurate enough.",
        "",
        markdown_table(["op", "lanes", "target", "NN-LUT point"],
                       [[v.op, str(v.lanes), "met" if v.met else "missed", v.text] for v in found]),
        "",
        "### Against SOLE: the NN-LUT point nearest SOLE's area",
        "",
        markdown_table(["op", "lanes", "SOLE um^2", "SOLE max err", "NN-LUT point", "its um^2", "its max err"],
                       sole_rows(points)),
        "",
    ]
    if results:
        lanes = sorted({r["lanes"] for r in results})
        fpga = sum(r.get("ecp5_lut4") is not None for r in results)
        md += [f"The last `make synth` sweep ({RESULTS.relative_to(REPO_ROOT)}: {len(results)} configurations "
               f"at lanes {', '.join(map(str, lanes))}; {fpga} of them also placed on the ECP5) took "
               f"{sum(r['seconds'] for r in results) / 60:.0f} minutes of tool time on this machine (the sum "
               "over its configurations, each as first measured; `make synth` runs two at a time, and a "
               "configuration measured before comes from the cache).", ""]
    return md


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", type=Path, default=BUILD_DIR / "report")
    parser.add_argument("--docs-dir", type=Path, default=REPO_ROOT / "docs")
    parser.add_argument("--no-docs", action="store_true",
                        help="write build/report only: the committed docs/ snapshot keeps its cost section, "
                             "which a run without make synth's results would drop")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cost", choices=("measure", "cached", "none"), default="measure",
                        help="measure: what make synth has not measured, at LANES 1 (minutes); cached: "
                             "only make synth's results and the cache; none: no cost section")
    args = parser.parse_args()
    started = time.monotonic()
    rows: list[Row] = []
    try:
        for spec in UNITS.values():
            print(f"{spec.op}/{spec.method}: accuracy and full-rate bench ...", flush=True)
            rows.append(compare_unit(spec, args.seed))
        points = [] if args.cost == "none" else cost_points(rows, not RESULTS.exists(), args.jobs,
                                                             measure=args.cost == "measure")
    except (RuntimeError, ValueError, CostError) as err:
        fail(str(err))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    pngs = plot_errors(rows, args.out_dir) + ([plot_area(points, args.out_dir)] if points else [])
    md = [
        "# NN-LUT against I-BERT and SOLE",
        "",
        "Generated by `make report` (`python -m flow.compare`); every number comes from that run "
        "or from `make synth`'s cached measurements of the same sources.",
        "",
        "- Errors: max and mean |output - float64 reference| over the same real inputs for every "
        "method of an op on the NN-LUT units' default grids (GELU: every SQ16.10 code in [-32, 32); "
        "SiLU: every SQ16.12 code in [-8, 8); Softmax: 256 rows of 128 logits on the SQ16.9 grid, "
        "attention-like, all-equal, dominant and extreme; LayerNorm and RMSNorm: 192 rows of 384 "
        "features on the SQ18.9 grid, random, constant, one outlier, full-scale; gamma 1, "
        "beta 0). Each method's outputs come from its bit-accurate model, which its bench "
        "checks the RTL against bit for bit.",
        f"- Throughput and latency: each RTL unit's full-rate bench test at {REPORT_LANES} lanes "
        "(no input gaps, no backpressure; row units over back-to-back rows). Row latency: a "
        "row's last input beat to its first output beat.",
        "",
        markdown_table(ACCURACY_HEADER, accuracy_rows(rows)),
        "",
    ] + [f"![{p.stem}]({p.name})\n" for p in pngs if "area" not in p.stem]
    if points:
        md += cost_section(points, load_results() if RESULTS.exists() else None)
        md += ["![compare_area_error](compare_area_error.png)", ""]
    e2e = [args.out_dir / name for name in ("e2e.md", "e2e.png")]
    if e2e[0].exists():
        md += ["## End to end", "",
               "What the approximations do to a real model (all-MiniLM-L6-v2, every op swapped in, "
               "before and after calibration) is in [e2e.md](e2e.md), from `make e2e`.", ""]
    report = args.out_dir / "compare.md"
    report.write_text("\n".join(md))
    if not args.no_docs:
        args.docs_dir.mkdir(parents=True, exist_ok=True)
        for path in [report, *pngs, *(p for p in e2e if p.exists())]:
            shutil.copy(path, args.docs_dir / path.name)
    print(text_table(ACCURACY_HEADER, accuracy_rows(rows)))
    if points:
        print(text_table(COST_HEADER, cost_rows(points)))
        for v in verdicts(points):
            print(f"target {v.op} lanes {v.lanes}: {'met' if v.met else 'MISSED'}: {v.text}")
    snapshot = "" if args.no_docs else f" (snapshot in {args.docs_dir})"
    print(f"\nreport: {report}{snapshot}; {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
