"""`make report`: one comparison of every registered unit, op by op (GELU, Softmax, LayerNorm x
NN-LUT, I-BERT, SOLE).

For every op, all units see the same real inputs (`op_inputs`) and are measured against the same
float64 reference (models.reference). Each unit's outputs come from its bit-accurate model, the
model its own bench checks the RTL against bit for bit; its throughput and latency come from its
full-rate bench test run in the same job, and its area and logic depth from flow/synth.py.
Writes build/report/compare.md with PNG plots, and copies them to docs/.

    python -m flow.compare [--no-synth]
"""

from __future__ import annotations

import argparse
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from flow.cli import fail
from flow.report import markdown_table, text_table
from flow.runner import run_bench, stream_model
from flow.synth import SYNTH_ROW_LENGTH, synthesis_config, synthesize
from models import reference
from models.stimulus import op_inputs
from models.paths import BUILD_DIR, REPO_ROOT
from tb.common.spec import BenchTarget, UnitSpec
from tb.registry import UNITS

REPORT_LANES = 4     # bench configuration of every unit (throughput, latency)
SYNTH_LANES = 1      # area and depth at one lane each, the same for every unit


OP_REFERENCES = {"gelu": reference.gelu, "softmax": reference.softmax, "layernorm": reference.layer_norm}


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


# ------------------------------------------------------------------------------ the run

@dataclass
class Row:
    op: str
    method: str
    max_abs: float
    mean_abs: float
    elements_per_cycle: float
    latency: str
    cells: int
    transistors: int
    logic_depth: int
    note: str
    x: np.ndarray = field(repr=False)
    error: np.ndarray = field(repr=False)


HEADER = ["op", "method", "max abs err", "mean abs err", "elem/cycle", "latency (cycles)",
          "cells", "transistors", "logic depth", "note"]


def table_rows(rows: list[Row]) -> list[list[str]]:
    return [[r.op, r.method, f"{r.max_abs:.3e}", f"{r.mean_abs:.3e}", f"{r.elements_per_cycle:.2f}",
             r.latency, str(r.cells), str(r.transistors), str(r.logic_depth), r.note] for r in rows]


def plot_errors(rows: list[Row], out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for op in dict.fromkeys(r.op for r in rows):
        fig, ax = plt.subplots(figsize=(9, 4))
        for r in (r for r in rows if r.op == op):
            x, err = r.x.reshape(-1), np.abs(r.error.reshape(-1))
            if op == "gelu":
                order = np.argsort(x)
                ax.plot(x[order], err[order], lw=0.6, label=r.method)
            else:
                # Per input value, the worst error any element with that value got.
                values, inverse = np.unique(x, return_inverse=True)
                worst = np.zeros(values.size)
                np.maximum.at(worst, inverse, err)
                ax.plot(values, worst, ".", ms=2, label=r.method)
        ax.set_yscale("log")
        ax.set_xlabel("input value" if op == "gelu" else "input value (worst error of elements with it)")
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


def plot_area(rows: list[Row], out_dir: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 5))
    markers = {"gelu": "o", "softmax": "s", "layernorm": "^"}
    for r in rows:
        ax.scatter(r.transistors, r.max_abs, marker=markers.get(r.op, "x"), s=50)
        ax.annotate(f"{r.op}/{r.method}", (r.transistors, r.max_abs), fontsize=7,
                    xytext=(4, 3), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(f"estimated transistors (Yosys stat -tech cmos, {SYNTH_LANES} lane)")
    ax.set_ylabel("max abs error vs float64")
    ax.set_title("area versus error (lower left is better)")
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    path = out_dir / "compare_area_error.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def compare_unit(spec: UnitSpec, seed: int, synth: bool) -> Row:
    x = op_inputs(spec.op)
    target = spec.target(spec.config(lanes=REPORT_LANES))
    err = evaluate(spec, target, x) - OP_REFERENCES[spec.op](x)
    run = run_bench(target, testcase=[spec.rate_test], seed=seed, build_root=BUILD_DIR / "compare")
    if run.failed or run.tests == 0:
        raise RuntimeError(f"{spec.name}: bench failed; log {run.build_dir / 'sim.log'}")
    rate = run.results(spec.rate_test)["rate"]
    latency = f"{rate['latency']}{'/row' if rate['per_row'] else ''}"
    area = synthesize(spec.target(synthesis_config(spec, SYNTH_LANES))) if synth else None
    return Row(spec.op, spec.method, float(np.abs(err).max()), float(np.abs(err).mean()),
               rate["elements_per_cycle"], latency, area.cells if area else 0, area.transistors if area else 0,
               area.logic_depth if area else 0, spec.note, x, err)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", type=Path, default=BUILD_DIR / "report")
    parser.add_argument("--docs-dir", type=Path, default=REPO_ROOT / "docs")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--no-synth", action="store_true", help="skip area (for a quick look)")
    args = parser.parse_args()
    started = time.monotonic()
    rows: list[Row] = []
    try:
        for spec in UNITS.values():
            print(f"{spec.op}/{spec.method}: accuracy, bench, synthesis ...", flush=True)
            rows.append(compare_unit(spec, args.seed, not args.no_synth))
    except (RuntimeError, ValueError) as err:
        fail(str(err))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    pngs = plot_errors(rows, args.out_dir) + [plot_area(rows, args.out_dir)]
    md = [
        "# NN-LUT against I-BERT and SOLE",
        "",
        "Generated by `make report` (`python -m flow.compare`); every number comes from that run.",
        "",
        "- Errors: max and mean |output - float64 reference| over the same real inputs for every "
        "method of an op (GELU: every SQ16.12 code in [-8, 8); Softmax: 256 rows of 128 logits on "
        "the SQ16.11 grid, attention-like, all-equal, dominant and extreme; LayerNorm: 192 rows of "
        "384 features on the SQ16.8 grid, random, constant, one outlier, full-scale; gamma 1, "
        "beta 0). Each method's outputs come from its bit-accurate model, which its bench "
        "checks the RTL against bit for bit.",
        f"- Throughput and latency: each RTL unit's full-rate bench test at {REPORT_LANES} lanes "
        "(no input gaps, no backpressure; row units over back-to-back rows). Row latency: a "
        "row's last input beat to its first output beat.",
        f"- Area and depth: Yosys at {SYNTH_LANES} lane, mapped to simple CMOS gates with ABC "
        "(`stat -tech cmos` transistor estimate; `ltp -noff` longest combinational path in gates). "
        f"Row units are synthesized with rows of {SYNTH_ROW_LENGTH} (Softmax N, LayerNorm D): "
        "their row buffers are flip-flops that grow linearly with the row, and at N = 128 / "
        "D = 384 Yosys takes tens of minutes per unit.",
        "",
        markdown_table(HEADER, table_rows(rows)),
        "",
    ] + [f"![{p.stem}]({p.name})\n" for p in pngs]
    e2e = [args.out_dir / name for name in ("e2e.md", "e2e.png")]
    if e2e[0].exists():
        md += ["## End to end", "",
               "What the approximations do to a real model (all-MiniLM-L6-v2, every op swapped in, "
               "before and after calibration) is in [e2e.md](e2e.md), from `make e2e`.", ""]
    report = args.out_dir / "compare.md"
    report.write_text("\n".join(md))
    args.docs_dir.mkdir(parents=True, exist_ok=True)
    for path in [report, *pngs, *(p for p in e2e if p.exists())]:
        shutil.copy(path, args.docs_dir / path.name)
    print(text_table(HEADER, table_rows(rows)))
    print(f"\nreport: {report} (snapshot in {args.docs_dir}); {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
