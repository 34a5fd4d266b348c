"""Command-line options shared by the scripts: one parser for a unit's parameters."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from models.units import UnitConfig


def ensure_repo_on_path() -> None:
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)


def add_unit_arguments(parser: argparse.ArgumentParser, with_lanes: bool = True) -> None:
    defaults = UnitConfig()
    parser.add_argument("--entries", type=int, default=defaults.entries, help="table entries (ENTRIES)")
    if with_lanes:
        parser.add_argument("--lanes", type=int, default=defaults.lanes, help="elements per cycle (LANES)")
    parser.add_argument("--in-width", type=int, default=defaults.in_width, help="input width in bits")
    parser.add_argument("--in-frac", type=int, default=None,
                        help="input fractional bits (default: in-width - 4)")
    parser.add_argument("--out-width", type=int, default=defaults.out_width, help="output width in bits")
    parser.add_argument("--out-frac", type=int, default=None,
                        help="output fractional bits (default: out-width - 4)")
    parser.add_argument("--slope-width", type=int, default=defaults.slope_width)
    parser.add_argument("--intercept-width", type=int, default=defaults.intercept_width)


def add_run_arguments(parser: argparse.ArgumentParser, default_seed: int | None) -> None:
    """Simulator, waveform and seed options of the commands that run a bench."""
    parser.add_argument("--sim", default="verilator", help="simulator (only verilator is supported)")
    parser.add_argument("--waves", type=int, default=0, choices=[0, 1], help="write an FST waveform")
    parser.add_argument("--seed", type=int, default=default_seed,
                        help=f"COCOTB_RANDOM_SEED (default: {default_seed or 'random'})")


def config_from_args(function: str, args: argparse.Namespace) -> UnitConfig:
    return UnitConfig(function=function, entries=args.entries, lanes=getattr(args, "lanes", 1),
                      in_width=args.in_width, in_frac=args.in_frac, out_width=args.out_width,
                      out_frac=args.out_frac, slope_width=args.slope_width,
                      intercept_width=args.intercept_width)


def fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)
