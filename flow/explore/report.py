"""The exploration's report: build/report/explore.md, explore.png (the front and predicted
against true, for area and fidelity) and explore.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flow.explore.evaluator import summary
from flow.explore.search import TARGET_COS_MEAN, TARGET_TOP1
from flow.explore.space import TARGET_LANES


def _results_note(result: dict[str, Any]) -> str:
    counts = result.get("end_to_end_results")
    if not counts:
        return ""
    return (f" End-to-end results (calibrated fidelity, and the search's fidelity model at each evaluated design): "
            f"{counts['computed']} computed in this run, {counts['read']} read from the cache "
            "(flow/explore/truth_cache.py: same designs' functions, corpora and sources; "
            "docs/explore/fidelity_samples.json seeds it on a clean clone).")


def _mm2(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e6:.3f}"


def _row(p: dict[str, Any]) -> str:
    return (f"| {p['how']} | {p['label']} | {_mm2(p['predicted_area_um2'])} | {_mm2(p['lane_model_area_um2'])} | "
            f"{_mm2(p['true_area_um2']) if p['true_area_is_direct16'] else '-'} | {p['true_cos_mean']:.6f} | "
            f"{p['true_top1']:.1%} | {'yes' if p['meets_targets'] else 'no'} |")


HEADER = ["| search | design | predicted mm^2 | synthesized 1+4 lanes, lane model mm^2 | synthesized at 16 lanes mm^2 "
          "| cos mean | top-1 | meets targets |", "|---|---|---|---|---|---|---|---|"]


def best_meeting(points: list[dict[str, Any]]) -> dict[str, Any] | None:
    meeting = [p for p in points if p["meets_targets"]]
    return min(meeting, key=lambda p: p["lane_model_area_um2"]) if meeting else None


def joint_front(searches: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The Pareto points (area by the lane model, mean cosine) over all three searches' points,
    each tagged with the search that found it (the first, where two found the same design)."""
    points: dict[str, dict[str, Any]] = {}
    for name in ("gradient", "random", "greedy"):
        for p in searches[name]:
            points.setdefault(p["label"], {**p, "search": name})
    values = list(points.values())
    return [p for p in values
            if not any(q["lane_model_area_um2"] <= p["lane_model_area_um2"] and q["true_cos_mean"] >= p["true_cos_mean"]
                       and (q["lane_model_area_um2"] < p["lane_model_area_um2"] or q["true_cos_mean"] > p["true_cos_mean"])
                       for q in values)]


def write_report(result: dict[str, Any], out_dir: Path) -> None:
    (out_dir / "explore.json").write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    plot(result, out_dir / "explore.png")
    searches = result["searches"]
    chosen = result["chosen"]
    lines = [
        "# Design search: the smallest NN-LUT units that keep all-MiniLM-L6-v2 faithful", "",
        f"Command: `{result['command']}` (generated; do not edit). Total {result['timings_s']['total']:.0f} s on "
        f"{result['cores']} cores: " + ", ".join(f"{k} {v:.0f} s" for k, v in result["timings_s"].items()
                                                 if k != "total") + "." + _results_note(result), "",
        f"Area: {result['cost_label']}; flip-flops counted; the three units (GELU, Softmax, LayerNorm) at "
        f"{TARGET_LANES} lanes, Softmax rows of 128 and LayerNorm rows of 384 (row buffers are macros, "
        "their bits not in the area). Fidelity: all-MiniLM-L6-v2 with every GELU, Softmax and LayerNorm on "
        f"the units' bit-accurate models, calibrated as `make e2e` does, on {result['corpus']['evaluation']} "
        f"evaluation sentences ({result['corpus']['calibration']} calibration sentences). Targets: mean cosine "
        f">= {TARGET_COS_MEAN} and top-1 >= {TARGET_TOP1:.0%}. Build formats: the space's (GELU SQW.(W-4) "
        "with the minimax table, Softmax SQW.(W-5), LayerNorm SQW.(W-8); flow/explore/space.py), not the "
        "units' wider defaults: the calibration picks each site's formats in either case.", "",
        "## The answer", "",
    ]
    if chosen:
        lines += [f"Smallest front design meeting the targets: **{chosen['label']}**: "
                  f"{_mm2(chosen['true_area_um2'])} mm^2 at {TARGET_LANES} lanes "
                  f"({'synthesized directly' if chosen['true_area_is_direct16'] else 'lane model'}), "
                  f"cos {chosen['true_cos_mean']:.6f}, top-1 {chosen['true_top1']:.1%}."]
    else:
        lines += ["No front design meets the targets."]
    d = result["default"]
    lines += ["", "| units | area mm^2 (16 lanes) | Fmax MHz | cos mean | top-1 | note |", "|---|---|---|---|---|---|"]
    if chosen:
        lines.append(f"| chosen NN-LUT | {_mm2(chosen['true_area_um2'])} | "
                     f"{chosen['fmax16_mhz'] or float('nan'):.0f} | {chosen['true_cos_mean']:.6f} | "
                     f"{chosen['true_top1']:.1%} | {chosen['label']} |")
    lines.append(f"| the space's default NN-LUT (16 entries, 16 bit) | {_mm2(d['true_area_um2'])} | "
                 f"{d['fmax16_mhz'] or float('nan'):.0f} | {d['true_cos_mean']:.6f} | {d['true_top1']:.1%} | "
                 f"{d['label']} |")
    for name, b in result["baselines"].items():
        fmax = "-" if b["fmax16_mhz"] is None else f"{b['fmax16_mhz']:.0f}"
        lines.append(f"| {name} | {_mm2(b['true_area_um2'])} | {fmax} | {b['true_cos_mean']:.6f} | "
                     f"{b['true_top1']:.1%} | {b['note']} |")
    lines += ["", "## The evaluator", "",
              f"Trained on {result['samples']} synthesized samples (space-filling, seed {result['seed']}; "
              f"{result['split_width_samples']} of them with the output narrower or wider than the input, "
              f"{result['pipelined_samples']} with Softmax's sum stage registered; "
              f"{result['sample_synthesis_s'] / 60:.0f} min of synthesis, with place and route where done, on "
              f"one core; {result['sample_synthesis_s'] / max(1, result['samples']):.0f} s a sample; "
              f"{result['samples_with_ecp5']} of them also placed and routed on the ECP5). Held-out "
              "error by cross-validation over configurations (both lane counts of a configuration held out "
              "together):", ""]
    lines += summary({"network": result["evaluator"], "linear": result["linear"]})
    lines += ["", verdict(result), "", lane_model_check(result), "", "## The searches", "",
              f"Each search gets {result['budget']} true evaluations (synthesis plus the calibrated end-to-end "
              f"run): the gradient search proposed that many distinct designs over lambda = "
              f"{', '.join(f'{x:g}' for x in result['lambdas'])} ({result['steps']} steps each).", ""]
    union = joint_front(searches)
    for name in ("gradient", "random", "greedy"):
        best = best_meeting(searches[name])
        on_front = sum(1 for p in union if p["search"] == name)
        lines.append(f"- {name}: {on_front} of the {len(union)} points of the joint front; " +
                     (f"smallest meeting the targets {_mm2(best['lane_model_area_um2'])} mm^2 ({best['label']})"
                      if best else "no design meets the targets"))
    lines += ["", *HEADER, *(_row(p) for name in ("gradient", "random", "greedy") for p in searches[name]),
              _row(result["default"]), "",
              "Front: the gradient search's points no other of its points beats on both area and cosine; each is "
              f"synthesized again directly at {TARGET_LANES} lanes (the lane model's check).", "",
              "![front](explore.png)", ""]
    (out_dir / "explore.md").write_text("\n".join(lines))


def lane_model_check(result: dict[str, Any]) -> str:
    """How far the lane model (1- and 4-lane synthesis, extrapolated) is from direct 16-lane
    synthesis, over the designs synthesized both ways."""
    both = [p for p in [*result["front"], result["default"]] if p["true_area_is_direct16"]]
    if not both:
        return "The lane model was not checked against direct 16-lane synthesis in this run."
    errors = [abs(p["lane_model_area_um2"] / p["true_area_um2"] - 1) * 100 for p in both]
    return (f"Lane model against direct {TARGET_LANES}-lane synthesis over {len(both)} designs: mean error "
            f"{sum(errors) / len(errors):.1f}%, worst {max(errors):.1f}% (the lane model overestimates where a "
            "unit's area grows less than linearly in lanes; the searches compare designs by it, the answer is "
            "quoted at its direct figure).")


def verdict(result: dict[str, Any]) -> str:
    net, lin = result["evaluator"]["area_um2"], result["linear"]["area_um2"]
    if abs(net["mape"] - lin["mape"]) < 0.5:
        return (f"On area the linear model is as good as the network (held-out MAPE {lin['mape']:.2f}% against "
                f"{net['mape']:.2f}%).")
    better = "network" if net["mape"] < lin["mape"] else "linear model"
    return (f"On area the {better} is better (held-out MAPE network {net['mape']:.2f}%, linear "
            f"{lin['mape']:.2f}%).")


def plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    fig, axes = plt.subplots(1, 3, figsize=(17, 5))
    ax = axes[0]
    markers = {"gradient": ("o", "tab:blue"), "random": ("s", "tab:gray"), "greedy": ("^", "tab:orange")}
    for name, (marker, color) in markers.items():
        pts = result["searches"][name]
        ax.scatter([p["lane_model_area_um2"] / 1e6 for p in pts], [1 - p["true_cos_mean"] for p in pts],
                   marker=marker, color=color, label=name, alpha=0.8)
    front = sorted(result["front"], key=lambda p: p["lane_model_area_um2"])
    ax.plot([p["lane_model_area_um2"] / 1e6 for p in front], [1 - p["true_cos_mean"] for p in front],
            color="tab:blue", lw=1)
    d = result["default"]
    ax.scatter([d["lane_model_area_um2"] / 1e6], [1 - d["true_cos_mean"]], marker="*", s=160, color="black",
               label="default 16x16")
    for name, b in result["baselines"].items():
        if b["true_area_um2"]:
            ax.scatter([b["true_area_um2"] / 1e6], [1 - b["true_cos_mean"]], marker="D", label=name)
    ax.axhline(1 - TARGET_COS_MEAN, color="red", ls="--", lw=1, label="target")
    ax.set_yscale("log")
    ax.set_xlabel(f"area at {TARGET_LANES} lanes, mm^2 (searches: lane model; I-BERT, SOLE: direct)")
    ax.set_ylabel("1 - mean cosine to float")
    ax.set_title("front: area against fidelity (true)")
    ax.legend(fontsize=7)

    pts = [p for name in markers for p in result["searches"][name]] + [d]
    ax = axes[1]
    ax.scatter([p["lane_model_area_um2"] / 1e6 for p in pts], [p["predicted_area_um2"] / 1e6 for p in pts],
               label="synthesized 1+4 lanes, lane model")
    direct = [p for p in [*result["front"], d] if p["true_area_is_direct16"]]
    ax.scatter([p["true_area_um2"] / 1e6 for p in direct], [p["predicted_area_um2"] / 1e6 for p in direct],
               marker="x", color="red", label="synthesized at 16 lanes")
    lo = min(min(p["predicted_area_um2"], p["lane_model_area_um2"]) for p in pts) / 1e6
    hi = max(max(p["predicted_area_um2"], p["lane_model_area_um2"]) for p in pts) / 1e6
    ax.plot([lo, hi], [lo, hi], color="gray", lw=1)
    ax.set_xlabel("true area, mm^2")
    ax.set_ylabel("predicted area (evaluator), mm^2")
    ax.set_title("area: predicted against true")
    ax.legend(fontsize=7)

    ax = axes[2]
    ax.scatter([1 - p["true_cos_mean"] for p in pts], [p["predicted_one_minus_cos"] for p in pts])
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("true 1 - cos (joint calibration, evaluation corpus)")
    ax.set_ylabel("search's estimate (per-kind calibration, search corpus)")
    ax.set_title("fidelity: predicted against true")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
