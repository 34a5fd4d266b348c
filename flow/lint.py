"""Static RTL checks (`make lint`): `verilator --lint-only -Wall` on every registered unit at its
default, regression and lint configurations, and on the NN-LUT core's own parameter sets; and
the check that impossible parameters stop elaboration with a message.

    python -m flow.lint
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flow.runner import ensure_verilator_on_path
from flow.synth_view import synthesis_view
from models.paths import BUILD_DIR
from tb.common.sources import INCLUDE_DIRS, NNLUT_CORE, include_args, rtl_files
from tb.common.spec import UnitSpec
from tb.registry import UNITS

# NN-LUT core parameter sets that must lint clean (the units add their generated packages), and
# impossible ones that must stop elaboration with the given message.
CORE_PARAMETER_SETS: list[dict[str, int]] = [
    {},
    {"Entries": 8, "Lanes": 4, "InWidth": 12, "InFrac": 8},
    {"Entries": 32, "Lanes": 16},
    {"Entries": 5, "Lanes": 3, "OutWidth": 12, "OutFrac": 8},
    {"Entries": 16, "Lanes": 4, "Hardwired": 1, "BinarySearch": 1},
    {"Entries": 5, "Lanes": 2, "TableReset": 0, "BinarySearch": 1},
]
CORE_REJECTIONS: list[tuple[dict[str, int], str]] = [
    ({"Entries": 1}, "Entries must be >= 2"),
    ({"Lanes": 0}, "Lanes must be >= 1"),
    ({"InterceptFrac": 40}, "InterceptFrac"),
    ({"OutFrac": 30, "SlopeFrac": 2}, "OutFrac"),
    ({"InterceptWidth": 60}, "AccWidth must be <= 64"),
    ({"Hardwired": 1, "TableReset": 0}, "Hardwired = 1 needs TableReset = 1"),
]


@dataclass
class LintResult:
    name: str
    ok: bool
    output: str


_PARAM = re.compile(r"parameter\s+(?:int|longint)\s+unsigned\s+(\w+)\s*=\s*(?:64'd)?(\d+)\s*[,)]")


def rtl_defaults(module_file: Path) -> dict[str, int]:
    """The numeric parameter defaults written in an RTL file, with the project's header macros
    expanded (a default may come from a parameter group such as `IBERT_EXP_PARAMS)."""
    return {name: int(value) for name, value in _PARAM.findall(synthesis_view(module_file.read_text(), INCLUDE_DIRS))}


def verilator_lint(sources: list[Path], top: str, parameters: dict[str, Any] | None = None) -> tuple[bool, str]:
    ensure_verilator_on_path()
    cmd = ["verilator", "--lint-only", "-Wall", *include_args(), "--top-module", top]
    cmd += [f"-G{k}={v}" for k, v in (parameters or {}).items()]
    cmd += [str(s) for s in sources]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    output = (proc.stdout + proc.stderr).strip()
    return proc.returncode == 0 and "%Warning" not in output and "%Error" not in output, output


def lint_unit(spec: UnitSpec, config: Any, overrides: dict[str, Any] | None = None) -> tuple[bool, str]:
    target = spec.target(config)
    sources, _ = target.prepare(BUILD_DIR / "lint" / target.tag)
    return verilator_lint(sources, target.toplevel, {**target.hdl_parameters(), **(overrides or {})})


def unit_lint_configs(spec: UnitSpec) -> list[Any]:
    """The unit's default configuration, its regression's and its lint configurations (each once)."""
    configs: list[Any] = []
    for config in (spec.config(), *spec.regression, *spec.lint_configs):
        if config not in configs:
            configs.append(config)
    return configs


def lint_core(parameters: dict[str, int]) -> tuple[bool, str]:
    return verilator_lint(rtl_files(NNLUT_CORE), "nnlut_core", parameters)


def lint_all() -> list[LintResult]:
    results = []
    for spec in UNITS.values():
        for config in unit_lint_configs(spec):
            ok, out = lint_unit(spec, config)
            results.append(LintResult(f"{spec.name} ({spec.target(config).tag})", ok, out))
    for params in CORE_PARAMETER_SETS:
        ok, out = lint_core(params)
        results.append(LintResult(f"nnlut_core {params or 'defaults'}", ok, out))
    return results


def main() -> None:
    failed = 0
    for result in lint_all():
        print(f"{'clean' if result.ok else 'FAIL '}  {result.name}", flush=True)
        if not result.ok:
            failed += 1
            print(result.output)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
