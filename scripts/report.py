#!/usr/bin/env python3
"""`make report`: one comparison of NN-LUT, I-BERT and SOLE for GELU, Softmax and LayerNorm.

For each op and method, from this one run: max and mean error against the float64 reference
on the same inputs (through the bit-accurate model its bench checks the RTL against), the
RTL's throughput and latency (its full-rate bench test, which also checks the RTL bit-exact
on that stimulus), and Yosys area and logic depth. Writes build/report/compare.md with PNG
plots, and copies them to docs/ (the snapshot shown on the repository page).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.cli import fail  # noqa: E402
from models.units import BUILD_DIR, REPO_ROOT  # noqa: E402
from tb.common.report import markdown_table, text_table  # noqa: E402
from tb.compare import METHODS, REPORT_LANES, SYNTH_LANES, SYNTH_ROW_LENGTH, Row, accuracy  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", type=Path, default=BUILD_DIR / "report")
    parser.add_argument("--docs-dir", type=Path, default=REPO_ROOT / "docs")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--no-synth", action="store_true", help="skip area (for a quick look)")
    args = parser.parse_args()
    from tb.common.runner import run_bench
    from tb.common.synth import synthesize

    started = time.monotonic()
    rows: list[Row] = []
    try:
        for m in METHODS:
            print(f"{m.op}/{m.method}: accuracy, bench, synthesis ...", flush=True)
            x, err = accuracy(m)
            target = m.target(REPORT_LANES)
            run = run_bench(target, testcase=m.tests or [m.rate_test], seed=args.seed,
                            build_root=BUILD_DIR / "compare")
            if run.failed or run.tests == 0:
                fail(f"{m.op}/{m.method}: bench failed; log {run.build_dir / 'sim.log'}")
            rate, latency = m.rate(run)
            area = None if args.no_synth else synthesize(m.area_target())
            rows.append(Row(m.op, m.method, float(np.abs(err).max()), float(np.abs(err).mean()), rate,
                            latency, area.cells if area else 0, area.transistors if area else 0,
                            area.logic_depth if area else 0, m.note, x, err))
    except (RuntimeError, ValueError) as err:
        fail(str(err))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    pngs = plot_errors(rows, args.out_dir) + [plot_area(rows, args.out_dir)]
    md = [
        "# NN-LUT against I-BERT and SOLE",
        "",
        "Generated by `make report` (`python scripts/report.py`); every number comes from that run.",
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
