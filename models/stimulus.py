"""Input rows for the row units' benches, the comparison report and the model tests: one
generator per kind, returning (rows, row length) input codes of a format.

Softmax-like rows (logits), `softmax_rows(kind, ...)`:
- attention: logits spread like attention scores, each row with its own offset and spread;
- equal: every element the same code (p = 1/N), the format's extremes among the levels;
- dominant: one logit far above the rest (the other exps underflow), a quarter of the rows with
  a second logit within 1.0 of the top (near-ties);
- extreme: only the most negative and most positive codes and their neighbours;
- ramp: elements from the row maximum down to 32 ln 2 below it (every power-of-two exponent of
  a base-2 range reduction, and the clamp past it).

LayerNorm-like rows (features), `layernorm_rows(kind, ...)`:
- random: Gaussian, mean uniform in +-8, std log-uniform in [2^-4, 2^4] (real units);
- constant: every element the same code (variance 0), extremes included;
- near_constant: a constant plus +-1 LSB steps, half of the rows with a single step (the
  smallest nonzero variance);
- outlier: small Gaussian noise with one element far out (|value| 16 .. max), and rows that are
  constant but for one element, where |normalised| = sqrt(D-1) exactly;
- fullscale: uniform codes over the whole format, and rows of only the two end codes;
- tie: random rows nudged so that the mean lies exactly half-way between two codes (D even);
- tiny: codes within +-2 LSB, most of them zero, a third of the rows with a single nonzero
  element (the smallest sums of squares: RMSNorm's largest normalising shifts);
- wide: zero-mean rows whose sum of squares (in codes^2) lies between 2^(sum_sq_bits + 0.2)
  and 2^(sum_sq_bits + 1.8) (an integer variance that needs a dynamic shift).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from models.defaults import DATA_WIDTH, LAYERNORM_IN_FRAC, LAYERNORM_IN_WIDTH, SOFTMAX_IN_FRAC, table_int_bits
from models.fixedpoint import FixedFormat

Generator = np.random.Generator


@dataclass(frozen=True)
class SoftmaxRowShape:
    """How a unit's logits are spread (the baselines were tuned to their own datapaths)."""

    spreads: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0)  # attention: std choices
    offset: float = 8.0                        # attention: row offsets uniform in +-offset
    top: tuple[float, float | None] = (2.0, None)  # dominant: top logit range (None: format max)
    gap: tuple[float, float] = (6.0, 20.0)     # dominant: the others' gap below the top
    far_gap: float | None = 18.0               # dominant: a third of the rows use this gap
    spread: float = 8.0                        # dominant: the others spread below the gap


def _saturate(fmt: FixedFormat, x: np.ndarray) -> np.ndarray:
    return fmt.quantize(np.clip(x, fmt.min_value, fmt.max_value))


def attention_rows(rng: Generator, fmt: FixedFormat, rows: int, n: int,
                   shape: SoftmaxRowShape = SoftmaxRowShape()) -> np.ndarray:
    spread = rng.choice(np.asarray(shape.spreads), size=(rows, 1))
    offset = rng.uniform(-shape.offset, shape.offset, size=(rows, 1))
    return _saturate(fmt, offset + spread * rng.standard_normal((rows, n)))


def equal_rows(rng: Generator, fmt: FixedFormat, rows: int, n: int) -> np.ndarray:
    values = np.concatenate([[fmt.min_code, fmt.max_code, 0, -1],
                             rng.integers(fmt.min_code, fmt.max_code + 1, max(0, rows - 4))])
    return np.repeat(values[:rows, None], n, axis=1).astype(np.int64)


def dominant_rows(rng: Generator, fmt: FixedFormat, rows: int, n: int,
                  shape: SoftmaxRowShape = SoftmaxRowShape()) -> np.ndarray:
    lo, hi = shape.top
    top = rng.uniform(lo, fmt.max_value if hi is None else hi, rows)
    gap = rng.uniform(shape.gap[0], shape.gap[1], (rows, 1))
    if shape.far_gap is not None:
        gap = np.where(rng.random((rows, 1)) < 1 / 3, shape.far_gap, gap)
    x = top[:, None] - gap - rng.uniform(0.0, shape.spread, (rows, n))
    where = rng.integers(0, n, rows)
    x[np.arange(rows), where] = top
    if n > 1:
        near = rng.random(rows) < 0.25
        second = (where + 1 + rng.integers(0, n - 1, rows)) % n
        x[near, second[near]] = top[near] - rng.uniform(0.0, 1.0, int(near.sum()))
    return _saturate(fmt, x)


def extreme_rows(rng: Generator, fmt: FixedFormat, rows: int, n: int) -> np.ndarray:
    x = rng.choice(np.array([fmt.min_code, fmt.min_code + 1, fmt.max_code - 1, fmt.max_code]), size=(rows, n))
    x[0] = fmt.min_code
    if rows > 1:
        x[1] = fmt.max_code
    if rows > 2:
        x[2] = fmt.min_code
        x[2, rng.integers(0, n)] = fmt.max_code
    if rows > 3:
        x[3] = fmt.max_code
        x[3, rng.integers(0, n)] = fmt.min_code
    return x.astype(np.int64)


def ramp_rows(rng: Generator, fmt: FixedFormat, rows: int, n: int) -> np.ndarray:
    top = rng.uniform(-2.0, 2.0, (rows, 1))
    depth = rng.uniform(0.0, 32 * math.log(2.0), (rows, n))
    depth[:, 0] = 0.0
    return _saturate(fmt, top - depth)


SOFTMAX_KINDS = ("attention", "equal", "dominant", "extreme", "ramp")


def softmax_rows(kind: str, rng: Generator, fmt: FixedFormat, rows: int, n: int,
                 shape: SoftmaxRowShape = SoftmaxRowShape()) -> np.ndarray:
    if kind == "attention":
        return attention_rows(rng, fmt, rows, n, shape)
    if kind == "dominant":
        return dominant_rows(rng, fmt, rows, n, shape)
    simple: dict[str, Callable[[Generator, FixedFormat, int, int], np.ndarray]] = {
        "equal": equal_rows, "extreme": extreme_rows, "ramp": ramp_rows}
    if kind not in simple:
        raise ValueError(f"unknown softmax row kind {kind!r}; kinds: {', '.join(SOFTMAX_KINDS)}")
    return simple[kind](rng, fmt, rows, n)


# ------------------------------------------------------------------------------ LayerNorm

LAYERNORM_KINDS = ("random", "constant", "near_constant", "outlier", "fullscale", "tie", "tiny", "wide")


def layernorm_rows(kind: str, rng: Generator, fmt: FixedFormat, rows: int, dim: int,
                   sum_sq_bits: int = 32) -> np.ndarray:
    lo, hi = fmt.min_code, fmt.max_code
    if kind == "random":
        mean = rng.uniform(-8, 8, (rows, 1))
        std = 2.0 ** rng.uniform(-4, 4, (rows, 1))
        return _saturate(fmt, rng.normal(mean, std, (rows, dim)))
    if kind == "constant":
        level = rng.integers(lo, hi + 1, (rows, 1))
        level[: min(rows, 3), 0] = [lo, hi, 0][: min(rows, 3)]
        return np.repeat(level, dim, axis=1)
    if kind == "near_constant":
        level = rng.integers(lo + 4, hi - 4, (rows, 1))
        steps = rng.choice(np.array([-1, 0, 0, 0, 1]), (rows, dim))
        single = rng.random(rows) < 0.5
        steps[single] = 0
        steps[np.flatnonzero(single), rng.integers(0, dim, int(single.sum()))] = rng.choice([-1, 1], int(single.sum()))
        return np.clip(level + steps, lo, hi)
    if kind == "outlier":
        std = 2.0 ** rng.uniform(-5, 2, (rows, 1))
        codes = _saturate(fmt, rng.normal(0.0, std, (rows, dim)))
        spike_rows = rng.random(rows) < 0.5
        codes[spike_rows] = rng.integers(lo // 16, hi // 16 + 1, (int(spike_rows.sum()), 1))
        position = rng.integers(0, dim, rows)
        magnitude = rng.integers(16 << fmt.frac, hi + 1, rows) if 16 << fmt.frac <= hi else np.full(rows, hi)
        sign = np.where(rng.random(rows) < 0.5, -1, 1)
        codes[np.arange(rows), position] = np.clip(sign * magnitude, lo, hi)
        return codes
    if kind == "fullscale":
        codes = rng.integers(lo, hi + 1, (rows, dim))
        ends = rng.random(rows) < 0.5
        codes[ends] = np.where(rng.random((int(ends.sum()), dim)) < 0.5, lo, hi)
        return codes
    if kind == "tie":
        x = layernorm_rows("random", rng, fmt, rows, dim)
        if dim % 2:
            return x
        delta = (dim // 2 - x.sum(axis=1) % dim) % dim
        x[:, 0] = np.where(x[:, 0] + delta <= hi, x[:, 0] + delta, x[:, 0] + delta - dim)
        return x
    if kind == "tiny":
        codes = rng.choice(np.array([-2, -1, 0, 0, 0, 0, 0, 0, 1, 2]), (rows, dim))
        single = rng.random(rows) < 1 / 3
        codes[single] = 0
        codes[np.flatnonzero(single), rng.integers(0, dim, int(single.sum()))] = rng.choice([-2, -1, 1, 2], int(single.sum()))
        return np.clip(codes, lo, hi)
    if kind == "wide":
        std = np.sqrt(2.0 ** (sum_sq_bits + rng.uniform(0.2, 1.8, (rows, 1))) / dim)
        return np.clip(np.rint(rng.normal(0.0, 1.0, (rows, dim)) * std), lo, hi).astype(np.int64)
    raise ValueError(f"unknown layernorm row kind {kind!r}; kinds: {', '.join(LAYERNORM_KINDS)}")


# ------------------------------------------------------------------------------ per op

# The inputs every unit of an op is compared on (the comparison report, the cost flow's input
# activity): the same real values for every method, on the NN-LUT units' default input grids.
OP_INPUT_SEED = 20261123


def op_inputs(op: str) -> np.ndarray:
    """GELU: every SQ16.10 code over [-32, 32); SiLU: every SQ16.12 code over [-8, 8) (as values,
    256 x 256). Softmax: 256 rows of 128 logits on the SQ16.9 grid, attention-like, all-equal,
    dominant, extreme. LayerNorm (and RMSNorm): 192 rows of 384 features on the SQ18.9 grid,
    random, constant, one outlier, full-scale. The grids are the units' defaults (models.defaults)."""
    rng = np.random.default_rng(OP_INPUT_SEED)
    if op in ("gelu", "silu"):
        return (np.arange(-(1 << 15), 1 << 15) * 2.0 ** -(DATA_WIDTH - table_int_bits(op))).reshape(256, 256)
    if op == "softmax":
        fmt = FixedFormat(DATA_WIDTH, SOFTMAX_IN_FRAC)
        kinds = (("attention", 192), ("equal", 16), ("dominant", 32), ("extreme", 16))
        return fmt.to_real(np.concatenate([softmax_rows(k, rng, fmt, n, 128) for k, n in kinds]))
    if op in ("layernorm", "rmsnorm"):
        fmt = FixedFormat(LAYERNORM_IN_WIDTH, LAYERNORM_IN_FRAC)
        kinds = (("random", 96), ("constant", 16), ("outlier", 48), ("fullscale", 32))
        return fmt.to_real(np.concatenate([layernorm_rows(k, rng, fmt, n, 384) for k, n in kinds]))
    raise ValueError(f"unknown op {op!r}; ops: gelu, silu, softmax, layernorm, rmsnorm")


__all__ = ["op_inputs", "SoftmaxRowShape", "SOFTMAX_KINDS", "LAYERNORM_KINDS", "softmax_rows", "layernorm_rows",
           "attention_rows", "equal_rows", "dominant_rows", "extreme_rows", "ramp_rows"]
