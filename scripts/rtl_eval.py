#!/usr/bin/env python3
"""Run a float array through a unit: the RTL under Verilator, or the bit-accurate model.

    python scripts/rtl_eval.py gelu    --input x.npy    --output y.npy   [--model] [options]
    python scripts/rtl_eval.py softmax --input rows.npy --output p.npy   [--model] [options]
    python scripts/rtl_eval.py layernorm --input rows.npy --output y.npy [--gamma g.npy --beta b.npy]

GELU takes any shape. Softmax and LayerNorm take a 2-D array, one row per line; the row length
follows the array (the RTL is built for it, with LANES reduced to a divisor of the row length).
LayerNorm's gamma and beta (default ones and zeros) are 1-D arrays of the row length,
quantized to their documented formats and written through the unit's parameter port.

The input is quantized to the unit's input format (round to nearest, ties to even; values
outside the range saturate to the end codes; NaN is an error). The output has the input's
shape, float64: the unit's output codes times their LSB. The RTL path also checks every
output against the bit-accurate model. This interface is stable: it is used to check the
units from outside the project.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.cli import add_unit_arguments, fail  # noqa: E402
from models.fixedpoint import FixedFormat  # noqa: E402
from models.units import BUILD_DIR  # noqa: E402
from tb.units import UNITS, add_all_unit_arguments, rows_target  # noqa: E402


def load_input(path: Path, rows: bool) -> np.ndarray:
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
    if rows and data.ndim != 2:
        fail(f"input file {path} has shape {data.shape}; this unit takes a 2-D array, one row per line")
    data = data.astype(np.float64)
    if np.isnan(data).any():
        fail(f"input file {path} has {int(np.isnan(data).sum())} NaN value(s), which have no code")
    return data


def note_saturation(data: np.ndarray, fmt: FixedFormat) -> None:
    outside = int((data < fmt.min_value).sum() + (data > fmt.max_value).sum())
    if outside:
        print(f"note: {outside} input value(s) outside {fmt.describe()} saturated", file=sys.stderr)


def load_params(args: argparse.Namespace, model, row_length: int):
    """LayerNorm's gamma/beta as codes, and the model that uses them."""
    config = model.config
    gamma = load_vector(args.gamma, row_length, "gamma", 1.0)
    beta = load_vector(args.beta, row_length, "beta", 0.0)
    gamma_codes, beta_codes = config.gamma_fmt.quantize(gamma), config.beta_fmt.quantize(beta)
    note_saturation(gamma, config.gamma_fmt)
    note_saturation(beta, config.beta_fmt)
    return model.with_params(gamma_codes, beta_codes), gamma_codes, beta_codes


def load_vector(path: Path | None, length: int, name: str, default: float) -> np.ndarray:
    if path is None:
        return np.full(length, default)
    data = load_input(path, rows=False)
    if data.shape != (length,):
        fail(f"{name} file {path} has shape {data.shape}; expected ({length},), one value per feature")
    return data


def run_rtl(target, codes: np.ndarray, seed: int, params: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    from tb.common.runner import run_bench

    with tempfile.TemporaryDirectory() as tmp:
        in_path, out_path = Path(tmp) / "codes.npy", Path(tmp) / "out.npy"
        np.save(in_path, codes.reshape(-1))
        env = {"NNLUT_STREAM_FILE": str(in_path), "NNLUT_STREAM_OUT": str(out_path)}
        if params is not None:
            env["NNLUT_GAMMA_CODES"], env["NNLUT_BETA_CODES"] = str(Path(tmp) / "g.npy"), str(Path(tmp) / "b.npy")
            np.save(env["NNLUT_GAMMA_CODES"], params[0])
            np.save(env["NNLUT_BETA_CODES"], params[1])
        run = run_bench(target, testcase="StreamFile", seed=seed, idle_probability=0.0,
                        stall_probability=0.0, build_root=BUILD_DIR / "rtl_eval", extra_env=env)
        if run.tests != 1 or run.failed:
            fail(f"RTL run failed ({run.failed} of {run.tests} bench tests); log: {run.build_dir / 'sim.log'}")
        out = np.load(out_path)
    return out[:codes.size].reshape(codes.shape)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("unit", choices=sorted(UNITS))
    parser.add_argument("--input", type=Path, required=True, help="float array (.npy)")
    parser.add_argument("--output", type=Path, required=True, help="where to write the result (.npy)")
    parser.add_argument("--model", action="store_true", help="use the bit-accurate model, not the RTL")
    parser.add_argument("--seed", type=int, default=1, help="cocotb seed of the RTL run")
    parser.add_argument("--gamma", type=Path, default=None, help="layernorm: gamma (.npy, default ones)")
    parser.add_argument("--beta", type=Path, default=None, help="layernorm: beta (.npy, default zeros)")
    add_unit_arguments(parser)
    add_all_unit_arguments(parser)
    args = parser.parse_args()
    kind = UNITS[args.unit]
    data = load_input(args.input, kind.rows)
    try:
        target = rows_target(args.unit, args, data) if kind.rows else kind.target(args)
        model = target_model(target)
        params = None
        if args.unit == "layernorm":
            model, *params = load_params(args, model, data.shape[1])
        elif args.gamma or args.beta:
            fail("--gamma and --beta apply to layernorm only")
        note_saturation(data, model.in_fmt)
        codes = model.in_fmt.quantize(data)
        out_codes = model.predict(codes) if args.model else run_rtl(target, codes, args.seed, params)
    except ValueError as err:
        fail(str(err))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.save(args.output, model.out_fmt.to_real(out_codes))
    print(f"{args.unit} ({'model' if args.model else 'RTL'}, {target.tag}): {data.size} values "
          f"-> {args.output}")


def target_model(target):
    """The bench's own StreamModel for this target: the same model the scoreboard uses."""
    import importlib

    _, settings = target.prepare(BUILD_DIR / "rtl_eval" / target.tag / "gen")
    module_name, _, factory = settings["model_factory"].partition(":")
    return getattr(importlib.import_module(module_name), factory)({**settings, "lanes": target.lanes})


if __name__ == "__main__":
    main()
