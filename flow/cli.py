"""Command-line options shared by the flow's commands: every unit's options, taken from the
registry, and the run options of the commands that simulate.

A unit's options are its configuration's fields (`--row-length` is SoftmaxConfig.row_length).
Every option defaults to "not given", so a unit gets exactly what the user gave and its own
defaults for the rest, and an option the unit does not have is refused by name.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any, NoReturn

from tb.common.spec import DEFAULT_SEED, UnitSpec
from tb.registry import UNITS


def fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def _option_type(field: dataclasses.Field) -> Any:
    """argparse type of a configuration field (its default's type; a None default takes the
    declared type: `str | None` is a string, otherwise an int)."""
    default = field.default
    if isinstance(default, bool):
        return lambda s: {"1": True, "0": False, "true": True, "false": False}[s.lower()]
    if isinstance(default, float):
        return float
    if isinstance(default, str) or (default is None and str(field.type).startswith("str")):
        return str
    return int


def add_unit_options(parser: argparse.ArgumentParser, units: list[UnitSpec] | None = None) -> None:
    """One option per configuration field of the given units (default: all), grouped by the
    units that take it."""
    owners: dict[str, list[str]] = {}
    fields: dict[str, dataclasses.Field] = {}
    for spec in units or UNITS.values():
        for field in dataclasses.fields(spec.config_type):
            if field.name in spec.fixed_options:
                continue
            owners.setdefault(field.name, []).append(spec.name)
            fields.setdefault(field.name, field)
    group = parser.add_argument_group("unit options (each unit takes its own; defaults are the unit's)")
    for name, field in fields.items():
        group.add_argument(f"--{name.replace('_', '-')}", dest=name, type=_option_type(field), default=None,
                           metavar=name.upper(), help=f"({', '.join(owners[name])})")


def given_options(args: argparse.Namespace) -> dict[str, Any]:
    """The unit options given on the command line."""
    names = {f.name for s in UNITS.values() for f in dataclasses.fields(s.config_type)}
    return {k: v for k, v in vars(args).items() if k in names and v is not None}


def unit_config(spec: UnitSpec, args: argparse.Namespace, applicable_only: bool = False, **overrides: Any) -> Any:
    """The unit's configuration from the given options: ValueError names an option that does not
    apply, unless applicable_only (commands that run several units give each unit its own)."""
    options = {**given_options(args), **overrides}
    if applicable_only:
        options = {k: v for k, v in options.items() if k in spec.options()}
    return spec.config(**options)


def check_options_apply(specs: list[UnitSpec], args: argparse.Namespace) -> None:
    """Every given option applies to at least one of the units (none is silently ignored)."""
    unused = [k for k in given_options(args) if not any(k in s.options() for s in specs)]
    if unused:
        raise ValueError(f"{', '.join('--' + u.replace('_', '-') for u in unused)} apply to none of the units "
                         f"{', '.join(s.name for s in specs)}")


def add_run_arguments(parser: argparse.ArgumentParser, default_seed: int | None = DEFAULT_SEED) -> None:
    """Simulator, waveform and seed options of the commands that run a bench."""
    parser.add_argument("--sim", default="verilator", help="simulator (only verilator is supported)")
    parser.add_argument("--waves", type=int, default=0, choices=[0, 1], help="write an FST waveform")
    parser.add_argument("--seed", type=int, default=default_seed,
                        help=f"COCOTB_RANDOM_SEED (default: {default_seed or 'drawn and printed'})")


__all__ = ["fail", "add_unit_options", "given_options", "unit_config", "check_options_apply", "add_run_arguments"]
