#!/usr/bin/env python3
"""Run a float array through a unit: the RTL under Verilator, or the bit-accurate model.

    python scripts/rtl_eval.py gelu --input x.npy --output y.npy [--model] [--entries 16]
        [--lanes 4] [--in-width 16] [--in-frac 12] [--out-width 16] [--out-frac 12]

The input (.npy, any shape, real numbers) is quantized to the unit's input format (round to
nearest, ties to even; values outside the range saturate to the end codes, NaN is an
error). The output has the same shape, float64, the unit's output codes times their LSB.
The RTL path also checks every output against the bit-accurate model. This interface is
stable: it is used to check the units from outside the project.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.cli import add_unit_arguments, config_from_args, fail  # noqa: E402
from models.units import BUILD_DIR, UnitConfig, prepare_table  # noqa: E402

ELEMENTWISE_UNITS = ("gelu",)


def load_input(path: Path) -> np.ndarray:
    if not path.exists():
        fail(f"input file {path} does not exist")
    try:
        data = np.load(path, allow_pickle=False)
    except ValueError as err:
        fail(f"input file {path} is not a readable .npy array ({err})")
    except OSError as err:
        fail(f"cannot read input file {path}: {err}")
    if not isinstance(data, np.ndarray):
        fail(f"input file {path} holds several arrays (.npz); give one array in a .npy file")
    if data.dtype.kind not in "biuf":
        fail(f"input file {path} has dtype {data.dtype}; expected real numbers")
    if data.size == 0:
        fail(f"input file {path} holds an empty array (shape {data.shape})")
    data = data.astype(np.float64)
    if np.isnan(data).any():
        fail(f"input file {path} has {int(np.isnan(data).sum())} NaN value(s), which have no code")
    return data


def run_rtl(config: UnitConfig, codes: np.ndarray, seed: int) -> np.ndarray:
    from tb.common.runner import run_bench

    with tempfile.TemporaryDirectory() as tmp:
        in_path, out_path = Path(tmp) / "codes.npy", Path(tmp) / "out.npy"
        np.save(in_path, codes.reshape(-1))
        run = run_bench(config, testcase="StreamFile",
                        seed=seed, idle_probability=0.0, stall_probability=0.0,
                        build_root=BUILD_DIR / "rtl_eval",
                        extra_env={"NNLUT_STREAM_FILE": str(in_path), "NNLUT_STREAM_OUT": str(out_path)})
        if run.tests != 1 or run.failed:
            fail(f"RTL run failed ({run.failed} of {run.tests} bench tests); log: {run.build_dir / 'sim.log'}")
        out = np.load(out_path)
    return out[:codes.size].reshape(codes.shape)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("unit", choices=ELEMENTWISE_UNITS)
    parser.add_argument("--input", type=Path, required=True, help="float array (.npy)")
    parser.add_argument("--output", type=Path, required=True, help="where to write the result (.npy)")
    parser.add_argument("--model", action="store_true", help="use the bit-accurate model, not the RTL")
    parser.add_argument("--seed", type=int, default=1, help="cocotb seed of the RTL run")
    add_unit_arguments(parser)
    args = parser.parse_args()
    try:
        config = config_from_args(args.unit, args)
        data = load_input(args.input)
        codes = config.in_fmt.quantize(data)
        saturated = int(((codes == config.in_fmt.min_code) & (data < config.in_fmt.min_value)).sum()
                        + ((codes == config.in_fmt.max_code) & (data > config.in_fmt.max_value)).sum())
        if saturated:
            print(f"note: {saturated} input value(s) outside {config.in_fmt.describe()} saturated",
                  file=sys.stderr)
        if args.model:
            out_codes = prepare_table(config).table.evaluate(codes)
        else:
            out_codes = run_rtl(config, codes, args.seed)
    except ValueError as err:
        fail(str(err))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.save(args.output, config.out_fmt.to_real(out_codes))
    print(f"{args.unit} ({'model' if args.model else 'RTL'}, {config.tag}): {data.size} values "
          f"-> {args.output}")


if __name__ == "__main__":
    main()
