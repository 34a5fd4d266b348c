#!/usr/bin/env python3
"""Fit a function's NN-LUT table, quantize it and write the JSON table and SV package.

    python scripts/gen_table.py gelu --entries 16 --in-width 16 --out-width 16 [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.cli import add_unit_arguments, config_from_args, fail  # noqa: E402
from models.reference import FUNCTIONS  # noqa: E402
from models.units import prepare_table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("function", choices=sorted(FUNCTIONS))
    add_unit_arguments(parser, with_lanes=False)
    parser.add_argument("--out-dir", type=Path, default=None, help="default build/tables/<tag>")
    args = parser.parse_args()
    try:
        prepared = prepare_table(config_from_args(args.function, args), args.out_dir)
    except ValueError as err:
        fail(str(err))
    fit = prepared.fit
    t = prepared.table
    print(f"{prepared.config.table_tag}: float fit max error {fit['error']:.3e} "
          f"(optimal {fit['optimal_error']:.3e}, ratio {fit['ratio']:.3f}); "
          f"slope frac {t.slope_frac}, intercept frac {t.intercept_frac}")
    print(f"  {prepared.json_path}\n  {prepared.package_path}")


if __name__ == "__main__":
    main()
