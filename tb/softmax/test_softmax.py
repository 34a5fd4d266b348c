"""NN-LUT Softmax unit bench (module `tb.softmax.test_softmax`, top `softmax_unit`).

Every output is checked bit-exact against models.softmax.SoftmaxModel by the shared scoreboard,
which also keeps the error against float64 softmax at the exact input values:
- RandomRows: attention-like logits (random offset and spread per row), random gaps and
  backpressure; every exp table segment covered.
- EqualRows: all-equal rows (p = 1/N exactly), including the extreme codes.
- DominantRows: one dominant logit (p near 1, the other exps underflow) and near-ties.
- ExtremeRows: rows of the most negative and most positive codes (|x - M| up to 32).
- FullRateRows, RowLatency, BackpressureRows, ResetMidRow: the row-bench family
  (tb/common/rowbench.py) on attention-like, extreme and equal rows.
With the range-reduced exp, every test also asserts the accuracy target (max |p - p_ref| <=
5e-4, plus one output LSB below 16 output bits).
"""

from __future__ import annotations

import numpy as np
import pyuvm

from models.softmax import ACCURACY_TARGET, SoftmaxConfig
from models.stimulus import softmax_rows
from tb.common import rowbench
from tb.common.rowbench import RowTest
from tb.common.uvm_env import STREAM_FILE_MISSING, StreamFileTest, register_tests


class SoftmaxTest(RowTest):
    """Base: row generators, mode-aware coverage requirements and the accuracy target."""

    row_kinds = ("attention",)

    @property
    def config(self) -> SoftmaxConfig:
        return self.bench.model.config

    def make_rows(self, kind: str, rows: int) -> np.ndarray:
        return softmax_rows(kind, self.np_rng, self.config.in_fmt, rows, self.config.row_length)

    def required_bins(self) -> tuple[str, ...]:
        # Rows of one element are always all-equal and dominant, and their exps never
        # underflow; the direct exp has no shift to clamp.
        unreachable = set()
        if self.config.row_length == 1:
            unreachable |= {"row:spread", "row:underflow", "row:q_clamped", "exp_segment["}
        if self.config.exp_mode == "direct":
            unreachable |= {"row:q_clamped", "row:underflow"}
        # Where p is near 1 the fitted tables give m * R(m) <= 1 - 3e-4 (the 1/x table's error
        # at m near 2; see models/softmax.py), which rounds below the largest code at 16
        # output bits; at 10 bits or fewer it rounds up to 1.0 and saturates.
        if self.config.out_frac > 10:
            unreachable |= {"row:saturated"}
        return tuple(b for b in super().required_bins() if b not in unreachable)

    @property
    def error_bound(self) -> float:
        """The accuracy target, plus the output LSB when the output is coarser than 16 bits."""
        lsb = self.config.out_fmt.lsb
        return ACCURACY_TARGET + (lsb if self.config.out_frac < 16 else 0.0)

    def check_phase(self) -> None:
        super().check_phase()
        error = self.env.scoreboard.results.get("rtl_error")
        assert error is not None, "no outputs were checked"
        if self.config.exp_mode == "range_reduced":
            assert error["max_abs"] <= self.error_bound, \
                f"max |p - softmax| = {error['max_abs']:.3e} exceeds {self.error_bound:.3e}: {error}"


@pyuvm.test()
class RandomRows(SoftmaxTest):
    required_coverage = ("row:spread", "row:underflow", "exp_segment[")


register_tests(__name__, SoftmaxTest, rowbench, {
    "EqualRows": {},
    "DominantRows": {"extra_coverage": ("row:underflow", "row:saturated")},
    "ExtremeRows": {"extra_coverage": ("row:q_clamped", "row:underflow")},
    "FullRateRows": {},
    "RowLatency": {"row_kinds": ("attention", "extreme", "equal", "dominant")},
    "BackpressureRows": {"row_kinds": ("attention", "extreme")},
    "ResetMidRow": {"row_kinds": ("attention", "equal"), "extra_coverage": ("row:all_equal",)},
})


@pyuvm.test(skip=STREAM_FILE_MISSING)
class StreamFile(StreamFileTest):
    """rtl_eval's data path: whole rows from a file (see StreamFileTest)."""
