"""I-BERT LayerNorm unit bench (module `tb.ibert_layernorm.test_ibert_layernorm`, top
`ibert_layernorm_unit`).

The shared scoreboard checks every output bit-exact against models/ibert.py IntLayerNorm and
keeps the error against float64 layer_norm at the exact input values. Every test also checks
each output of every row whose variance keeps the shift at 0 against an error bound derived
from the datapath's roundings (accuracy_bound):
- RandomRows: Gaussian rows plus rows whose sum is a rounding tie for the mean.
- ConstantRows: constant rows (exactly 0 out) and rows within +-1 code of a constant.
- OutlierRows: one element far from a quiet row.
- FullScaleRows: codes over the whole format, and rows just past 2^MaxBit in sum of squares
  (the dynamic shift > 0).
- FullRateRows, RowLatency, BackpressureRows, ResetMidRow: the row-bench family
  (tb/common/rowbench.py) over the row kinds.
The pure-Python test at the end checks the bound itself, without the simulator.
"""

from __future__ import annotations

import math

import numpy as np
import pyuvm

from models.stimulus import layernorm_rows
from tb.common import rowbench
from tb.common.rowbench import RowTest
from tb.common.uvm_env import STREAM_FILE_MISSING, StreamFileTest, register_tests
from tb.ibert_layernorm.target import IBertLayerNormConfig, IBertLayerNormStreamModel

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


# ----------------------------------------------------------------------------------------
# Tests
# ----------------------------------------------------------------------------------------

class IBertLayerNormTest(RowTest):
    @property
    def model(self) -> IBertLayerNormStreamModel:
        return self.bench.model  # type: ignore[return-value]

    @property
    def config(self) -> IBertLayerNormConfig:
        return self.model.config

    def make_rows(self, kind: str, rows: int) -> np.ndarray:
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
class FullScaleRows(IBertLayerNormTest):
    row_kinds = ("fullscale", "wide")
    required_coverage = ("row:fullscale", "shift:1", "shift:>=2")


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
# The bound on its own (pytest, no simulator)
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
