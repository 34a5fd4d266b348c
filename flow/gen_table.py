"""Fit a function's NN-LUT table, quantize it and write the JSON table and SV package.

    python -m flow.gen_table gelu --entries 16 --in-width 16 --out-width 16 [--out-dir DIR]

The options are models.units.UnitConfig's fields (without lanes, which does not change a table).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from flow.cli import fail
from models.defaults import FITS
from models.reference import FUNCTIONS
from models.units import UnitConfig, prepare_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("function", choices=sorted(FUNCTIONS))
    # What changes a table's contents (not lanes, nor the core's table and search options).
    options = [f for f in dataclasses.fields(UnitConfig)
               if f.name not in ("function", "lanes", "table", "search", "fit")]
    for field in options:
        parser.add_argument(f"--{field.name.replace('_', '-')}", dest=field.name, type=int, default=None,
                            help=f"default {field.default if field.default is not None else 'per function'}")
    parser.add_argument("--fit", choices=FITS, default=None,
                        help="minimax (least max error) or l2 (least squared error over every input "
                             "code); default per function (models.defaults)")
    parser.add_argument("--out-dir", type=Path, default=None, help="default build/tables/<tag>")
    args = parser.parse_args()
    given = {f.name: getattr(args, f.name) for f in options if getattr(args, f.name) is not None}
    if args.fit is not None:
        given["fit"] = args.fit
    try:
        prepared = prepare_table(UnitConfig(function=args.function, **given), args.out_dir)
    except ValueError as err:
        fail(str(err))
    fit = prepared.fit
    t = prepared.table
    print(f"{prepared.config.table_tag}: float fit max error {fit['error']:.3e} "
          f"(optimal {fit['optimal_error']:.3e}, ratio {fit['ratio']:.3f}); "
          f"slope frac {t.slope_frac}, intercept frac {t.intercept_frac}")
    if "l2_max_error" in fit:
        lo, hi = fit["l2_range"]
        print(f"  least-squares table over every input code in [{lo:g}, {hi:g}]: max error "
              f"{fit['l2_max_error']:.3e}, rms {fit['l2_rms_error']:.3e} (quantized)")
    print(f"  {prepared.json_path}\n  {prepared.package_path}")


if __name__ == "__main__":
    main()
