"""I-BERT Softmax unit bench (module `tb.ibert_softmax.test_ibert_softmax`, top
`ibert_softmax_unit`).

The shared scoreboard checks every output bit-exact against models/ibert.py IntSoftmax and keeps
the error against float64 softmax at the exact input values:
- RandomRows: attention-like logits plus ramp rows that put an element at every power-of-two
  exponent z of the i-exp; random gaps and backpressure; every z covered.
- EqualRows: all-equal rows (p = 1/N up to the integer normalisation), extreme codes included.
- DominantRows: one dominant logit (the others' exps underflow to 0, the output reaches its
  top code) and near-ties.
- ExtremeRows: only the most negative and most positive codes (d clamped at 30 x0).
- FullRateRows, RowLatency, BackpressureRows, ResetMidRow: the row-bench family
  (tb/common/rowbench.py).
Every test also bounds the error against softmax by the i-exp polynomial's (see error_bound).
"""

from __future__ import annotations

import math

import numpy as np
import pyuvm

from models.stimulus import SoftmaxRowShape, softmax_rows
from tb.common import rowbench
from tb.common.rowbench import RowTest
from tb.common.uvm_env import STREAM_FILE_MISSING, StreamFileTest, register_tests
from tb.ibert_softmax.target import IBertSoftmaxConfig, IBertSoftmaxStreamModel

# The others' gap below a dominant logit: 12..20, where their i-exps are 0 or a few codes.
ROW_SHAPE = SoftmaxRowShape(top=(2.0, 15.0), gap=(12.0, 20.0), far_gap=None)


def iexp_relative_error() -> float:
    """Max relative error of I-BERT's float exp polynomial 0.3585 (r + 1.353)^2 + 0.344 on
    (-ln2, 0] (Eq. 13; constants restated from the paper, not taken from the model)."""
    r = np.linspace(-math.log(2.0), 0.0, 200001)
    return float(np.abs((0.3585 * (r + 1.353) ** 2 + 0.344) / np.exp(r) - 1.0).max())


class IBertSoftmaxTest(RowTest[IBertSoftmaxStreamModel, IBertSoftmaxConfig]):
    """Base: row generators and the error bound against float64 softmax."""

    row_kinds = ("attention",)

    def make_rows(self, kind: str, rows: int) -> np.ndarray:
        return softmax_rows(kind, self.np_rng, self.model.in_fmt, rows, self.config.row_length, ROW_SHAPE)

    @property
    def error_bound(self) -> float:
        """With every exp off by a relative delta_j, |delta_j| <= eps, p_i moves by
        p_i (delta_i - dbar) / (1 + dbar), dbar = sum_j p_j delta_j, at most
        p_i (1 - p_i) 2 eps / (1 - eps) <= eps / (2 (1 - eps)); each 16-bit exp also rounds by
        half a code, which moves the sum by at most N/2 codes of a sum >= T (the maximum's
        code); and the factor's and the output's floors cost at most 2 output LSBs."""
        m = self.model.model
        top = int(m.exp(np.zeros(1, dtype=np.int64))[0])
        eps = iexp_relative_error()
        return eps / (2 * (1 - eps)) + self.config.row_length / 2 / top + 2 * 2.0 ** -self.config.out_width

    def check_phase(self) -> None:
        super().check_phase()
        sb = self.env.scoreboard
        error = sb.results.get("rtl_error")
        assert error is not None, "no outputs were checked"
        sb.results["error_bound"] = self.error_bound
        assert error["max_abs"] <= self.error_bound, \
            f"max |p - softmax| = {error['max_abs']:.3e} exceeds {self.error_bound:.3e}: {error}"


@pyuvm.test()
class RandomRows(IBertSoftmaxTest):
    required_coverage = ("row:spread", "row:underflow", "row:clamped", "exp:z[")

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        return [self.row_block("attention", self.n_rows()), self.row_block("ramp", 4)]


@pyuvm.test()
class EqualRows(rowbench.EqualRows, IBertSoftmaxTest):
    def check_phase(self) -> None:
        super().check_phase()
        # All exps equal T: factor = floor(2^32 / (N T)), every output the same code.
        outputs = self.env.scoreboard.results["outputs"].reshape(-1, self.config.row_length)
        assert (outputs == outputs[:, :1]).all(), "an all-equal row produced unequal outputs"


register_tests(__name__, IBertSoftmaxTest, rowbench, {
    "DominantRows": {"extra_coverage": ("row:underflow", "row:top_code")},
    "ExtremeRows": {"extra_coverage": ("row:clamped", "row:underflow")},
    "FullRateRows": {},
    "RowLatency": {"row_kinds": ("attention", "extreme", "equal", "dominant")},
    "BackpressureRows": {"row_kinds": ("attention", "extreme")},
    "ResetMidRow": {"row_kinds": ("attention", "equal")},
    "VariableRows": {},
    "VariableRowsFullRate": {},
    "FullQueueRows": {},
})


@pyuvm.test(skip=STREAM_FILE_MISSING)
class StreamFile(StreamFileTest):
    """rtl_eval's data path: whole rows from a file (see StreamFileTest)."""
