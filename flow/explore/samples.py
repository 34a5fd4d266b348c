"""Cost data for the evaluator: space-filling samples of the design space, each synthesized
through the project's cost flow (flow.cost: OSU 0.18 um area with flip-flops, OpenSTA Fmax;
ECP5 place and route for the kinds given) at every SAMPLE_LANES, cached by configuration.

Samples are a Latin hypercube over each kind's dimensions (scipy.stats.qmc, fixed seed), mapped
to the discrete choices and deduplicated, so every value of every dimension is drawn about
equally often. They come in three sets (SAMPLE_SETS), each with its own stream of the seed:
- "equal", `per_kind`: the output as wide as the input and each unit's base pipeline (the
  hypercube over the other dimensions: the space had one width and no pipelining choice when
  these were first measured);
- "split", `split_per_kind`: over every dimension but the pipeline, each with an output
  narrower or wider than its input;
- "pipelined", `pipelined_per_kind`: with equal widths and the kind's pipelining option beyond
  the base, over the other dimensions (Softmax's sum stage; the other kinds have none, so they
  get none).
Together they cover the space; each new set left the earlier ones as they were, so their
measurements stayed valid.
Synthesis runs `jobs` at a time on the local cores, or on a Dask distributed cluster (`--dask
local` starts a local one; `--dask tcp://host:8786` uses an existing scheduler): each task
measures one point and returns its record, which this process caches.

The snapshot (docs/explore/cost_samples.json, written by `python -m flow.explore`) holds every
cost record the exploration used (samples, verification points, baselines) with its cache key:
a clean clone seeds its cost cache from it, and a record measured on other sources (the RTL
changed since) is left out and measured again when needed.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any


from flow.cost import CostError, CostRecord, cache_file, cached_cost, check_tools, cost, store
from flow.explore.space import (DEFAULT_DESIGN, DIMENSIONS, KINDS, PIPELINES, SAMPLE_LANES, Choice,
                                unit_config, unit_spec, valid_choices)
from models.units import UnitConfig
from models.paths import REPO_ROOT

SNAPSHOT = REPO_ROOT / "docs" / "explore" / "cost_samples.json"
SNAPSHOT_VERSION = 1


@dataclass(frozen=True)
class SampleSet:
    """Which choices one set of samples holds: output and input widths equal or not, the base
    pipeline or the kind's pipelining option; and the offset of its stream of the seed."""

    split_widths: bool
    pipelined: bool
    seed_offset: int

    def pipeline(self, kind: str) -> str | None:
        """The pipeline value of the set's choices of a kind (None: the kind has none)."""
        if not self.pipelined:
            return "base"
        options = PIPELINES.get(kind, ())
        return options[0] if options else None

    def hypercube_dimensions(self) -> list[str]:
        # The pipeline is fixed per set (one option beyond the base per kind); out_width is drawn
        # only where it differs from the width.
        return [n for n in DIMENSIONS if n != "pipeline" and (self.split_widths or n != "out_width")]


SAMPLE_SETS = {"equal": SampleSet(False, False, 0), "split": SampleSet(True, False, 500),
               "pipelined": SampleSet(False, True, 700)}


@dataclass(frozen=True)
class Sample:
    """One synthesized point: a kind's choice at a lane count, and its measured cost."""

    kind: str
    choice: Choice
    lanes: int
    record: CostRecord


def space_filling(kind: str, count: int, seed: int, sample_set: str = "equal") -> list[Choice]:
    """Up to `count` distinct valid choices of a kind in one of SAMPLE_SETS, from a Latin
    hypercube over the set's dimensions (reproducible: the same seed gives the same list; a kind
    with no choice in the set gets none)."""
    from scipy.stats import qmc

    if count < 1:
        raise ValueError(f"sample count must be >= 1, got {count}")
    if sample_set not in SAMPLE_SETS:
        raise ValueError(f"unknown sample set {sample_set!r}; choose from {', '.join(SAMPLE_SETS)}")
    chosen_set = SAMPLE_SETS[sample_set]
    pipeline = chosen_set.pipeline(kind)
    valid = {c for c in valid_choices(kind)
             if (c.out_width != c.width) == chosen_set.split_widths and c.pipeline == pipeline}
    if not valid:
        return []
    names = chosen_set.hypercube_dimensions()
    sampler = qmc.LatinHypercube(d=len(names), seed=seed)
    out: list[Choice] = []
    # Draw until enough distinct valid choices (the space is finite: stop when it is exhausted).
    for _ in range(64):
        for row in sampler.random(count):
            values = [DIMENSIONS[n][min(int(u * len(DIMENSIONS[n])), len(DIMENSIONS[n]) - 1)]
                      for n, u in zip(names, row)]
            chosen = dict(zip(names, values))
            choice = Choice(**{"out_width": chosen["width"], "pipeline": pipeline, **chosen})
            if choice in valid and choice not in out:
                out.append(choice)
            if len(out) == count or len(out) == len(valid):
                return out
    return out


def plan(counts: dict[str, int], seed: int, split_counts: dict[str, int] | None = None,
         pipelined_counts: dict[str, int] | None = None) -> list[tuple[str, Choice]]:
    """The sampled (kind, choice) pairs: each kind with its own streams of the seed (counts[kind]
    of the "equal" set, split_counts[kind] of "split", pipelined_counts[kind] of "pipelined";
    SAMPLE_SETS), plus the kind's default choice (DEFAULT_DESIGN: the reference every report
    compares with)."""
    per_set = {"equal": counts, "split": split_counts or {}, "pipelined": pipelined_counts or {}}
    unknown = sorted(set().union(*per_set.values()) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown kind(s) {', '.join(unknown)}; choose from {', '.join(KINDS)}")
    out = []
    for i, kind in enumerate(KINDS):
        choices: list[Choice] = []
        for name, kind_counts in per_set.items():
            if kind_counts.get(kind, 0) > 0:
                choices += space_filling(kind, kind_counts[kind], seed + 1000 * i + SAMPLE_SETS[name].seed_offset,
                                           name)
        default = DEFAULT_DESIGN.of(kind)
        if choices:
            out += [(kind, c) for c in choices + ([] if default in choices else [default])]
    return out


def measure(kind: str, choice: dict[str, Any], lanes: int, ecp5: bool) -> dict[str, Any]:
    """One point through the cost flow (a task: arguments and result are plain data, so a
    cluster worker can run it)."""
    config = unit_config(kind, Choice(**choice), lanes)
    return cost(unit_spec(kind), config, ecp5=ecp5).to_dict()


def cached(kind: str, choice: Choice, lanes: int, ecp5: bool = False) -> CostRecord | None:
    """The cached record of a point (with ECP5 figures when they are asked for), or None."""
    record = cached_cost(unit_spec(kind), unit_config(kind, choice, lanes))
    if record is None or (ecp5 and record.ecp5_lut4 is None and not record.ecp5_note):
        return None
    return record


def point_cost(kind: str, choice: Choice, lanes: int) -> CostRecord:
    """A point's ASIC cost: from the cache, else measured here (and cached by the cost flow)."""
    record = cached(kind, choice, lanes)
    return record if record is not None else CostRecord(**measure(kind, choice.to_dict(), lanes, False))


def collect(points: list[tuple[str, Choice]], jobs: int = 2, ecp5_kinds: tuple[str, ...] = (),
            dask: str | None = None, log: Callable[[str], None] = print,
            lanes_list: tuple[int, ...] = SAMPLE_LANES) -> list[Sample]:
    """Measure every point at every lane count of lanes_list (cached ones are read, not
    synthesized); ECP5 place and route at the first lane count for the kinds given."""
    tasks = [(kind, choice, lanes, kind in ecp5_kinds and lanes == lanes_list[0])
             for kind, choice in dict.fromkeys(points) for lanes in lanes_list]
    found = {i: r for i, t in enumerate(tasks) if (r := cached(*t)) is not None}
    todo = [i for i in range(len(tasks)) if i not in found]
    # The kinds take turns, so that a run stopped early (ECP5 takes minutes a point) leaves
    # samples of every kind rather than all of the first.
    seen: Counter[str] = Counter()
    turn: dict[int, int] = {}
    for i in todo:
        seen[tasks[i][0]] += 1
        turn[i] = seen[tasks[i][0]]
    todo.sort(key=lambda i: (turn[i], i))
    if todo:
        check_tools(ecp5=any(tasks[i][3] for i in todo))
    log(f"cost: {len(tasks) // len(lanes_list)} configurations x {len(lanes_list)} lane count(s) = {len(tasks)} "
        f"syntheses, {len(found)} cached, {len(todo)} to run on "
        f"{'dask ' + dask if dask else f'{jobs} local job(s)'}")
    records: dict[int, CostRecord] = dict(found)
    started = time.monotonic()

    def done(index: int, record: CostRecord) -> None:
        records[index] = record
        kind, choice, lanes, ecp5 = tasks[index]
        finished = len(records) - len(found)
        elapsed = time.monotonic() - started
        eta = elapsed / finished * (len(todo) - finished)
        fpga = ""
        if ecp5:
            fpga = (f", ECP5 {record.ecp5_lut4} LUT4" if record.ecp5_lut4 is not None
                    else f", ECP5 not placed: {record.ecp5_note}")
        log(f"  [{finished}/{len(todo)}] {kind} {choice.label()} L{lanes}: {record.area_um2:,.0f} um^2, "
            f"{record.fmax_mhz:.0f} MHz{fpga} ({record.seconds:.0f} s; {elapsed:.0f} s elapsed, ~{eta:.0f} s left)")

    if dask:
        _collect_dask(tasks, todo, dask, jobs, done)
    else:
        def one(index: int) -> tuple[int, CostRecord]:
            kind, choice, lanes, ecp5 = tasks[index]
            return index, CostRecord(**measure(kind, choice.to_dict(), lanes, ecp5))

        # Reported as they finish (a long point does not hold back the progress of the others).
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            for future in as_completed([pool.submit(one, i) for i in todo]):
                done(*future.result())
    return [Sample(t[0], t[1], t[2], records[i]) for i, t in enumerate(tasks)]


def _collect_dask(tasks: list[tuple[str, Choice, int, bool]], todo: list[int], address: str, jobs: int,
                  done: Callable[[int, CostRecord], None]) -> None:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise CostError("--dask needs the 'distributed' package (pip install 'dask[distributed]')") from None
    cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                           dashboard_address=None) if address == "local" else None
    try:
        with Client(cluster if cluster is not None else address) as client:
            futures = {client.submit(measure, tasks[i][0], tasks[i][1].to_dict(), tasks[i][2], tasks[i][3],
                                     pure=False): i for i in todo}
            for future in as_completed(futures):
                # The worker cached it on its own machine; cache it here too.
                index, record = futures[future], CostRecord(**future.result())
                kind, choice, lanes, ecp5 = tasks[index]
                store(unit_spec(kind), unit_config(kind, choice, lanes), record, ecp5)
                done(index, record)
    finally:
        if cluster is not None:
            cluster.close()


# ------------------------------------------------------------------------------ snapshot

def _has_ecp5(record: CostRecord) -> bool:
    return record.ecp5_lut4 is not None or bool(record.ecp5_note)


def _config_of(record: CostRecord) -> Any:
    from tb.registry import UNITS

    if record.unit not in UNITS:
        raise ValueError(f"unknown unit {record.unit!r}")
    config_type = UNITS[record.unit].config_type
    if config_type is UnitConfig:
        return UnitConfig.from_dict(record.options)  # options without `fit` are a minimax table's
    return config_type(**record.options)


def _key(record: CostRecord) -> str:
    """The cost cache's key of a record with the current sources (changes with the RTL)."""
    from tb.registry import UNITS

    return cache_file(UNITS[record.unit], _config_of(record), _has_ecp5(record)).name


def write_snapshot(records: list[CostRecord], path: Path | None = None, command: str = "") -> None:
    """Every record (cost samples, verification points, baselines) with its cache key."""
    path = SNAPSHOT if path is None else path   # read at call time (tests point SNAPSHOT elsewhere)
    unique = {(r.unit, json.dumps(r.options, sort_keys=True), _has_ecp5(r)): r for r in records}
    rows = [{"record": r.to_dict(), "cache_key": _key(r)} for _, r in sorted(unique.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": SNAPSHOT_VERSION, "generated_by": command, "records": rows},
                               indent=0, sort_keys=True) + "\n")


def read_snapshot(path: Path | None = None) -> list[tuple[CostRecord, str]]:
    """The snapshot's records and their cache keys (a malformed file is an error that names it,
    never half-read)."""
    path = SNAPSHOT if path is None else path
    try:
        data = json.loads(path.read_text())
        if data.get("version") != SNAPSHOT_VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {SNAPSHOT_VERSION}")
        rows = [(CostRecord(**r["record"]), str(r["cache_key"])) for r in data["records"]]
        for record, _ in rows:
            _config_of(record)
    except FileNotFoundError:
        raise CostError(f"no cost snapshot at {path}; run `python -m flow.explore --sample-only` to make one") from None
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise CostError(f"cost snapshot {path} is malformed ({err}); regenerate it with "
                        f"`python -m flow.explore --sample-only`") from None
    return rows


def seed_cache(rows: list[tuple[CostRecord, str]]) -> list[CostRecord]:
    """Put the snapshot's records into the cost cache where they were measured on the current
    sources (same cache key) and return those. A stale record is left out: its configuration is
    measured again when it is needed."""
    from tb.registry import UNITS

    current = []
    for record, key in rows:
        spec, config = UNITS[record.unit], _config_of(record)
        path = cache_file(spec, config, _has_ecp5(record))
        if path.name != key:
            continue
        if not path.exists():
            store(spec, config, record, _has_ecp5(record))
        current.append(record)
    return current
