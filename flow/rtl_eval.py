"""Run a float array through a unit: the RTL under Verilator, or the bit-accurate model.

    python -m flow.rtl_eval gelu     --input x.npy    --output y.npy   [--model] [unit options]
    python -m flow.rtl_eval softmax  --input rows.npy --output p.npy   [--model] [unit options]
    python -m flow.rtl_eval layernorm --input rows.npy --output y.npy [--gamma g.npy --beta b.npy]

Every registered unit works here (see `make sim` for the list). Element-wise units take any
shape. Row units take a 2-D array, one row per line; the row length follows the array (the RTL
is built for it, with LANES reduced to a divisor of the row length). The NN-LUT LayerNorm's
gamma and beta (default ones and zeros) are 1-D arrays of the row length, quantized to their
documented formats and written through the unit's parameter port; SOLE's AILayerNorm calibrates
its PTF scale and per-channel factors on the data itself.

The input is quantized to the unit's input format (round to nearest, ties to even; values
outside the range saturate to the end codes; NaN is an error). The Softmax units take -inf as
an attention mask does: a -inf element is left out of its row (its lane's keep is low) and its
probability is exactly 0. Trailing -inf elements shorten the row (its last beat is the one
holding its last finite element), -inf elements inside a row are left out where they stand,
and a row of nothing but -inf is sent as one beat with nothing kept and comes out all 0 (where
PyTorch gives NaN). +inf saturates like any value above the range. The output has the input's
shape, float64: the unit's output codes times their LSB. The RTL path also checks every output
against the bit-accurate model. This interface is stable: it is used to check the units from
outside the project.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from flow.cli import add_unit_options, fail, unit_config
from flow.runner import run_bench, stream_model
from models.fixedpoint import FixedFormat
from models.paths import BUILD_DIR
from tb.common.checks import frame_row
from tb.common.spec import StreamInput, UnitSpec
from tb.registry import UNITS


NPY_MAGIC = b"\x93NUMPY"


def check_output_path(path: Path) -> Path:
    """The output must be a writable .npy file path: checked before any build or simulation."""
    import os

    if path.suffix != ".npy":
        fail(f"--output {path}: give a file name ending in .npy (numpy would write {path}.npy)")
    if path.is_dir():
        fail(f"--output {path} is a directory; give a file name ending in .npy")
    # Tried for real (permission bits do not tell root, or a read-only file system, anything).
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe = path.parent / f".{path.name}.{os.getpid()}.probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        fail(f"--output {path}: cannot write there ({err.strerror or err})")
    if path.exists() and not os.access(path, os.W_OK):
        fail(f"--output {path} exists and is not writable")
    return path


def load_input(path: Path, rows: bool) -> np.ndarray:
    if not path.exists():
        fail(f"input file {path} does not exist")
    if path.is_dir():
        fail(f"input {path} is a directory; give a .npy file")
    with path.open("rb") as f:
        if f.read(len(NPY_MAGIC)) != NPY_MAGIC:
            fail(f"input file {path} is not a .npy file (no NumPy header); write arrays with numpy.save")
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


def note_saturation(data: np.ndarray, fmt: FixedFormat, what: str = "input") -> None:
    outside = int((data < fmt.min_value).sum() + (data > fmt.max_value).sum())
    if outside:
        print(f"note: {outside} {what} value(s) outside {fmt.describe()} saturated", file=sys.stderr)


def load_params(spec: UnitSpec, args: argparse.Namespace, row_length: int) -> dict[str, np.ndarray]:
    params = {}
    for name in ("gamma", "beta"):
        path = getattr(args, name)
        if path is None:
            continue
        if name not in spec.input_params:
            fail(f"--{name} does not apply to {spec.name}"
                 f"{' (it takes ' + ', '.join('--' + p for p in spec.input_params) + ')' if spec.input_params else ''}")
        data = load_input(path, rows=False)
        if data.shape != (row_length,):
            fail(f"{name} file {path} has shape {data.shape}; expected ({row_length},), one value per feature")
        params[name] = data
    return params


def build_config(spec: UnitSpec, args: argparse.Namespace, data: np.ndarray) -> object:
    """The unit's configuration for the data: row units are built for the array's row length,
    with lanes reduced to a divisor of it."""
    if spec.row_option is None:
        return unit_config(spec, args)
    row_length = int(data.shape[1])
    config = unit_config(spec, args, **{spec.row_option: row_length})
    lanes = math.gcd(config.lanes, row_length)
    return config if lanes == config.lanes else dataclasses.replace(config, lanes=lanes)


def model_for(spec: UnitSpec, config: object) -> object:
    target = spec.target(config)
    return stream_model(target, BUILD_DIR / "rtl_eval" / target.tag / "gen")


@dataclasses.dataclass(frozen=True)
class FramedRows:
    """Rows with -inf elements as a framed unit's beats: `beats` (codes, then a frame column),
    and for each row its first beat and its number of beats."""

    beats: np.ndarray
    first: np.ndarray
    count: np.ndarray

    @staticmethod
    def of(codes: np.ndarray, masked: np.ndarray, lanes: int) -> "FramedRows":
        rows, n = codes.shape
        kept = ~masked
        # Elements sent per row: up to its last kept one (one beat for a row with none).
        sent = np.where(kept.any(axis=1), n - np.argmax(kept[:, ::-1], axis=1), 1)
        count = -(-sent // lanes)
        first = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
        padded = np.zeros((rows, -(-n // lanes) * lanes), dtype=np.int64)
        padded[:, :n] = codes
        keep = np.zeros(padded.shape, dtype=bool)
        keep[:, :n] = kept
        beats = np.concatenate([frame_row(padded[r, :count[r] * lanes], keep[r, :count[r] * lanes], lanes)
                                for r in range(rows)])
        return FramedRows(beats, first, count)

    def scatter(self, out_beats: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        """(rows, n) outputs from the beats' outputs; elements past a row's last beat are 0."""
        rows, n = shape
        out = np.zeros(shape, dtype=np.int64)
        for r in range(rows):
            flat = out_beats[self.first[r]:self.first[r] + self.count[r]].reshape(-1)[:n]
            out[r, :flat.size] = flat
        return out


def run_rtl(spec: UnitSpec, prepared: StreamInput, seed: int, stream: np.ndarray | None = None) -> np.ndarray:
    """The RTL's output codes for the prepared codes, or for `stream` (framed beats) if given:
    then one row of output codes per beat."""
    target = spec.target(prepared.config)
    codes = prepared.codes if stream is None else stream
    with tempfile.TemporaryDirectory() as tmp:
        in_path, out_path = Path(tmp) / "codes.npy", Path(tmp) / "out.npy"
        np.save(in_path, codes if stream is not None else codes.reshape(-1))
        env = {"NNLUT_STREAM_FILE": str(in_path), "NNLUT_STREAM_OUT": str(out_path)}
        for name, array in prepared.files.items():
            env[name] = str(Path(tmp) / f"{name}.npy")
            np.save(env[name], array)
        run = run_bench(target, testcase="StreamFile", seed=seed, idle_probability=0.0,
                        stall_probability=0.0, build_root=BUILD_DIR / "rtl_eval", extra_env=env)
        if run.tests != 1 or run.failed:
            fail(f"RTL run failed ({run.failed} of {run.tests} bench tests); log: {run.build_dir / 'sim.log'}")
        out = np.load(out_path)
    if stream is not None:
        return out.reshape(len(stream), -1)
    return out[:codes.size].reshape(codes.shape)


def note_output_saturation(codes: np.ndarray, fmt: Any) -> None:
    """Outputs at an end of the output format were (most likely) clamped there: say so."""
    low, high = int((codes <= fmt.min_code).sum()), int((codes >= fmt.max_code).sum())
    if low or high:
        print(f"note: {low + high} of {codes.size} outputs sit at an end of the output format {fmt} "
              f"({low} at {fmt.min_value:g}, {high} at {fmt.max_value:g}): saturated values are clamped, "
              "not wrapped", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("unit", choices=list(UNITS))
    parser.add_argument("--input", type=Path, required=True, help="float array (.npy)")
    parser.add_argument("--output", type=Path, required=True, help="where to write the result (.npy)")
    parser.add_argument("--model", action="store_true", help="use the bit-accurate model, not the RTL")
    parser.add_argument("--seed", type=int, default=1, help="cocotb seed of the RTL run")
    parser.add_argument("--gamma", type=Path, default=None, help="layernorm: gamma (.npy, default ones)")
    parser.add_argument("--beta", type=Path, default=None, help="layernorm: beta (.npy, default zeros)")
    add_unit_options(parser)
    args = parser.parse_args()
    spec = UNITS[args.unit]
    check_output_path(args.output)
    data = load_input(args.input, spec.rows)
    try:
        config = build_config(spec, args, data)
        params = load_params(spec, args, int(data.shape[-1]))
        prepared = spec.prepare_input(config, data, params, lambda c: model_for(spec, c))
        model = prepared.model
        masked = np.isneginf(data) if getattr(model, "framed", False) else np.zeros(data.shape, dtype=bool)
        if prepared.quantized_to_format:
            note_saturation(np.where(masked, 0.0, data), model.in_fmt)
        if masked.any():
            print(f"note: {int(masked.sum())} -inf value(s) left out of their rows (output 0)", file=sys.stderr)
        if getattr(model, "framed", False):
            framed = FramedRows.of(prepared.codes, masked, model.lanes)
            stream = framed.beats
            beats_out = model.predict(stream[:, :-1], stream[:, -1]) if args.model else \
                run_rtl(spec, prepared, args.seed, stream)
            out_codes = framed.scatter(beats_out, data.shape)
        else:
            out_codes = model.predict(prepared.codes) if args.model else run_rtl(spec, prepared, args.seed)
    except ValueError as err:
        fail(str(err))
    note_output_saturation(out_codes[~masked], prepared.model.out_fmt)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.save(args.output, prepared.model.out_fmt.to_real(out_codes))
    print(f"{args.unit} ({'model' if args.model else 'RTL'}, {spec.target(prepared.config).tag}): "
          f"{data.size} values -> {args.output}")


if __name__ == "__main__":
    main()
