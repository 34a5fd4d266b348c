"""The evaluation table: method x op configuration (x calibration), fidelity against float."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.e2e.calibrate import calibrate
from models.e2e.encoder import SentenceEncoder
from models.e2e.methods import Assignment, Method
from models.e2e.metrics import Fidelity, fidelity
from models.e2e.sites import OpKind

CONFIGS: dict[str, tuple[OpKind, ...]] = {
    "GELU only": (OpKind.GELU,),
    "Softmax only": (OpKind.SOFTMAX,),
    "LayerNorm only": (OpKind.LAYERNORM,),
    "all three": (OpKind.GELU, OpKind.SOFTMAX, OpKind.LAYERNORM),
}

# Issue 5's targets for NN-LUT with every op replaced.
TARGET_COS_MEAN = 0.999
TARGET_TOP1 = 0.99


@dataclass
class Row:
    method: str
    config: str
    calibrated: bool
    replaced: dict[str, int]          # sites replaced per kind
    fidelity: Fidelity | None         # None: the method has no unit for these ops
    seconds: float
    note: str = ""


def evaluate_method(encoder: SentenceEncoder, sentences: Sequence[str], reference: np.ndarray,
                    method: Method, per_site: dict[Any, Any] | None, calibrated: bool,
                    log: Callable[[str], None] = print) -> list[Row]:
    rows = []
    assignment = Assignment(method, per_site or {})
    for config, kinds in CONFIGS.items():
        chosen = assignment.for_kinds(encoder.sites, kinds)
        replaced = {k.value: sum(s.info.kind is k for s in chosen) for k in kinds}
        missing = [k.value for k in kinds if not method.supports(k)]
        note = f"{', '.join(missing)} stays float ({method.label} has no such unit)" if missing else ""
        if not chosen:
            rows.append(Row(method.label, config, calibrated, replaced, None, 0.0, note))
            continue
        started = time.perf_counter()
        with encoder.approximations(chosen):
            embeddings = encoder.embed(sentences)
        row = Row(method.label, config, calibrated, replaced, fidelity(reference, embeddings),
                  time.perf_counter() - started, note)
        log(format_row(row))
        rows.append(row)
    return rows


def calibrate_method(encoder: SentenceEncoder, method: Method, sentences: Sequence[str]
                     ) -> tuple[dict[Any, Any], float]:
    started = time.perf_counter()
    per_site = calibrate(encoder, method, sentences)
    return per_site, time.perf_counter() - started


HEADER = ("method", "ops replaced", "calibrated", "cos mean", "cos worst", "top-1", "top-5",
          "Spearman", "s")


def row_cells(row: Row) -> list[str]:
    f = row.fidelity
    base = [row.method, row.config, "yes" if row.calibrated else "no"]
    if f is None:
        return base + ["n/a"] * 5 + ["-"]
    return base + [f"{f.cos_mean:.7f}", f"{f.cos_min:.7f}", f"{100 * f.top1:.1f}%", f"{100 * f.top5:.1f}%",
                   f"{f.spearman:.7f}", f"{row.seconds:.1f}"]


def format_row(row: Row) -> str:
    cells = row_cells(row)
    return "  ".join(f"{c:<{w}}" for c, w in zip(cells, (7, 15, 10, 10, 10, 7, 7, 10, 6)))


def format_table(rows: Sequence[Row]) -> str:
    widths = [max(len(h), *(len(row_cells(r)[i]) for r in rows)) for i, h in enumerate(HEADER)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(HEADER, widths))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row_cells(r), widths)) for r in rows]
    return "\n".join(lines)


def markdown_table(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " | note |", "|" + "---|" * (len(HEADER) + 1)]
    for r in rows:
        lines.append("| " + " | ".join(row_cells(r)) + f" | {r.note} |")
    return "\n".join(lines)


def target_verdicts(rows: Sequence[Row]) -> list[tuple[str, bool]]:
    """Issue 5's targets, per NN-LUT all-three row (uncalibrated and calibrated)."""
    verdicts = []
    for r in rows:
        if r.method != "NN-LUT" or r.config != "all three" or r.fidelity is None:
            continue
        ok = r.fidelity.cos_mean >= TARGET_COS_MEAN and r.fidelity.top1 >= TARGET_TOP1
        verdicts.append((f"NN-LUT, all three, {'calibrated' if r.calibrated else 'uncalibrated'}: "
                         f"cos mean {r.fidelity.cos_mean:.6f} (target >= {TARGET_COS_MEAN}), top-1 "
                         f"{100 * r.fidelity.top1:.1f}% (target >= {100 * TARGET_TOP1:.0f}%)", ok))
    return verdicts


def plot(rows: Sequence[Row], path: Any, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = list(dict.fromkeys(r.method for r in rows))
    variants = [(m, c) for m in methods for c in (False, True)
                if any(r.method == m and r.calibrated == c for r in rows)]
    configs = list(CONFIGS)
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.4))
    width = 0.8 / max(len(variants), 1)
    x = np.arange(len(configs))
    for i, (m, c) in enumerate(variants):
        dist, top1 = [], []
        for config in configs:
            r = next((r for r in rows if r.method == m and r.calibrated == c and r.config == config), None)
            f = None if r is None else r.fidelity
            dist.append(np.nan if f is None else max(1.0 - f.cos_mean, 1e-9))
            top1.append(np.nan if f is None else 100.0 * f.top1)
        label = f"{m}{' (calibrated)' if c else ''}"
        hatch = "//" if c else None
        axes[0].bar(x + i * width, dist, width, label=label, hatch=hatch)
        axes[1].bar(x + i * width, top1, width, label=label, hatch=hatch)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("1 - mean cosine similarity to float (lower is better)")
    axes[0].axhline(1.0 - TARGET_COS_MEAN, color="k", ls="--", lw=0.8, label="target (NN-LUT, all three)")
    axes[1].set_ylabel("top-1 neighbour agreement with float, %")
    axes[1].axhline(100 * TARGET_TOP1, color="k", ls="--", lw=0.8)
    lows = [100 * r.fidelity.top1 for r in rows if r.fidelity is not None]
    axes[1].set_ylim(max(0.0, min(lows + [90.0]) - 2.0), 100.5)
    for ax in axes:
        ax.set_xticks(x + 0.4 - width / 2)
        ax.set_xticklabels(configs)
        ax.grid(axis="y", alpha=0.3)
    # One legend under both panels, clear of the bars.
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 4), fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0.0, 0.1, 1.0, 1.0))
    fig.savefig(path, dpi=120)
    plt.close(fig)
