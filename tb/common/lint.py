"""Static RTL checks: `verilator --lint-only -Wall` and elaboration-time parameter checks."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from models.units import BUILD_DIR, UnitConfig, prepare_table
from tb.common.runner import ElementwiseTarget, core_sources, ensure_verilator_on_path


@dataclass
class LintResult:
    name: str
    ok: bool
    output: str


def verilator_lint(sources: list[Path], top: str, parameters: dict[str, int] | None = None) -> tuple[bool, str]:
    ensure_verilator_on_path()
    cmd = ["verilator", "--lint-only", "-Wall", "--top-module", top]
    cmd += [f"-G{k}={v}" for k, v in (parameters or {}).items()]
    cmd += [str(s) for s in sources]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    output = (proc.stdout + proc.stderr).strip()
    return proc.returncode == 0 and "%Warning" not in output and "%Error" not in output, output


def unit_lint_sources(config: UnitConfig) -> list[Path]:
    prepared = prepare_table(config, BUILD_DIR / "lint" / config.table_tag)
    return ElementwiseTarget(config).sources(prepared.package_path)


# Core parameter sets that must lint clean (the units add their generated packages).
CORE_PARAMETER_SETS: list[dict[str, int]] = [
    {},
    {"Entries": 8, "Lanes": 4, "InWidth": 12, "InFrac": 8},
    {"Entries": 32, "Lanes": 16},
    {"Entries": 5, "Lanes": 3, "OutWidth": 12, "OutFrac": 8},
]


def lint_all() -> list[LintResult]:
    """Every registered unit at its default parameters, then the core's parameter sets."""
    import argparse

    from tb.units import UNITS, add_all_unit_arguments

    from models.cli import add_unit_arguments

    parser = argparse.ArgumentParser()
    add_unit_arguments(parser)
    add_all_unit_arguments(parser)
    defaults = parser.parse_args([])
    from tb.compare import METHODS, REPORT_LANES

    results = []
    baselines = [m.target(REPORT_LANES) for m in METHODS if m.method != "NN-LUT"]
    for target in [kind.target(defaults) for kind in UNITS.values()] + baselines:
        sources, _ = target.prepare(BUILD_DIR / "lint" / target.tag)
        ok, out = verilator_lint(sources, target.toplevel, target.hdl_parameters())
        results.append(LintResult(f"{target.toplevel} ({target.tag})", ok, out))
    for params in CORE_PARAMETER_SETS:
        ok, out = verilator_lint(core_sources(), "nnlut_core", params)
        results.append(LintResult(f"nnlut_core {params or 'defaults'}", ok, out))
    return results
