"""I-BERT LayerNorm unit bench (module `tb.ibert_layernorm.test_ibert_layernorm`, top
`ibert_layernorm_unit`).

The shared scoreboard checks every output bit-exact against models/ibert.py IntLayerNorm and
keeps the error against float64 layer_norm at the exact input values. Every test also checks
each output of every row whose variance keeps the shift at 0 against an error bound derived
from the datapath's roundings (accuracy_bound):
- RandomRows: Gaussian rows plus rows whose sum is a rounding tie for the mean.
- ConstantRows: constant rows (exactly 0 out) and rows within +-1 code of a constant.
- OutlierRows: one element far from a quiet row.
- NewtonRows: zero-mean rows whose variance takes each number of Newton updates, up to the
  most any variance below 2^MaxBit takes (newton_rows).
- FullScaleRows: codes over the whole format, rows just past 2^MaxBit in sum of squares
  (the dynamic shift > 0), rows of one extreme with a beat at the other (a beat's sum of
  squares reaches the top bit of its declared width), and rows whose squares land just past the
  power of two a narrower square or beat sum would wrap at (wrap_rows).
- FullRateRows, RowLatency, BackpressureRows, ResetMidRow: the row-bench family
  (tb/common/rowbench.py) over the row kinds.
The pure-Python test at the end checks the bound itself, without the simulator.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pyuvm

from models.fixedpoint import FixedFormat
from models.intops import isqrt_newton
from models.stimulus import layernorm_rows
from tb.common import rowbench
from tb.common.rowbench import RowTest
from tb.common.uvm_env import STREAM_FILE_MISSING, StreamFileTest, register_tests
from tb.ibert_layernorm.target import (NEWTON_UPDATES, IBertLayerNormConfig, IBertLayerNormStreamModel,
                                      newton_updates_worst)

ROWS_PER_TEST = 24


def accuracy_bound(x: np.ndarray, max_bit: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-element bound on |out - layer_norm| (normalised units) for rows whose shift is 0,
    derived from the datapath, not from the model: with v = sum (x - mu)^2 (exact, code^2),
    y = x - mu - delta (|delta| <= 1/2, the rounded mean), r = isqrt(sum y^2) in
    (sqrt(v) - 1, sqrt(v + D/4)], F = floor(2^31 / r), out = floor(y F / 2):
      |out sqrt(D) / 2^30 - (x - mu) sqrt(D / v)| <= sqrt(D) (|x - mu| |1/r - 1/sqrt v|
          + 1/2 / r + |y| 2^-31 + 2^-30),
      |1/r - 1/sqrt v| <= max(1 / (sqrt v (sqrt v - 1)), D / (8 v^1.5)).
    Returns (rows the bound applies to: sum y^2 < 2^max_bit for sure and v > 4, bound)."""
    x = np.asarray(x, dtype=np.float64)
    d = x.shape[1]
    dev = x - x.mean(axis=1, keepdims=True)
    v = (dev ** 2).sum(axis=1, keepdims=True)
    applies = ((v > 4) & (v + d / 4 < 2.0 ** max_bit))[:, 0]
    sv = np.sqrt(np.maximum(v, 4.0))
    k = np.maximum(1 / (sv * (sv - 1)), d / (8 * sv ** 3))
    bound = math.sqrt(d) * (np.abs(dev) * k + 0.5 / (sv - 1) + (np.abs(dev) + 0.5) * 2.0 ** -31 + 2.0 ** -30)
    return applies, bound + 1e-9  # float64 slack of the reference


def extreme_beat_rows(rng: np.random.Generator, fmt: FixedFormat, rows: int, dim: int, lanes: int) -> np.ndarray:
    """Rows of one format extreme with one whole beat (a random one) at the other: that beat's
    every |y| is close to 2^InWidth, so its sum of squares nears Lanes 2^(2 InWidth), the bound
    ibert_ln_var's BeatWidth is sized for."""
    low = rng.random(rows) < 0.5
    codes = np.where(low[:, None], fmt.max_code, fmt.min_code) * np.ones((1, dim), dtype=np.int64)
    for r, beat in enumerate(rng.integers(0, dim // lanes, rows)):
        codes[r, beat * lanes:(beat + 1) * lanes] = fmt.min_code if low[r] else fmt.max_code
    return codes


def wrap_rows(rng: np.random.Generator, fmt: FixedFormat, rows: int, dim: int, lanes: int,
              max_bit: int) -> np.ndarray:
    """Rows whose shift-0 squares land just above a power of two that a narrower square or beat
    sum would wrap at: k elements of one beat at a format extreme, the rest at a level c chosen
    so that the k squares sum to 2^b + 2^(max_bit - 2), b = 2 InWidth - 1 (k = 1: one y^2) or
    2 InWidth + clog2(Lanes) - 1 (k = Lanes / 2 + 1: one beat's sum). The sum overflows 2^max_bit,
    so the shift is >= 1; wrapped at 2^b it would not, and shift 0 would be taken (the rest of the
    row adds less than 2^(max_bit - 1) at the default dim). So ibert_ln_var's SqWidth and BeatWidth
    are bounds: one bit less fails here. Rows a dim or lane count cannot build are left out."""
    w = fmt.width
    beat_bits = (lanes - 1).bit_length() if lanes > 1 else 0
    made = []
    for k, b in ((1, 2 * w - 1), (lanes // 2 + 1, 2 * w + beat_bits - 1)):
        if k > lanes or k >= dim:
            continue
        target = 2 ** b + 2 ** (max_bit - 2)
        # k (c - lo)^2 (1 - k / dim)^2 ~ target, then c nudged until the codes give it exactly.
        span = int(math.sqrt(target / k) / (1 - k / dim))
        for c in range(fmt.min_code + span - 64, fmt.min_code + span + 64):
            if c > fmt.max_code:
                break
            row = np.full(dim, c, dtype=np.int64)
            row[:k] = fmt.min_code
            y = row - (row.sum() + dim // 2) // dim
            if 2 ** b <= int((y[:k] ** 2).sum()) < 2 ** b + 2 ** (max_bit - 1):
                made.append(row)
                break
    if not made:
        return np.zeros((0, dim), dtype=np.int64)
    picks = [made[i % len(made)] for i in range(rows)]
    # The same rows mirrored (the extremes at the top of the format), and at a random beat.
    out = []
    for i, row in enumerate(picks):
        row = row if i % 2 == 0 else fmt.min_code + fmt.max_code - row
        beat = int(rng.integers(0, dim // lanes))
        out.append(np.roll(row, beat * lanes))
    return np.array(out, dtype=np.int64)


@functools.cache
def newton_targets(max_bit: int) -> dict[int, list[int]]:
    """Even variances below 2^max_bit by the number of Newton updates their root takes. The
    slow ones sit just below a square m^2 a little above an even power of two, where the start
    2^ceil(bits/2) is nearly twice the root: m^2 - 1, m^2 and m^2 + m for m = 2^j + 1 .. 2^j + 64."""
    found: dict[int, list[int]] = {}
    for j in range(1, max_bit // 2 + 1):
        for m in range((1 << j) + 1, (1 << j) + 65):
            for target in (m * m - 1, m * m, m * m + m):
                if target % 2 == 0 and 0 < target < 1 << max_bit:
                    found.setdefault(isqrt_newton(np.array([target]))[1], []).append(target)
    return found


def newton_rows(rng: np.random.Generator, fmt: FixedFormat, rows: int, dim: int, max_bit: int) -> np.ndarray:
    """Zero-mean rows whose variance (sum of y^2 at shift 0) is a chosen even target, taking every
    update count the targets reach in turn, the slowest first: +-a pairs with sum a^2 =
    target / 2 (greedy squares), at random places. The mean is exactly 0, so y = q and the
    variance is the target. Counts whose targets a row of `dim` codes cannot hold are left out."""
    by_updates = newton_targets(max_bit)
    slowest_first = sorted(by_updates, reverse=True)
    out = []
    for i in range(rows):
        target = int(rng.choice(by_updates[slowest_first[i % len(slowest_first)]]))
        rest, parts = target // 2, []
        while rest:
            a = min(math.isqrt(rest), fmt.max_code)
            parts.append(a)
            rest -= a * a
        if 2 * len(parts) > dim:
            continue
        row = np.zeros(dim, dtype=np.int64)
        places = rng.permutation(dim)[:2 * len(parts)]
        row[places] = np.array(parts + [-a for a in parts], dtype=np.int64)
        out.append(row)
    return np.array(out, dtype=np.int64).reshape(-1, dim)


# ----------------------------------------------------------------------------------------
# Tests
# ----------------------------------------------------------------------------------------

class IBertLayerNormTest(RowTest[IBertLayerNormStreamModel, IBertLayerNormConfig]):

    def make_rows(self, kind: str, rows: int) -> np.ndarray:
        if kind == "extreme_beat":
            return extreme_beat_rows(self.np_rng, self.model.in_fmt, rows, self.config.dim, self.config.lanes)
        if kind == "wrap":
            return wrap_rows(self.np_rng, self.model.in_fmt, rows, self.config.dim, self.config.lanes,
                             self.config.max_bit)
        if kind == "newton":
            return newton_rows(self.np_rng, self.model.in_fmt, rows, self.config.dim, self.config.max_bit)
        return layernorm_rows(kind, self.np_rng, self.model.in_fmt, rows, self.config.dim,
                              sum_sq_bits=self.config.max_bit)

    def n_rows(self, scale: float = 1.0) -> int:
        return max(4, int(scale * ROWS_PER_TEST))

    def check_phase(self) -> None:
        super().check_phase()
        sb, c = self.env.scoreboard, self.config
        x = sb.results["inputs"].reshape(-1, c.dim)
        out = self.model.out_fmt.to_real(sb.results["outputs"]).reshape(-1, c.dim)
        ref = sb.results["reference"].reshape(-1, c.dim)
        applies, bound = accuracy_bound(x, c.max_bit)
        excess = (np.abs(out - ref) - bound)[applies]
        sb.results["accuracy_rows_checked"] = int(applies.sum())
        assert excess.size == 0 or excess.max() <= 0, \
            f"an output exceeds the datapath's error bound by {excess.max():.3e}"
        constant = (x == x[:, :1]).all(axis=1)
        assert not sb.results["outputs"].reshape(-1, c.dim)[constant].any(), "a constant row did not give 0"


@pyuvm.test()
class RandomRows(IBertLayerNormTest):
    row_kinds = ("random", "tie")
    required_coverage = ("shift:0", "mean:tie", "mean:negative", "mean:positive")


@pyuvm.test()
class ConstantRows(IBertLayerNormTest):
    row_kinds = ("constant", "near_constant")
    required_coverage = ("row:constant", "row:near_constant", "newton:updates[0]")


@pyuvm.test()
class OutlierRows(IBertLayerNormTest):
    row_kinds = ("outlier",)
    required_coverage = ("row:outlier",)


@pyuvm.test()
class NewtonRows(IBertLayerNormTest):
    """Variances whose root takes every update count up to the most any variance below 2^MaxBit
    takes (NEWTON_UPDATES): ibert_isqrt's budget is exercised at its worst case."""
    row_kinds = ("newton",)
    required_coverage = tuple(f"newton:updates[{k}]" for k in range(1, NEWTON_UPDATES + 1))


@pyuvm.test()
class FullScaleRows(IBertLayerNormTest):
    row_kinds = ("fullscale", "wide", "extreme_beat", "wrap")
    required_coverage = ("row:fullscale", "shift:1", "shift:>=2", "beat:sum_sq_top_bit")


register_tests(__name__, IBertLayerNormTest, rowbench, {
    "FullRateRows": {"row_kinds": ("random", "outlier", "constant", "fullscale")},
    "RowLatency": {"row_kinds": ("random", "outlier", "constant", "fullscale")},
    "BackpressureRows": {"row_kinds": ("random", "constant", "outlier", "fullscale")},
    "ResetMidRow": {"row_kinds": ("random", "outlier")},
})


@pyuvm.test(skip=STREAM_FILE_MISSING)
class StreamFile(StreamFileTest, IBertLayerNormTest):
    """rtl_eval's data path: whole rows from a file (see StreamFileTest)."""


# ----------------------------------------------------------------------------------------
# The bound and the Newton sweep on their own (pytest, no simulator)
# ----------------------------------------------------------------------------------------

def test_accuracy_bound_holds_for_the_model_and_fails_for_a_wrong_root() -> None:
    """The bound on its own, without the simulator: the model meets it on random rows, and a
    datapath whose root is one too small (a normalisation off by ~1/root) breaks it."""
    config = IBertLayerNormConfig(dim=64, lanes=1)
    model = config.model()
    rng = np.random.default_rng(7)
    fmt = IBertLayerNormStreamModel(config).in_fmt
    x = np.concatenate([layernorm_rows("random", rng, fmt, 64, config.dim),
                        layernorm_rows("outlier", rng, fmt, 16, config.dim)])
    applies, bound = accuracy_bound(x, config.max_bit)
    from models.ibert import IntLayerNorm
    from models.reference import layer_norm

    ref = layer_norm(x.astype(np.float64))
    scale = IntLayerNorm.base_scale(config.dim)
    assert applies.sum() > 40
    assert (np.abs(model.forward(x) * scale - ref) <= bound)[applies].all()
    tr = model.trace(x)
    wrong_factor = (np.int64(1) << 31) // (np.maximum(tr["root"] - 1, 1) << tr["shift"])
    wrong = (tr["y"] * wrong_factor) >> 1
    assert not (np.abs(wrong * scale - ref) <= bound)[applies].all()


def test_newton_updates_worst_reads_every_value() -> None:
    """The chunked sweep finds what one call over every value finds, and the worst count grows
    with the range (3 updates first at 7 bits, 4 at 13; 5 at 25, the most below 2^32)."""
    import pytest

    assert newton_updates_worst(20, chunk_bits=7) == isqrt_newton(np.arange(1, 1 << 20))[1] == 4
    assert [newton_updates_worst(b) for b in (6, 7, 12, 13)] == [2, 3, 3, 4]
    assert max(newton_targets(32)) == NEWTON_UPDATES
    with pytest.raises(ValueError, match="bits must be"):
        newton_updates_worst(0)
