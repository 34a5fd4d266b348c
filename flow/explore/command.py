"""`make explore`: the smallest set of NN-LUT units (GELU, Softmax, LayerNorm) that keeps
all-MiniLM-L6-v2 faithful, found by gradient search on a learned cost evaluator and the real
model, checked against random and greedy search, every reported point verified.

Steps (each prints its progress):
1. cost data: the snapshot (docs/explore/cost_samples.json) seeds the cost cache; the sampled
   configurations (flow.explore.samples) are synthesized where the cache lacks them;
2. the evaluator: held-out error of the network and of a linear regression, then the network
   fitted on every sample;
3. the gradient search, one run per lambda; random and greedy search with as many true
   evaluations as the gradient search proposed designs;
4. true evaluation of every proposed design: synthesis of its three units (1 and 4 lanes,
   the lane model to 16) and the calibrated end-to-end run on the evaluation corpus (cached by
   the design's functions, the corpora and the sources: flow.explore.truth_cache; its snapshot,
   docs/explore/fidelity_samples.json, seeds the cache as the cost snapshot does);
5. the front (the gradient search's Pareto points, area against 1 - cosine), each point
   synthesized again directly at 16 lanes; the chosen design: the smallest front point that
   meets the fidelity targets; next to it the default 16-entry 16-bit units, I-BERT and SOLE;
6. build/report/explore.{md,png,json}; the report, the plot and the cost and fidelity
   snapshots are copied to docs/explore/.

    python -m flow.explore [--seed 2026] [--jobs 2] [--dask local|tcp://host:8786] [--tiny]
    python -m flow.explore --sample-only [--per-kind 32] [--split-per-kind 12] [--pipelined-per-kind 12]
                                         # the cost snapshot only
"""

from __future__ import annotations

import argparse
import functools
import os
import shlex
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from flow.explore.space import DEFAULT_DESIGN, KINDS, SAMPLE_LANES, TARGET_LANES, Design
from models.paths import BUILD_DIR, REPO_ROOT

DOCS_DIR = REPO_ROOT / "docs" / "explore"
PER_KIND = 32
# Samples per kind whose output width differs from the input's, on top of PER_KIND with equal
# widths (flow.explore.samples).
SPLIT_PER_KIND = 12
# Samples per kind with a pipelining option beyond the unit's base pipeline (Softmax's sum stage;
# the other kinds have none).
PIPELINED_PER_KIND = 12
SEED = 2026
BASELINE_UNITS = {"I-BERT": ("ibert_gelu", "ibert_softmax", "ibert_layernorm"),
                  "SOLE": ("sole_e2softmax", "sole_ailayernorm")}


def _shown(path: Path) -> str:
    """A path as the log shows it: relative to the repository where it lies inside."""
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from flow.explore.evaluator import EPOCHS
    from flow.explore.search import LAMBDAS, STEPS

    parser = argparse.ArgumentParser(prog="python -m flow.explore", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=SEED, help=f"sampling, search and split seed (default {SEED})")
    parser.add_argument("--per-kind", type=int, default=PER_KIND,
                        help=f"cost samples per unit kind with the output as wide as the input, each at 1 and 4 "
                             f"lanes (default {PER_KIND})")
    parser.add_argument("--split-per-kind", type=int, default=SPLIT_PER_KIND,
                        help=f"more cost samples per unit kind whose output is narrower or wider than the input "
                             f"(default {SPLIT_PER_KIND}; 0 for none)")
    parser.add_argument("--pipelined-per-kind", type=int, default=PIPELINED_PER_KIND,
                        help=f"more cost samples per unit kind with a pipelining option beyond the base pipeline, "
                             f"for the kinds that have one (default {PIPELINED_PER_KIND}; 0 for none)")
    parser.add_argument("--jobs", type=int, default=2, help="parallel syntheses on the local cores (default 2)")
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="synthesize on a Dask distributed cluster: 'local' starts one on this machine "
                             "(--jobs workers), tcp://host:port uses a running scheduler")
    parser.add_argument("--ecp5-kinds", default="",
                        help="kinds whose 1-lane samples are also placed and routed on the ECP5 (comma-"
                             "separated; default none: place and route takes minutes per point, ten times "
                             "the ASIC flow; the report says how many samples of the committed snapshot have it)")
    parser.add_argument("--lambdas", default=",".join(f"{x:g}" for x in LAMBDAS),
                        help="area weights of the gradient search, one run each")
    parser.add_argument("--steps", type=int, default=STEPS, help=f"gradient steps per lambda (default {STEPS})")
    parser.add_argument("--epochs", type=int, default=EPOCHS,
                        help=f"training epochs of the cost evaluator, each fold and the final fit (default {EPOCHS})")
    parser.add_argument("--eval-sentences", type=int, default=None,
                        help="evaluation corpus size (default: make e2e's)")
    parser.add_argument("--calibration-sentences", type=int, default=None,
                        help="calibration corpus size (default: make e2e's)")
    parser.add_argument("--search-sentences", type=int, default=32,
                        help="sentences of the search's fidelity forward (default 32; apart from both corpora)")
    parser.add_argument("--no-verify16", action="store_true",
                        help="skip the direct 16-lane synthesis of the front (minutes per LayerNorm)")
    parser.add_argument("--tiny", action="store_true",
                        help="a few sentences, one lambda, two steps, 100 evaluator epochs, one random and one "
                             "greedy design: the path end to end in minutes (the regression's test)")
    parser.add_argument("--sample-only", action="store_true", help="only collect the cost samples and write "
                        "the snapshot")
    parser.add_argument("--report-dir", type=Path, default=BUILD_DIR / "report")
    parser.add_argument("--no-docs", action="store_true", help="do not copy the report and snapshot to docs/")
    args = parser.parse_args(argv)
    try:
        args.lambdas = tuple(float(x) for x in args.lambdas.split(",") if x.strip())
    except ValueError:
        fail(f"--lambdas must be comma-separated numbers, got {args.lambdas!r}")
    args.ecp5_kinds = tuple(k.strip() for k in args.ecp5_kinds.split(",") if k.strip())
    for name, value, low in (("--per-kind", args.per_kind, 1), ("--jobs", args.jobs, 1), ("--steps", args.steps, 1),
                             ("--epochs", args.epochs, 1),
                             ("--search-sentences", args.search_sentences, 2)):
        if value < low:
            fail(f"{name} must be at least {low}, got {value}")
    for name, value in (("--split-per-kind", args.split_per_kind), ("--pipelined-per-kind", args.pipelined_per_kind)):
        if value < 0:
            fail(f"{name} must be at least 0, got {value}")
    if not args.lambdas or any(x < 0 for x in args.lambdas):
        fail("--lambdas needs at least one value, none negative")
    unknown = [k for k in args.ecp5_kinds if k not in KINDS]
    if unknown:
        fail(f"--ecp5-kinds: unknown kind(s) {', '.join(unknown)}; choose from {', '.join(KINDS)}")
    if args.tiny:
        args.lambdas, args.steps = args.lambdas[:1], min(args.steps, 2)
        args.split_per_kind = min(args.split_per_kind, 2)
        args.pipelined_per_kind = min(args.pipelined_per_kind, 2)
        # Enough to run every line of the fit; the test checks the path, not the evaluator's error.
        args.epochs = min(args.epochs, 100)
        args.eval_sentences = args.eval_sentences or 8
        args.calibration_sentences = args.calibration_sentences or 4
        args.search_sentences = min(args.search_sentences, 4)
        args.no_verify16 = True
        args.no_docs = True
    return args


@dataclass
class Evaluated:
    """A design after true evaluation."""

    design: Design
    how: str
    predicted_area_um2: float
    area_um2: float                      # synthesized at 1 and 4 lanes, the lane model to 16
    area_by_kind: dict[str, float]
    cos_mean: float
    top1: float
    predicted_loss: float                # the search's fidelity model: 1 - cos on the search corpus
    direct16_um2: float | None = None    # synthesized directly at 16 lanes (front points)
    fmax16_mhz: float | None = None
    on_front: bool = False

    @property
    def meets(self) -> bool:
        from flow.explore.search import meets_targets

        return meets_targets(self.cos_mean, self.top1)

    def to_dict(self) -> dict[str, Any]:
        return {"config": self.design.to_dict(), "label": self.design.label(), "how": self.how,
                "predicted_area_um2": self.predicted_area_um2, "lane_model_area_um2": self.area_um2,
                "area_by_kind_um2": self.area_by_kind,
                "true_area_um2": self.direct16_um2 if self.direct16_um2 is not None else self.area_um2,
                "true_area_is_direct16": self.direct16_um2 is not None, "fmax16_mhz": self.fmax16_mhz,
                "true_cos_mean": self.cos_mean, "true_top1": self.top1,
                "predicted_one_minus_cos": self.predicted_loss, "meets_targets": self.meets}


@dataclass
class Explorer:
    args: argparse.Namespace
    # Flushed, so that progress shows line by line when the output goes to a file or a pipe.
    log: Any = functools.partial(print, flush=True)
    records: list[Any] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def lane_model_area(self, design: Design) -> tuple[float, dict[str, float]]:
        from flow.explore.evaluator import lane_model
        from flow.explore.samples import point_cost

        by_kind = {}
        for k in KINDS:
            a1, a4 = (point_cost(k, design.of(k), lanes) for lanes in SAMPLE_LANES)
            self.records += [a1, a4]
            by_kind[k] = lane_model(a1.area_um2, a4.area_um2, TARGET_LANES)
        return sum(by_kind.values()), by_kind

    def direct16(self, design: Design) -> tuple[float, float]:
        from flow.explore.samples import point_cost

        records = [point_cost(k, design.of(k), TARGET_LANES) for k in KINDS]
        self.records += records
        return sum(r.area_um2 for r in records), min(r.fmax_mhz for r in records)

    def synthesize(self, designs: list[Design], lanes: tuple[int, ...]) -> None:
        from flow.explore.samples import collect

        collect([(k, d.of(k)) for d in designs for k in KINDS], jobs=self.args.jobs, dask=self.args.dask,
                log=self.log, lanes_list=lanes)


def _pareto(points: list[Evaluated]) -> list[Evaluated]:
    """Points no other point beats on both area and 1 - cosine."""
    front = []
    for p in points:
        if not any((q.area_um2 <= p.area_um2 and q.cos_mean >= p.cos_mean) and
                   (q.area_um2 < p.area_um2 or q.cos_mean > p.cos_mean) for q in points):
            front.append(p)
    return sorted({p.design: p for p in front}.values(), key=lambda p: p.area_um2)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    command = "python -m flow.explore " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    started = time.perf_counter()
    from flow.cost import COST_LABEL, CostError
    from flow.explore import samples as sampling

    explorer = Explorer(args)
    log = explorer.log

    # 1. cost data
    step = time.perf_counter()
    try:
        if sampling.SNAPSHOT.exists():
            rows = sampling.read_snapshot()
            # Kept in the snapshot this run writes, whether or not this run needs them.
            explorer.records += sampling.seed_cache(rows)
            stale = len(rows) - len(explorer.records)
            log(f"cost snapshot {_shown(sampling.SNAPSHOT)}: {len(explorer.records)} records seeded "
                "into the cache" + (f", {stale} measured on other sources (left out; measured again where needed)"
                                    if stale else ""))
        points = sampling.plan({k: args.per_kind for k in KINDS}, args.seed,
                               {k: args.split_per_kind for k in KINDS}, {k: args.pipelined_per_kind for k in KINDS})
        data = sampling.collect(points, jobs=args.jobs, ecp5_kinds=args.ecp5_kinds, dask=args.dask, log=log)
    except (CostError, ValueError) as err:
        fail(str(err))
    explorer.records += [s.record for s in data]
    explorer.timings["cost data"] = time.perf_counter() - step
    if args.sample_only:
        sampling.write_snapshot(explorer.records, command=command)
        log(f"snapshot: {sampling.SNAPSHOT} ({len(data)} samples)")
        return

    # 2. the evaluator
    from flow.explore import evaluator as ev

    step = time.perf_counter()
    errors = ev.held_out(data, seed=args.seed, epochs=args.epochs)
    for line in ev.summary(errors):
        log("  " + line)
    x, y, _ = ev.dataset(data)
    model = ev.fit_network(x, y, seed=args.seed, epochs=args.epochs)
    explorer.timings["evaluator"] = time.perf_counter() - step

    # 3. searches
    from models.e2e.corpus import DEFAULT_CALIBRATION_SIZE, DEFAULT_SIZE, calibration_corpus, stdlib_corpus
    from flow.explore import search
    from flow.explore.fidelity import FidelityBench

    step = time.perf_counter()
    eval_sentences = stdlib_corpus(args.eval_sentences or DEFAULT_SIZE)
    n_cal = args.calibration_sentences or DEFAULT_CALIBRATION_SIZE
    pool = calibration_corpus(n_cal + args.search_sentences, exclude=eval_sentences)
    calibration, search_sentences = pool[:n_cal], pool[n_cal:]
    log(f"fidelity: all-MiniLM-L6-v2, {len(eval_sentences)} evaluation, {len(calibration)} calibration and "
        f"{len(search_sentences)} search sentences")
    from flow.explore import truth_cache

    try:
        current, rows = truth_cache.seed_from_snapshot()
    except ValueError as err:
        fail(str(err))
    if rows:
        log(f"fidelity snapshot {_shown(truth_cache.SNAPSHOT)}: {current} of {rows} results "
            "computed by the current sources seeded into the cache")
    bench = FidelityBench(eval_sentences, search_sentences, calibration, log=log)
    proposals: list[search.Proposal] = []
    for i, lam in enumerate(args.lambdas):
        log(f"gradient search, lambda {lam:g} ({i + 1}/{len(args.lambdas)})")
        proposals.append(search.gradient_search(bench, model, lam, seed=args.seed + i, steps=args.steps, log=log))
        log(f"  -> {proposals[-1].design.label()}")
    explorer.timings["gradient search"] = time.perf_counter() - step
    gradient_designs = list(dict.fromkeys(p.design for p in proposals))
    budget = len(gradient_designs)

    # 4. true evaluations
    def evaluate(design: Design, how: str) -> Evaluated:
        area, by_kind = explorer.lane_model_area(design)
        truth = bench.true_fidelity(design)
        loss = bench.design_loss(design)
        point = Evaluated(design, how, search.predicted_total_area(model, design), area, by_kind,
                          truth.cos_mean, truth.top1, loss)
        log(f"  {how}: {design.label()}: {area / 1e6:.3f} mm^2 (predicted {point.predicted_area_um2 / 1e6:.3f}), "
            f"cos {truth.cos_mean:.6f}, top-1 {truth.top1:.1%}")
        return point

    step = time.perf_counter()
    explorer.synthesize(gradient_designs + [DEFAULT_DESIGN], SAMPLE_LANES)
    log(f"true evaluation of {budget} gradient design(s)")
    gradient = [evaluate(d, next(p.how for p in proposals if p.design == d)) for d in gradient_designs]
    default = evaluate(DEFAULT_DESIGN, "default")
    log(f"random search, {budget} true evaluation(s)")
    randoms = search.random_designs(budget, args.seed)
    explorer.synthesize(randoms, SAMPLE_LANES)
    random_points = [evaluate(d, f"random #{i + 1}") for i, d in enumerate(randoms)]
    log(f"greedy search from the default design, {budget} true evaluation(s)")
    greedy_points: list[Evaluated] = []
    current = default
    while len(greedy_points) < budget:
        moves = [m for m in search.greedy_moves(current.design)
                 if m not in {p.design for p in greedy_points}]
        if not moves:
            break
        explorer.synthesize([moves[0]], SAMPLE_LANES)
        point = evaluate(moves[0], f"greedy step {len(greedy_points) + 1}")
        greedy_points.append(point)
        if point.meets:
            current = point
    explorer.timings["true evaluations"] = time.perf_counter() - step

    # 5. the front, verified at 16 lanes
    step = time.perf_counter()
    front = _pareto(gradient)
    for p in front:
        p.on_front = True
    verify = front + [default]
    if not args.no_verify16:
        log(f"verification: {len(front)} front point(s) and the default synthesized directly at {TARGET_LANES} lanes")
        explorer.synthesize([p.design for p in verify], (TARGET_LANES,))
        for p in verify:
            p.direct16_um2, p.fmax16_mhz = explorer.direct16(p.design)
    meeting = [p for p in front if p.meets]
    chosen = min(meeting, key=lambda p: p.direct16_um2 or p.area_um2) if meeting else None
    baselines = baseline_points(explorer, bench, args)
    explorer.timings["verification and baselines"] = time.perf_counter() - step
    explorer.timings["total"] = time.perf_counter() - started

    # 6. report
    from flow.explore.report import write_report

    result = {
        "command": command, "seed": args.seed, "lanes": TARGET_LANES,
        "cost_label": COST_LABEL, "samples": len(data),
        # What the samples cost when they were synthesized (this run or the one that made the snapshot).
        "sample_synthesis_s": sum(s.record.seconds for s in data),
        "samples_with_ecp5": sum(s.record.ecp5_lut4 is not None for s in data),
        # Samples whose output width differs from the input's (the second set, flow.explore.samples).
        "split_width_samples": sum(s.choice.out_width != s.choice.width for s in data),
        # Samples with a pipelining option beyond the base (the third set).
        "pipelined_samples": sum(s.choice.pipeline != "base" for s in data),
        "evaluator": errors["network"], "linear": errors["linear"],
        "front": [p.to_dict() for p in front], "default": default.to_dict(),
        "chosen": chosen.to_dict() if chosen else None,
        "searches": {"gradient": [p.to_dict() for p in gradient], "random": [p.to_dict() for p in random_points],
                     "greedy": [p.to_dict() for p in greedy_points]},
        "baselines": baselines, "budget": budget, "lambdas": list(args.lambdas), "steps": args.steps,
        "corpus": {"evaluation": len(eval_sentences), "calibration": len(calibration), "search": len(search_sentences)},
        "calibration_seconds": bench.calibration_seconds, "timings_s": explorer.timings, "cores": os.cpu_count(),
        "end_to_end_results": {"read": bench.read_count, "computed": bench.computed_count},
    }
    args.report_dir.mkdir(parents=True, exist_ok=True)
    write_report(result, args.report_dir)
    if not args.no_docs:
        DOCS_DIR.mkdir(parents=True, exist_ok=True)
        for name in ("explore.md", "explore.png", "explore.json"):
            shutil.copy(args.report_dir / name, DOCS_DIR / name)
        sampling.write_snapshot(explorer.records, command=command)
        truth_cache.write_snapshot(bench.results.values(), command=command)
    log(f"report: {args.report_dir / 'explore.md'} ({explorer.timings['total']:.0f} s)")


def baseline_points(explorer: Explorer, bench: Any, args: argparse.Namespace) -> dict[str, Any]:
    """I-BERT's and SOLE's units at 16 lanes (their default formats) and their calibrated
    end-to-end fidelity (SOLE has no GELU: its GELU sites stay float and its area has none)."""
    from flow.cost import cached_cost, cost
    from models.e2e.methods import Widths
    from tb.registry import UNITS

    out = {}
    for method, units in BASELINE_UNITS.items():
        area = fmax = None
        if not args.tiny:
            records = []
            for u in units:
                config = UNITS[u].config(lanes=TARGET_LANES)
                if cached_cost(UNITS[u], config) is None:
                    explorer.log(f"  {method}: synthesizing {u} at {TARGET_LANES} lanes (minutes for the larger units)")
                records.append(cost(UNITS[u], config, ecp5=False))
            explorer.records += records
            area, fmax = sum(r.area_um2 for r in records), min(r.fmax_mhz for r in records)
        truth = bench.method_fidelity(method.lower().replace("-", ""), Widths(16, 16))
        out[method] = {"units": list(units), "true_area_um2": area, "fmax16_mhz": fmax,
                       "true_cos_mean": truth.cos_mean, "true_top1": truth.top1,
                       "note": "no GELU unit: GELU stays float, not in the area" if method == "SOLE" else ""}
        explorer.log(f"  {method}: {'-' if area is None else f'{area / 1e6:.3f} mm^2'}, cos {truth.cos_mean:.6f}, "
                     f"top-1 {truth.top1:.1%}")
    return out


__all__ = ["main", "parse_args", "Explorer", "Evaluated"]
