"""`make mutate`: a mutation campaign over every registered unit, its own bench tests as the
killer.

Each mutant changes one operator or constant on one line of one of the unit's RTL files
(relational and equality operators, logical and/or, add/subtract, a 1-bit constant, a
negation): a handshake, bubble or pipeline-enable fault is one such change. Width mutants
narrow one declared width by one bit (`localparam int unsigned SumWidth = E;` -> `(E) - 1`): every
width the models claim as a bound (exp, sum, statistics, products; UnitSpec.bound_widths) is
narrowed in every campaign, since some test must reach it so that one bit less fails, and
`--widths` more are drawn from the other declarations. Mutants are
drawn with a fixed seed from every site in the unit's files (comments, assertions and
elaboration checks excluded), each built and run in its own folder from a mutated copy of the
one file (the working tree is never touched). A mutant is
- killed: a bench test failed at the unit's default configuration or, for a mutant that
  survives it, at one of its other regression configurations (where generate branches the
  defaults do not build are live); a build that fails elaboration checks is reported as invalid,
- equivalent: it survived and Yosys showed it equivalent to the original at the unit's default
  configuration and at each other regression configuration that builds the mutated file (a
  line dead at the defaults may be live in another): the same netlist after elaboration (a mutant in code that only computes
  parameters, in a generate condition that picks the same branch, or in a value nothing reads),
  or else a proof (equiv_make / equiv_simple / equiv_induct) of the mutated module on its own
  at every parameter set the configuration uses, or of the whole unit (flow/equiv_worker.py); a survivor
  Yosys cannot elaborate (not synthesisable RTL) is invalid,
- survived: neither; listed with its change.
Score = killed / (mutants - equivalent - invalid).
Outcomes are cached in build/mutate/cache by mutant, seed and the digest of everything that
decides them (the unit's RTL, the models and runner, the shared bench components and the unit's
own benches: unit_inputs), so a campaign re-run on unchanged sources reads them back, and a
change to one unit's RTL or bench re-runs that unit's mutants (`--fresh` runs every mutant again).

    python -m flow.mutate [--per-unit 15] [--widths 3] [--no-bounds] [--units gelu ...] [--jobs 2] [--seed 1]
    python -m flow.mutate --per-unit 0 --widths 0 --units ibert_softmax   # its declared bounds only

Writes build/mutate/report.md (score per unit, survivors, every mutant's outcome and why) and,
for a campaign over every unit, its snapshot docs/mutate.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from models.paths import BUILD_DIR, REPO_ROOT
from tb.common.spec import UnitSpec
from tb.registry import UNITS

OUT_DIR = BUILD_DIR / "mutate"
CACHE_DIR = OUT_DIR / "cache"
# What decides whether the benches kill a mutant besides the mutant itself: the models and the
# runner (a change to either re-runs every mutant); each unit adds its own RTL sources (at every
# configuration its benches build, and the include files), the shared bench components and its
# own benches (unit_inputs). RUN_VERSION stands for this file's way of building
# and judging a mutant: raise it when run_mutant changes. The equivalence check is versioned apart
# (EQUIV_INPUTS): a newer one re-examines the cached survivors without running their benches again.
CACHE_INPUTS = ("models", "flow/runner.py")
RUN_VERSION = "1"
EQUIV_INPUTS = ("flow/equiv_worker.py",)
# Bumped when what an equivalence verdict covers changes (2: every regression configuration).
EQUIV_VERSION = "2"
# Width mutants are built with Verilator's WIDTH warnings off: a narrowed port no longer matches
# its connection, which lint refuses (make lint stays strict); the question here is whether a
# simulation finds the lost bit.
WIDTH_BUILD_ARGS = ["-Wno-WIDTH"]
BOUND_DECLARATION = re.compile(rb"(\n[ \t]*#[^\n]*)*\n[ \t]*bound_widths=\(.*?\),(?=\n)", re.S)
EQUIV_TIMEOUT_S = 300

# (name, pattern, replacement): applied to one match on one line. A line holds a mutation and,
# where there is one, its inverse.
OPERATORS: list[tuple[str, str, str]] = [
    ("ge->gt", r"(?<![<>=!])>=(?!=)", ">"), ("gt->ge", r"(?<![<>=\-])>(?![>=])", ">="),
    ("lt->le", r"(?<![<=])<(?![<=])", "<="),
    ("eq->ne", r"==", "!="), ("ne->eq", r"!=", "=="),
    ("and->or", r"&&", "||"), ("or->and", r"\|\|", "&&"),
    ("add->sub", r"(?<=\s)\+(?=\s)", "-"), ("sub->add", r"(?<=\s)-(?=\s)", "+"),
    ("1->0", r"1'b1", "1'b0"), ("0->1", r"1'b0", "1'b1"),
    ("drop-not", r"!(?=[A-Za-z_(])", ""),
]
WIDTH = "width-1"
# A width declared on one line: `localparam int unsigned <...Width|...Bits> = <expression>;` (or `,`
# in a parameter list); the expression is what the mutant narrows.
WIDTH_DECL = re.compile(r"^(\s*localparam\s+int\s+unsigned\s+\w*(?:Width|Bits)\w*\s*=\s*)([^;,]+?)(\s*[;,].*)$")
DECLARED_NAME = re.compile(r"(\w+)\s*=\s*$")
SKIP_LINE = re.compile(r"^\s*(//|\$fatal|`ASSERT|`include|module|endmodule|parameter|localparam|input|output)|"
                       r"\$fatal|ASSERT|\$display|\$error")


@dataclass
class Mutant:
    unit: str
    index: int
    file: str        # relative to the repository
    line: int        # 1-based
    operator: str
    original: str
    mutated: str
    outcome: str = "pending"   # killed | survived | equivalent | invalid
    detail: str = ""
    seconds: float = 0.0


def code_part(line: str) -> str:
    return line.split("//", 1)[0]


def elaboration_check_lines(lines: list[str]) -> set[int]:
    """1-based numbers of the lines of every `if (...) begin : gen_check_*` condition: a
    parameter check, not logic (a mutant there only changes which parameters are refused)."""
    marked: set[int] = set()
    for i, text in enumerate(lines):
        if "gen_check" in text:
            j = i
            while j >= 0:
                marked.add(j + 1)
                if lines[j].lstrip().startswith("if ") or lines[j].lstrip().startswith("if("):
                    break
                j -= 1
    return marked


def _own_sources(spec: UnitSpec, config: Any) -> list[Path]:
    target = spec.target(config)
    sources, _ = target.prepare(OUT_DIR / "gen" / target.tag)
    # Generated packages are tables, not logic.
    return [p for p in sources if REPO_ROOT in p.parents and "gen" not in p.parts]


def width_sites(spec: UnitSpec, config: Any) -> list[tuple[Path, int, str, re.Match[str]]]:
    """Every one-line width declaration in the unit's own RTL (elaboration checks excluded)."""
    found = []
    for path in _own_sources(spec, config):
        lines = path.read_text().splitlines()
        checks = elaboration_check_lines(lines)
        for n, text in enumerate(lines, 1):
            match = WIDTH_DECL.match(text)
            if match and n not in checks:
                found.append((path, n, WIDTH, match))
    return found


def sites(spec: UnitSpec, config: Any) -> list[tuple[Path, int, str, re.Match[str]]]:
    """Every (file, line, operator, match) the operators can change in the unit's own RTL."""
    found = []
    for path in _own_sources(spec, config):
        lines = path.read_text().splitlines()
        checks = elaboration_check_lines(lines)
        in_block_comment = False
        for n, text in enumerate(lines, 1):
            if n in checks:
                continue
            if "/*" in text:
                in_block_comment = True
            if in_block_comment:
                in_block_comment = "*/" not in text
                continue
            if SKIP_LINE.search(text):
                continue
            code = code_part(text)
            for name, pattern, _ in OPERATORS:
                for match in re.finditer(pattern, code):
                    # `<=` is also the non-blocking assignment: leave assignments alone.
                    if name == "lt->le" and re.match(r"\s*[\w\[\]:.+* ]+\s*$", code[:match.start()]) and \
                            code[match.start():match.start() + 2] == "<=":
                        continue
                    found.append((path, n, name, match))
    return found


def bound_sites(spec: UnitSpec, widths: list[tuple[Path, int, str, re.Match[str]]]
                ) -> list[tuple[Path, int, str, re.Match[str]]]:
    """Of the unit's width sites (width_sites), those of its declared bounds
    (UnitSpec.bound_widths); a declared bound that names no one-line width declaration is an
    error, not a silent gap."""
    found = {f"{path.stem}:{DECLARED_NAME.search(match.group(1)).group(1)}": (path, n, name, match)  # type: ignore[union-attr]
             for path, n, name, match in widths}
    missing = [b for b in spec.bound_widths if b not in found]
    if missing:
        raise ValueError(f"{spec.name}: bound widths {missing} are not one-line width declarations in its RTL")
    return [found[b] for b in spec.bound_widths]


def make_mutants(spec: UnitSpec, count: int, seed: int, widths: int = 0, bounds: bool = False) -> list[Mutant]:
    """`count` operator mutants, then every declared bound narrowed by one bit (`bounds`), then
    `widths` more width mutants drawn from the other declarations, each kind with its own seeded
    stream (so asking for width mutants does not change which operator mutants are drawn)."""
    config = spec.config()
    replacement = dict((o[0], o[2]) for o in OPERATORS)
    widths_all = width_sites(spec, config)
    declared = bound_sites(spec, widths_all) if bounds else []
    taken = {(d[0], d[1]) for d in declared}
    others = [s for s in widths_all if (s[0], s[1]) not in taken]
    mutants: list[Mutant] = []
    for kind, candidates, wanted in (("", sites(spec, config), count), (":bound", declared, len(declared)),
                                     (":width", others, widths)):
        rng = random.Random(f"{seed}:{spec.name}{kind}")
        chosen = rng.sample(candidates, min(wanted, len(candidates)))
        for path, n, name, match in sorted(chosen, key=lambda c: (str(c[0]), c[1], c[3].start())):
            line = path.read_text().splitlines()[n - 1]
            if name == WIDTH:
                mutated = f"{match.group(1)}({match.group(2).strip()}) - 1{match.group(3)}"
            else:
                mutated = line[:match.start()] + replacement[name] + line[match.end():]
            mutants.append(Mutant(spec.name, len(mutants), str(path.relative_to(REPO_ROOT)), n, name,
                                  line.strip(), mutated.strip()))
    return mutants


def mutated_copy(mutant: Mutant, work: Path) -> tuple[Path, Path]:
    original = REPO_ROOT / mutant.file
    lines = original.read_text().splitlines(keepends=True)
    text = lines[mutant.line - 1]
    indent = text[:len(text) - len(text.lstrip())]
    lines[mutant.line - 1] = indent + mutant.mutated + "\n"
    copy = work / original.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text("".join(lines))
    return original, copy


def run_mutant(mutant: Mutant, seed: int) -> Mutant:
    from flow.runner import SimulationStopped, run_bench

    spec = UNITS[mutant.unit]
    target = spec.target(spec.config())
    work = OUT_DIR / mutant.unit / f"m{mutant.index:02d}"
    original, copy = mutated_copy(mutant, work / "src")
    start = time.monotonic()
    build_args = WIDTH_BUILD_ARGS if mutant.operator == WIDTH else []
    try:
        run = run_bench(target, testcase=list(spec.tests), seed=seed, build_root=work,
                        replace_sources={original: copy}, extra_build_args=build_args)
        if run.tests == 0:
            mutant.outcome, mutant.detail = "invalid", "no test ran (build or elaboration failed)"
        elif run.failed:
            mutant.outcome, mutant.detail = "killed", f"{run.failed} of {run.tests} tests failed"
        else:
            mutant.outcome = "survived"
    except SimulationStopped as err:  # an RTL assertion or a $fatal stopped the simulation
        mutant.outcome, mutant.detail = "killed", f"simulation stopped: {first_reason(err)}"
    except SystemExit as err:  # the runner's build failure
        mutant.outcome, mutant.detail = "invalid", f"build failed ({err})"
    except Exception as err:  # noqa: BLE001 - a mutant may break anything; record it
        mutant.outcome, mutant.detail = "invalid", f"{type(err).__name__}: {first_reason(err)}"
    if mutant.outcome == "survived":
        mutant.outcome, mutant.detail = other_configurations(spec, target, original, copy, work, seed, build_args)
    if mutant.outcome == "survived":
        mutant.outcome, mutant.detail = equivalence(spec, target, original, copy, work)
    mutant.seconds = time.monotonic() - start
    return mutant


def first_reason(err: Exception) -> str:
    """The line of a runner error that says why (the failed assertion, the warning)."""
    from flow.runner import FAILURE_MARKS

    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    named = [line for line in lines if any(mark in line for mark in FAILURE_MARKS)]
    return (named or lines or [""])[0][:240]


def other_configurations(spec: UnitSpec, target: Any, original: Path, copy: Path, work: Path,
                         seed: int, build_args: list[str]) -> tuple[str, str]:
    """A mutant the default configuration does not kill meets the unit's other regression
    configurations (a line in a generate branch the defaults do not build, such as the binary
    search, is live in one of them)."""
    from flow.runner import run_bench

    for config in spec.regression:
        other = spec.target(config)
        if other.tag == target.tag:
            continue
        try:
            run = run_bench(other, testcase=list(spec.tests), seed=seed, build_root=work / "configs",
                            replace_sources={original: copy}, extra_build_args=build_args)
        except Exception as err:  # noqa: BLE001 - a mutant may break anything; record it
            return "killed", f"{other.tag}: {type(err).__name__}: {first_reason(err)}"
        if run.failed:
            return "killed", f"{run.failed} of {run.tests} tests failed at {other.tag}"
    return "survived", ""


def equivalence_request(target: Any, original: Path, copy: Path, work: Path,
                        sources: list[Path] | None = None) -> Path:
    """Writes flow/equiv_worker.py's request: the unit's sources (prepared here unless given) as
    they are (gold) and with the mutated copy in place of the original (gate), the
    configuration's top and parameters."""
    from tb.common.sources import INCLUDE_DIRS

    if sources is None:
        sources, _ = target.prepare(work / "gen")
    request = {"gold": [str(p) for p in sources], "gate": [str(copy if p == original else p) for p in sources],
               "top": target.toplevel, "params": target.hdl_parameters(),
               "includes": [str(d) for d in INCLUDE_DIRS]}
    path = work / "equiv.json"
    path.write_text(json.dumps(request))
    return path


def equivalence(spec: UnitSpec, target: Any, original: Path, copy: Path, work: Path) -> tuple[str, str]:
    """Yosys equivalence of the unit with and without the mutant at the default configuration and
    at each other regression configuration that builds the mutated file: the mutant survived the
    benches of all of them, and a line dead at the defaults (a generate branch) may be live in
    another. Equivalent only if equivalent at every one; else the first other verdict."""
    verdicts: list[str] = []
    for config in (None, *spec.regression):
        other = target if config is None else spec.target(config)
        if config is not None and other.tag == target.tag:
            continue
        sources, _ = other.prepare(work / "equiv" / other.tag / "gen")
        if original not in sources:
            continue
        outcome, detail = equivalence_at(other, original, copy, work / "equiv" / other.tag, sources)
        if outcome != "equivalent":
            return outcome, detail if config is None else f"at {other.tag}: {detail}"
        verdicts.append(detail)
    if len(verdicts) == 1:
        return "equivalent", f"{verdicts[0]} (the unit's only configuration that builds the file)"
    counts = {v: verdicts.count(v) for v in verdicts}
    return "equivalent", (f"at each of the {len(verdicts)} regression configurations that build the file: "
                          + "; ".join(f"{v} (x{n})" if n > 1 else v for v, n in counts.items()))


def equivalence_at(target: Any, original: Path, copy: Path, work: Path, sources: list[Path]) -> tuple[str, str]:
    """Yosys equivalence of one configuration of the unit (its prepared sources) with and without
    the mutant."""
    import subprocess
    import sys

    work.mkdir(parents=True, exist_ok=True)
    request = equivalence_request(target, original, copy, work, sources)
    try:
        proc = subprocess.run([sys.executable, "-m", "flow.equiv_worker", str(request)],
                              capture_output=True, text=True, timeout=EQUIV_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "survived", f"equivalence not decided within {EQUIV_TIMEOUT_S} s"
    (work / "equiv.log").write_text(proc.stdout + proc.stderr)
    lines = proc.stdout.strip().splitlines()
    said = lines[-1] if proc.returncode == 0 and lines else ""
    if said == "EQUIVALENT (identical netlists)":
        return "equivalent", ("elaborates to the same netlist as the original once what reaches no output is "
                              "removed, up to Yosys' numbering and order of its own objects (Yosys)")
    if said.startswith("EQUIVALENT (module "):
        return "equivalent", (f"its module proved equivalent on its own, with free inputs, at every parameter set "
                              f"the configuration uses (Yosys; pipeline: from any state once flushed, induction: "
                              f"equiv_induct): {said[len('EQUIVALENT ('):-1]}")
    if said == "EQUIVALENT (top, submodules cut)":
        return "equivalent", ("the unit's top on its own, every submodule instance cut out (their inputs proved "
                              "equal, their outputs shared), proved equivalent by Yosys (equiv_induct)")
    if said == "EQUIVALENT":
        return "equivalent", "the whole unit proved equivalent by Yosys (equiv_induct)"
    if said.startswith("INVALID ("):
        return "invalid", f"not synthesisable: {said[len('INVALID ('):-1]}"
    return "survived", "not proved equivalent (see equiv.log)"


def unit_inputs(spec: UnitSpec) -> list[Path]:
    """What decides a unit's mutants' outcomes besides the mutants: CACHE_INPUTS, the unit's RTL
    (the sources of its default and regression configurations, and the include files), the
    shared bench components, and the unit's own bench folders (its spec's and its test
    module's, and the folders they import from)."""
    from tb.common.sources import INCLUDE_DIRS

    rtl = {p for config in (spec.config(), *spec.regression) for p in _own_sources(spec, config)}
    rtl |= {p for d in INCLUDE_DIRS for p in d.glob("*.svh")}
    target = spec.target(spec.config())
    folders = {f"tb/{spec.name}", "tb/" + target.test_module.split(".")[1]}
    for folder in list(folders):
        for path in (REPO_ROOT / folder).glob("*.py"):
            folders |= {f"tb/{m}" for m in re.findall(r"^(?:from|import) tb\.(\w+)", path.read_text(), re.M)
                        if m not in ("common", "registry")}
    return [*sorted(rtl), *(REPO_ROOT / name for name in (*CACHE_INPUTS, "tb/common", *sorted(folders)))]


def inputs_digest(spec: UnitSpec) -> str:
    """One digest of every file the unit's mutants' outcomes depend on (unit_inputs), so that a
    change to one unit's bench re-runs that unit's mutants only."""
    digest = hashlib.sha256()
    for root in unit_inputs(spec):
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file()
                                                       and p.suffix in (".py", ".sv", ".svh", ".vlt")
                                                       and "__pycache__" not in p.parts)
        for path in files:
            text = path.read_bytes()
            if path.name == "spec.py":
                # Which widths a unit declares as bounds decides which mutants are drawn, not
                # how any mutant fares.
                text = BOUND_DECLARATION.sub(b"", text)
            digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0" + text + b"\0")
    return digest.hexdigest()


def equivalence_digest() -> str:
    digest = hashlib.sha256(f"{EQUIV_TIMEOUT_S} {EQUIV_VERSION}".encode())
    for name in EQUIV_INPUTS:
        digest.update((REPO_ROOT / name).read_bytes())
    return digest.hexdigest()


def cache_path(mutant: Mutant, seed: int, digest: str) -> Path:
    what = json.dumps([RUN_VERSION, digest, seed, mutant.unit, mutant.file, mutant.line, mutant.operator,
                       mutant.original, mutant.mutated])
    return CACHE_DIR / f"{hashlib.sha256(what.encode()).hexdigest()[:24]}.json"


def recheck_equivalence(mutant: Mutant) -> None:
    """A cached survivor or equivalent met an equivalence check older than today's: check it
    again (its benches' verdict stands)."""
    spec = UNITS[mutant.unit]
    target = spec.target(spec.config())
    work = OUT_DIR / mutant.unit / f"m{mutant.index:02d}"
    original, copy = mutated_copy(mutant, work / "src")
    start = time.monotonic()
    mutant.outcome, mutant.detail = equivalence(spec, target, original, copy, work)
    mutant.seconds += time.monotonic() - start


def read_cached(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        saved = json.loads(path.read_text())
        if saved["outcome"] in ("killed", "survived", "equivalent", "invalid"):
            return dict(saved)
    except (ValueError, KeyError, TypeError):
        pass
    print(f"warning: {path} is not a cached mutant outcome; running the mutant again", flush=True)
    return None


def run_cached(mutant: Mutant, seed: int, digest: str, fresh: bool) -> bool:
    """Run the mutant unless a run on the same inputs is cached; True when it came from the cache.
    A cached survivor or equivalent whose equivalence check is older than today's is checked again."""
    path = cache_path(mutant, seed, digest)
    equiv = equivalence_digest()
    saved = None if fresh else read_cached(path)
    if saved is not None:
        mutant.outcome, mutant.detail, mutant.seconds = saved["outcome"], saved["detail"], saved["seconds"]
        # A survivor, or an equivalence judged by an older check, is checked again.
        if mutant.outcome not in ("survived", "equivalent") or saved.get("equivalence") == equiv:
            return True
        recheck_equivalence(mutant)
    else:
        run_mutant(mutant, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps({"outcome": mutant.outcome, "detail": mutant.detail, "seconds": mutant.seconds,
                               "equivalence": equiv}))
    tmp.replace(path)
    return False


def score_table(mutants: list[Mutant]) -> list[list[str]]:
    rows = []
    for unit in dict.fromkeys(m.unit for m in mutants):
        ms = [m for m in mutants if m.unit == unit]
        count = {k: sum(m.outcome == k for m in ms) for k in ("killed", "survived", "equivalent", "invalid")}
        live = len(ms) - count["equivalent"] - count["invalid"]
        narrowed = [m for m in ms if m.operator == WIDTH]
        rows.append([unit, str(len(ms)), str(count["killed"]), str(count["survived"]), str(count["equivalent"]),
                     str(count["invalid"]), f"{count['killed'] / live:.0%}" if live else "-",
                     f"{sum(m.outcome == 'killed' for m in narrowed)}/{len(narrowed)}"])
    return rows


def main() -> None:
    from flow.cli import fail
    from flow.report import markdown_table, text_table

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", nargs="+", default=list(UNITS), choices=list(UNITS))
    parser.add_argument("--per-unit", type=int, default=15, help="operator mutants per unit")
    parser.add_argument("--widths", type=int, default=3,
                        help="width mutants per unit (one bit narrower), besides the declared bounds")
    parser.add_argument("--fresh", action="store_true",
                        help="run every mutant, even one whose outcome on the same sources is cached")
    parser.add_argument("--no-bounds", action="store_true",
                        help="leave out the declared bound widths (UnitSpec.bound_widths)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.per_unit < 0 or args.widths < 0:
        fail(f"--per-unit and --widths must be >= 0, got {args.per_unit} and {args.widths}")
    start = time.monotonic()
    mutants = [m for name in args.units
               for m in make_mutants(UNITS[name], args.per_unit, args.seed, args.widths, not args.no_bounds)]
    if not mutants:
        fail("no mutants drawn: raise --per-unit or --widths, or drop --no-bounds")
    print(f"{len(mutants)} mutants over {len(args.units)} unit(s)", flush=True)
    digests = {name: inputs_digest(UNITS[name]) for name in args.units}
    done = cached = 0

    def one(m: Mutant) -> Mutant:
        nonlocal done, cached
        hit = run_cached(m, args.seed, digests[m.unit], args.fresh)
        done += 1
        cached += hit
        print(f"[{done}/{len(mutants)}] {m.unit} m{m.index:02d} {m.file}:{m.line} {m.operator}: {m.outcome} "
              f"{m.detail} ({m.seconds:.0f} s{', cached' if hit else ''})", flush=True)
        return m

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(one, mutants))
    header = ["unit", "mutants", "killed", "survived", "equivalent", "invalid", "score", "width killed"]
    table = score_table(results)
    survivors = [m for m in results if m.outcome == "survived"]
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "results.json").write_text(json.dumps([asdict(m) for m in results], indent=1))
    md = ["# Mutation campaign", "", f"`make mutate` (seed {args.seed}; per unit {args.per_unit} operator mutants, "
          f"{'no' if args.no_bounds else 'every'} declared bound narrowed by one bit, {args.widths} more width mutants), "
          f"{time.monotonic() - start:.0f} s on {args.jobs} jobs; {cached} of {len(results)} outcomes from the cache "
          f"(same mutant, seed and sources; the mutants' own run times sum to "
          f"{sum(m.seconds for m in results) / 60:.0f} min).", "", markdown_table(header, table), ""]
    if survivors:
        md += ["## Survivors", ""] + [f"- {m.unit}: {m.file}:{m.line} {m.operator}: `{m.original}` -> "
                                     f"`{m.mutated}` ({m.detail})" for m in survivors] + [""]
    md += ["## Every mutant", "",
           markdown_table(["unit", "mutant", "change", "outcome", "why"],
                          [[m.unit, f"{m.file}:{m.line} {m.operator}", f"`{m.mutated}`", m.outcome,
                            m.detail.replace("|", "/").replace("\n", " ")[:160]] for m in results])]
    text = "\n".join(md) + "\n"
    (OUT_DIR / "report.md").write_text(text)
    print(text_table(header, table))
    for m in survivors:
        print(f"survived: {m.unit} {m.file}:{m.line} {m.operator}: {m.original!r} -> {m.mutated!r}")
    snapshot = ""
    if set(args.units) == set(UNITS):
        # The whole campaign: its report is also the committed snapshot.
        (REPO_ROOT / "docs" / "mutate.md").write_text(text)
        snapshot = f", snapshot in {REPO_ROOT / 'docs' / 'mutate.md'}"
    print(f"report: {OUT_DIR / 'report.md'}{snapshot} ({time.monotonic() - start:.0f} s)")


if __name__ == "__main__":
    main()
